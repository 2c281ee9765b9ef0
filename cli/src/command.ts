/** What every `hipmon <command>` module exports. Commands are thin adapters: parse, read, call the core, write. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  summary: string;
  /** Returns the process exit code. Throw CliError for a one-line, stack-free failure. */
  run(args: string[], io: CommandIo): Promise<number>;
}

/** A failure the user can act on: printed as one line on stderr, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
