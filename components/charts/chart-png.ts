// "PNG of the current chart": the chart's canvas as drawn, under a title
// line saying what it shows and when, downloaded as a file.

/** Composes title + canvas into a PNG and starts the download. */
export function downloadChartPng(canvas: HTMLCanvasElement, title: string, fileName: string): void {
  const ratio = canvas.width / Math.max(1, canvas.getBoundingClientRect().width || canvas.width);
  const titleHeight = Math.round(28 * ratio);
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height + titleHeight;
  const context = out.getContext("2d");
  if (!context) return;
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, out.width, out.height);
  context.fillStyle = "#1c2330";
  context.font = `${Math.round(13 * ratio)}px system-ui, sans-serif`;
  context.textBaseline = "middle";
  context.fillText(title, Math.round(8 * ratio), titleHeight / 2);
  context.drawImage(canvas, 0, titleHeight);
  out.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, "image/png");
}
