/** Where a CLI writes: the process's streams in the entry files, buffers in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's own stdout and stderr. */
export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};
