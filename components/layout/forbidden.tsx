export function Forbidden({ what }: { what: string }) {
  return (
    <main>
      <h1>Not allowed</h1>
      <p className="error" role="alert">
        Your roles do not allow you to {what}.
      </p>
    </main>
  );
}
