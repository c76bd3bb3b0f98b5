"use client";

import { useEffect, useState } from "react";
import { parseHostSelector } from "@/lib/shared/host-selector.ts";

export type SelectorMatches =
  | { state: "none" }
  | { state: "invalid"; error: string }
  | { state: "loading"; canonical: string }
  | { state: "ok"; canonical: string; count: number; hosts: { id: string; name: string }[] }
  | { state: "failed"; canonical: string; error: string };

/** Matching hosts listed with the count: enough to name a few and to sample probe catalogs. */
const LISTED = 50;
/** Typing pauses this long before the server is asked. */
const DEBOUNCE_MS = 250;

/**
 * What a selector typed in the program form matches now. The text is parsed
 * here with the server's own parser (an error shows at once, nothing is
 * asked); a valid selector is resolved by the server (GET /api/hosts/matches),
 * which knows every enrolled host, after a short pause in typing.
 */
export function useSelectorMatches(text: string): SelectorMatches {
  const parsed = parseHostSelector(text);
  const canonical = parsed.ok ? (parsed.selector?.canonical ?? null) : null;
  const [answer, setAnswer] = useState<{ canonical: string; result: SelectorMatches } | null>(null);

  useEffect(() => {
    if (!canonical) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetch(`/api/hosts/matches?selector=${encodeURIComponent(canonical)}&limit=${LISTED}`, { signal: controller.signal, credentials: "same-origin" })
        .then(async (response) => {
          const body = (await response.json().catch(() => null)) as { count?: number; hosts?: { id: string; name: string }[]; error?: { message: string } } | null;
          const result: SelectorMatches = response.ok
            ? { state: "ok", canonical, count: body?.count ?? 0, hosts: (body?.hosts ?? []).map(({ id, name }) => ({ id, name })) }
            : { state: "failed", canonical, error: body?.error?.message ?? `The server answered ${response.status}.` };
          setAnswer({ canonical, result });
        })
        .catch((error: unknown) => {
          if ((error as Error).name !== "AbortError") setAnswer({ canonical, result: { state: "failed", canonical, error: "The server could not be reached." } });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [canonical]);

  if (!parsed.ok) return { state: "invalid", error: parsed.error };
  if (!canonical) return { state: "none" };
  // An answer for an earlier selector is never shown for this one.
  return answer?.canonical === canonical ? answer.result : { state: "loading", canonical };
}
