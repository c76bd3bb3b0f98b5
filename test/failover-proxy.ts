import net from "node:net";

/**
 * A TCP proxy in front of several server processes, as a load balancer with
 * health checks would be: each new connection goes to the first upstream that
 * accepts it; one that has died is passed over. A connection whose upstream
 * dies is closed, so the client reconnects (and lands on a live one).
 */
export async function startFailoverProxy(upstreamPorts: number[]): Promise<{ port: number; close(): Promise<void> }> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections.add(client);
    client.on("close", () => connections.delete(client));
    client.pause();
    const tryUpstream = (index: number) => {
      if (index >= upstreamPorts.length) return client.destroy();
      const upstream = net.connect(upstreamPorts[index]!, "127.0.0.1");
      upstream.once("error", () => {
        if (!upstream.readyState.includes("open")) tryUpstream(index + 1);
        else client.destroy();
      });
      upstream.once("connect", () => {
        connections.add(upstream);
        upstream.on("close", () => {
          connections.delete(upstream);
          client.destroy();
        });
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryUpstream(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
