import "server-only";
import type { z } from "zod";
import type { Ack, AckFn } from "@/lib/shared/sockets.ts";
import { AppError, publicError } from "@/lib/server/errors.ts";
import { logError } from "@/lib/server/log.ts";

/**
 * Wraps a socket event handler: validates the payload with its schema, runs
 * the handler, and always answers through the acknowledgement with either a
 * value or an error a person understands. A handler never throws into
 * socket.io, and a malformed payload never reaches a use case.
 */
export function withAck<TInput, TOutput>(schema: z.ZodType<TInput>, handler: (input: TInput) => Promise<TOutput>): (payload: unknown, ack: unknown) => void {
  return (payload, ack) => {
    const reply: AckFn<TOutput> = typeof ack === "function" ? (ack as AckFn<TOutput>) : () => {};
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      reply({ ok: false, error: { code: "BAD_REQUEST", message: `Invalid payload: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` } });
      return;
    }
    handler(parsed.data).then(
      (value) => reply({ ok: true, value }),
      (error: unknown) => {
        if (!(error instanceof AppError)) logError("unhandled error in socket handler", error);
        const { code, message } = publicError(error);
        reply({ ok: false, error: { code, message } } satisfies Ack<TOutput>);
      },
    );
  };
}
