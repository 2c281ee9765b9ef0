/**
 * Running the dashboard as a process: build the web UI if needed, connect the live bridge, listen. Shared by
 * `hipmon dashboard` and `hipmon start`.
 */
import { buildDashboardServer } from './app.js';
import type { DashboardServerOptions } from './app.js';
import { LiveBridge } from './live-bridge.js';
import { ensureWebBuild } from './web-build.js';

export interface RunDashboardOptions extends Omit<DashboardServerOptions, 'live' | 'webRoot'> {
  host: string;
  port: number;
  /** broker for the live view and plan publishing; absent: no live view */
  mqttUrl?: string;
  /** skip the web UI (API only) */
  noWeb?: boolean;
}

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function runDashboard(options: RunDashboardOptions): Promise<RunningDashboard> {
  const { host, port, mqttUrl, noWeb, ...serverOptions } = options;
  const webRoot = noWeb ? null : (await ensureWebBuild()).dir;
  const live = mqttUrl ? await LiveBridge.connect(mqttUrl) : null;
  try {
    const app = await buildDashboardServer({ ...serverOptions, live, webRoot });
    await app.listen({ host, port });
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    return {
      url: `http://${shownHost}:${actualPort}`,
      port: actualPort,
      async close() {
        await app.close();
        await live?.close();
      },
    };
  } catch (err) {
    await live?.close();
    throw err;
  }
}
