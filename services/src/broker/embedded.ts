import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An in-process MQTT broker for the one-machine quick start (no Mosquitto needed).
 * aedes speaks MQTT 3.1.1 only, so clients of it must not rely on MQTT 5 properties (see docs/protocol.md).
 * Messages are kept in memory: a real deployment uses Mosquitto (docker-compose.yml).
 */
export async function startEmbeddedBroker(options: { port?: number; host?: string } = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  // noDelay: small packets (PUBACKs, frames) leave at once instead of waiting for Nagle's algorithm.
  const server: Server = createServer({ noDelay: true }, aedes.handle);
  server.listen(options.port ?? 0, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('embedded broker: no TCP address');
  return {
    url: `mqtt://${host}:${address.port}`,
    port: address.port,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
