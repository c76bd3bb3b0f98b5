/**
 * A form's error line, announced to screen readers as it appears; nothing
 * when there is no error. `inline`: a span, for a line inside a row of inputs.
 */
export function FormError({ error, inline = false }: { error: string | null; inline?: boolean }) {
  if (!error) return null;
  const Line = inline ? "span" : "p";
  return (
    <Line className="error" role="alert">
      {error}
    </Line>
  );
}
