import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import type { Action, Actor } from "@/lib/server/auth/permissions.ts";
import { requireActor } from "@/lib/server/auth/session.ts";
import { AppError, publicError } from "@/lib/server/errors.ts";
import { logError } from "@/lib/server/log.ts";
import { answerChecksOn, checkAnswer, type Encodes } from "./answer-check.ts";
import { inputProblem } from "./input-guards.ts";
import { API_HEADERS } from "./security-headers.ts";

// Every route handler is built here, so each one parses its input with a
// schema, checks who is calling, and maps errors the same way. Handlers stay
// thin: parse, authorize, call a use case, shape the output.

export type RouteAccess = { kind: "user"; action: Action } | { kind: "public"; why: string };

const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

type HandlerArgs<TBody, TParams, TQuery> = {
  request: NextRequest;
  actor: Actor | null;
  body: TBody;
  params: TParams;
  query: TQuery;
};

/**
 * An answer that is not JSON (an export streamed as a file, the metrics
 * exposition): its media types, for the OpenAPI document.
 */
export type MediaAnswer = { contentTypes: readonly string[]; description: string };

type RouteOptions<TBody, TParams, TQuery, TAnswer extends z.ZodType> = {
  access: RouteAccess;
  params?: z.ZodType<TParams>;
  body?: z.ZodType<TBody>;
  query?: z.ZodType<TQuery>;
  maxBodyBytes?: number;
  successStatus?: number;
} & (
  | {
      /** The JSON answer as it goes on the wire (dates as ISO strings): documented in the OpenAPI document, checked in tests (answer-check.ts). */
      answer: TAnswer;
      answerMedia?: never;
    }
  | { answerMedia: MediaAnswer; answer?: never }
);

/** What a route accepts and answers, kept on its handler so the OpenAPI document (openapi.ts) is built from the route's own schemas. */
export type RouteSpec = {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  answer?: z.ZodType;
  answerMedia?: MediaAnswer;
  successStatus: number;
  maxBodyBytes: number;
};

export type RouteHandler = ((request: NextRequest, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>) & {
  access: RouteAccess;
  spec: RouteSpec;
};

export function errorResponse(error: unknown): NextResponse {
  const body = publicError(error);
  if (!(error instanceof AppError)) logError("unhandled error in route handler", error);
  return NextResponse.json({ error: body }, { status: error instanceof AppError ? error.status : 500, headers: API_HEADERS });
}

/**
 * proxy.ts sets the same headers before the handler runs, but a handler's
 * own Response replaces them; this is the copy that always holds.
 */
function withApiHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(API_HEADERS)) response.headers.set(name, value);
  return response;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, what: string): T {
  if (!schema) return undefined as T;
  // NUL characters and absurd nesting, refused for every route here (see input-guards.ts).
  const problem = inputProblem(value);
  if (problem !== null) throw new AppError("BAD_REQUEST", `Invalid ${what}: ${problem}`);
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("BAD_REQUEST", `Invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

async function readJsonBody(request: NextRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes.`);
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > maxBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes.`);
  }
  if (text.trim() === "") throw new AppError("BAD_REQUEST", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The request body is not valid JSON.");
  }
}

/**
 * Refuses state-changing requests that a browser sent from another site
 * (CSRF). Browsers send `Origin: null` from sandboxed frames, file: pages and
 * some cross-site redirects: an origin nobody can vouch for, so refused like
 * another site. An Origin that is no URL at all did not come from a browser.
 */
function assertSameSite(request: NextRequest): void {
  if (request.method === "GET" || request.method === "HEAD") return;
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    throw new AppError("FORBIDDEN", "Cross-site requests are not accepted.");
  }
  const origin = request.headers.get("origin");
  if (origin === null) return;
  if (origin.trim() === "null") throw new AppError("FORBIDDEN", "Cross-site requests are not accepted (the request's Origin is null).");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new AppError("BAD_REQUEST", "The Origin header is not an origin (scheme://host[:port]).");
  }
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (host && originHost !== host) {
    throw new AppError("FORBIDDEN", "Cross-site requests are not accepted.");
  }
}

export function defineRoute<TBody = undefined, TParams = undefined, TQuery = undefined, TAnswer extends z.ZodType = z.ZodNever>(
  options: RouteOptions<TBody, TParams, TQuery, TAnswer>,
  handler: (args: HandlerArgs<TBody, TParams, TQuery>) => Promise<Encodes<z.output<TAnswer>> | Response>,
): RouteHandler {
  const route = async (request: NextRequest, context: { params: Promise<Record<string, string | string[]>> }) => {
    try {
      assertSameSite(request);
      const actor = options.access.kind === "user" ? await requireActor(options.access.action, request.headers) : null;
      const params = parseWith(options.params, await context.params, "path");
      const query = parseWith(options.query, Object.fromEntries(request.nextUrl.searchParams), "query");
      const body = options.body ? parseWith(options.body, await readJsonBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), "request") : (undefined as TBody);
      const result = await handler({ request, actor, body, params, query });
      if (result instanceof Response) return withApiHeaders(result);
      if (options.answer && answerChecksOn()) checkAnswer(`${request.method} ${request.nextUrl.pathname}`, options.answer, result ?? {});
      return NextResponse.json(result ?? {}, { status: options.successStatus ?? 200, headers: API_HEADERS });
    } catch (error) {
      return errorResponse(error);
    }
  };
  const spec: RouteSpec = {
    params: options.params,
    query: options.query,
    body: options.body,
    answer: options.answer,
    answerMedia: options.answerMedia,
    successStatus: options.successStatus ?? 200,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
  return Object.assign(route, { access: options.access, spec });
}
