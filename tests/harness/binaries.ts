import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Debian puts mosquitto in /usr/sbin, which the PATH of a non-root, non-login shell often lacks, so the
 * system directories are searched explicitly before PATH.
 */
const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where to find a service binary: an explicit path wins, then the environment variable (for machines
 * that install it elsewhere), then the system directories and PATH. When nothing is found, the Debian
 * location is returned so the start error names a meaningful path.
 */
export function resolveBinary(name: string, debianPath: string, explicit?: string, envVar?: string): string {
  if (explicit !== undefined) return explicit;
  const fromEnv = envVar === undefined ? undefined : process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...SYSTEM_DIRS, ...pathDirs]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return debianPath;
}
