// When the run page shows a batch as a fleet. Up to 16 hosts the per-host
// view (run-workspace.tsx) draws each host's histogram side by side: 16 fit
// one screen (4 × 4 at the charts' 340 px minimum width) and are read at a
// glance; it also keeps every host's history (each one's frames folded into a
// timeline, older ones fetched over HTTP per host), and a batch watch still
// gives each of 16 hosts 375 of its latest frames (6,000 shared). Past that,
// side-by-side charts stop being readable and the page's cost grows with
// every host; the fleet view costs the same for 17 hosts or 5,000.
// No "use client": the server page reads it to choose the view.
export const MAX_HOSTS_SIDE_BY_SIDE = 16;

export const isFleet = (hosts: number): boolean => hosts > MAX_HOSTS_SIDE_BY_SIDE;
