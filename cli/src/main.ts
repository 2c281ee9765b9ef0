import type { Command, CommandIo } from './command.js';
import { CliError } from './command.js';

/** Loaded lazily so that `hipmon fuse` never pays for MQTT, BLE or HTTP modules it does not use. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {};

export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  commands[name] = { summary, load };
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: hipmon <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nhipmon <command> --help for the options of one command\n`;
}

export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  await import('./commands/index.js');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`hipmon: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`hipmon ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // A bug, not bad input: keep the stack so it can be reported.
    throw err;
  }
}
