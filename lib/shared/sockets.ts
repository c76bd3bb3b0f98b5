// What every socket.io connection of the workbench shares: its path, the two
// namespaces (/agent for agents, /live for browsers; lib/protocol/agent-events.ts
// and lib/views/live-events.ts declare their events) and the shape of every
// acknowledgement. Documented in docs/socket-protocol.md.
export const AGENT_NAMESPACE = "/agent";
export const LIVE_NAMESPACE = "/live";
export const SOCKET_PATH = "/socket.io";

/** Every acknowledgement has this shape; `code` is one of the server's error codes. */
export type Ack<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
export type AckFn<T> = (reply: Ack<T>) => void;
