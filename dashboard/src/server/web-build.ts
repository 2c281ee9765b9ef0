/**
 * The web UI is built by Vite into dashboard/dist/web. `hipmon dashboard` and `hipmon start` call ensureWebBuild()
 * before serving: it builds only when the output is missing (or `force`), so a fresh checkout, CI and the Docker
 * image need no separate build step; `npx vite build --config dashboard/web/vite.config.ts` rebuilds by hand.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const WEB_ROOT = resolve(import.meta.dirname, '../../web');
export const WEB_DIST = resolve(import.meta.dirname, '../../dist/web');

export async function ensureWebBuild(options: { force?: boolean } = {}): Promise<{ dir: string; built: boolean }> {
  if (!options.force && existsSync(resolve(WEB_DIST, 'index.html'))) return { dir: WEB_DIST, built: false };
  const { build } = await import('vite');
  await build({ configFile: resolve(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  return { dir: WEB_DIST, built: true };
}
