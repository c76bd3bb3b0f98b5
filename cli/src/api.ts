import { CliError } from "./cli-error.ts";
import type { Credentials } from "./config.ts";

// The workbench's HTTP API with the user's API token (`Authorization: Bearer`).
// Every failure becomes a CliError with the server's own sentence; the token
// itself is never part of a message.

type ErrorBody = { error?: { code?: string; message?: string; details?: Record<string, unknown> } };

export class WorkbenchApi {
  constructor(
    readonly credentials: Credentials,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get server(): string {
    return this.credentials.server;
  }

  /** The answer to a request, or a CliError for a network failure or any status but 2xx. */
  async send(method: "GET" | "POST", route: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(new URL(route, this.server), {
        method,
        headers: { authorization: `Bearer ${this.credentials.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
        signal: signal ?? AbortSignal.timeout(30_000),
      });
    } catch (error) {
      // Node's fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is in its cause.
      const detail = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = detail?.code ?? detail?.errors?.[0]?.code ?? detail?.message ?? (error as Error).message;
      throw new CliError("UNAVAILABLE", `Cannot reach the workbench at ${this.server} (${cause}): is it running, and is the URL right?`);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => "");
    let parsed: ErrorBody = {};
    try {
      parsed = JSON.parse(text) as ErrorBody;
    } catch {
      // not the workbench's JSON error: said below by status
    }
    const sentence = parsed.error?.message ?? `The server answered ${response.status} ${response.statusText}.`;
    const details = parsed.error?.details;
    if (response.status === 401) throw new CliError("UNAUTHENTICATED", `${sentence} Then run \`workbench login\` with the new token.`, details);
    if (response.status === 403) throw new CliError("FORBIDDEN", sentence, details);
    if (response.status >= 500) throw new CliError("UNAVAILABLE", `The workbench at ${this.server} failed (${response.status}): ${sentence}`, details);
    if (response.status >= 300 && response.status < 400) {
      throw new CliError("REFUSED", `The server redirected ${route} (${response.status}); is ${this.server} the workbench's address?`);
    }
    throw new CliError("REFUSED", sentence, details);
  }

  async json<T>(method: "GET" | "POST", route: string, body?: unknown): Promise<T> {
    const response = await this.send(method, route, body);
    return (await response.json()) as T;
  }
}
