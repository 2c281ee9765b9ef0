import { readFileSync } from 'node:fs';

/** A file's text, or '' when it does not exist (yet): a service may fail before it writes its log. */
export function readTextIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** The last `maxLines` non-empty lines of a text. */
export function lastLines(text: string, maxLines: number): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.slice(-maxLines).join('\n');
}
