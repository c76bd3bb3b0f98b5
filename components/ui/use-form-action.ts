"use client";
import { useCallback, useState } from "react";
import { ApiError } from "@/lib/client/api.ts";

/** What a form shows when its request failed: the server's sentence, or that it could not be reached. */
export function describeFailure(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : "The server could not be reached.";
}

export type FormAction = {
  busy: boolean;
  error: string | null;
  /**
   * Runs `action` with the form busy and its last error cleared; a failure
   * becomes the error line. Resolves true when the action succeeded.
   * `staysBusyOnSuccess`: the form is about to navigate away, so it stays
   * disabled rather than invite a second submit.
   */
  run: (action: () => Promise<void>, options?: { staysBusyOnSuccess?: boolean }) => Promise<boolean>;
};

/** The busy flag and error line around a form's one request at a time. */
export function useFormAction(): FormAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback<FormAction["run"]>(async (action, options) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      if (!options?.staysBusyOnSuccess) setBusy(false);
      return true;
    } catch (caught) {
      setError(describeFailure(caught));
      setBusy(false);
      return false;
    }
  }, []);
  return { busy, error, run };
}
