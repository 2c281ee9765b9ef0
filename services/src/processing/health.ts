/** GET /healthz: the service's status as JSON (200 when connected to the broker, 503 otherwise). node:http only. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { once } from 'node:events';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  port: number,
  host: string,
  status: () => { healthy: boolean } & Record<string, unknown>,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || (path !== '/healthz' && path !== '/')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    let body: { healthy: boolean } & Record<string, unknown>;
    try {
      body = status();
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      return;
    }
    res.writeHead(body.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
