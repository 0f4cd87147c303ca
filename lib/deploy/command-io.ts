/** Where a deploy-time command (the hook, `bluegreen drift`) reads from and writes to. */

/** The environment, directory and output lines of one command run; `processIo()` by default, a fake in tests. */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Writes one line (a trailing newline is added unless the text ends with one). */
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** The running process's environment, working directory, stdout and stderr. */
export function processIo(): CommandIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`),
    stderr: (line) => process.stderr.write(line.endsWith("\n") ? line : `${line}\n`),
  };
}
