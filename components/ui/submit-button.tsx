import type { ReactNode } from "react";

/**
 * A form's submit button: disabled while the form is busy (or `disabled`),
 * and then labelled `busyLabel` when one is given.
 */
export function SubmitButton({
  busy,
  disabled = false,
  busyLabel,
  className = "primary",
  children,
}: {
  busy: boolean;
  disabled?: boolean;
  busyLabel?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <button className={className} type="submit" disabled={busy || disabled}>
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}
