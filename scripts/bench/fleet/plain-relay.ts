// The reference bench:fleet measures the product against: a plain `ws`
// relay in its own process. Agents send each frame as one message (the same
// JSON the product's `run:frames` carries); the relay writes each message to
// every viewer as its own message. No database, no authentication, no
// batching: what forwarding the same bytes costs on this machine.
import { WebSocketServer, type WebSocket } from "ws";
import { RELAY_AGENT_PATH, RELAY_VIEWER_PATH } from "./protocol.ts";
import { emitEvent, serveCommands } from "./workers.ts";

const viewers = new Set<WebSocket>();
let forwarded = 0;

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (socket, request) => {
  if (request.url === RELAY_VIEWER_PATH) {
    viewers.add(socket);
    socket.on("close", () => viewers.delete(socket));
  } else if (request.url === RELAY_AGENT_PATH) {
    socket.on("message", (data, isBinary) => {
      for (const viewer of viewers) viewer.send(data, { binary: isBinary });
      forwarded += viewers.size;
    });
  } else {
    socket.close(1008, "unknown path");
  }
  socket.on("error", () => {});
});
server.on("listening", () => {
  const address = server.address();
  emitEvent({ event: "listening", port: typeof address === "object" && address ? address.port : 0 });
});

serveCommands(
  (command) => {
    if (command.type === "report") return { viewers: viewers.size, forwarded };
    throw new Error(`unknown command ${command.type}`);
  },
  () =>
    new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
);
