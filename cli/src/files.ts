/** File and error helpers shared by the commands: every failure becomes a one-line CliError naming the path. */
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { CliError } from './command.js';

export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${firstLine(err)}`);
  }
}

export async function openForWriting(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${firstLine(err)}`);
  }
}

export async function writeText(path: string, text: string): Promise<void> {
  const file = await openForWriting(path);
  try {
    await file.write(text);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${firstLine(err)}`);
  } finally {
    await file.close();
  }
}
