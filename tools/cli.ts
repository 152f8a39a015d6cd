/**
 * Command-line plumbing shared by the tools/ scripts (bench:emu, bench:emu:ab, fuzz:emu,
 * rom-smoke, trace-check): reading flags and their values, and turning main()'s result into the
 * exit status. Flag meanings stay in each tool.
 */

/** A mistake on the command line: runMain prints just its message (no stack). */
export class UsageError extends Error {}

/**
 * Walks the arguments one by one:
 *   for (let a = args.next(); a !== undefined; a = args.next()) {
 *     if (a === '--frames') frames = args.count(a); ...
 *   }
 * A bare `--` (npm's separator) is skipped. Missing or malformed values throw a UsageError
 * that names the flag and shows the usage line.
 */
export class Args {
  private i = 0;

  constructor(private readonly argv: readonly string[], private readonly usage: string) {}

  /** The next flag or positional argument, or undefined at the end. */
  next(): string | undefined {
    while (this.i < this.argv.length) {
      const a = this.argv[this.i++];
      if (a !== '--') return a;
    }
    return undefined;
  }

  /** The value that follows `flag`. */
  value(flag: string): string {
    const v = this.argv[this.i++];
    if (v === undefined) throw new UsageError(`${flag} needs a value\n${this.usage}`);
    return v;
  }

  /** A non-negative number after `flag`, rounded down. */
  count(flag: string): number {
    const v = Number(this.value(flag));
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`${flag} needs a non-negative number\n${this.usage}`);
    return Math.floor(v);
  }

  /** The error for an argument the tool does not know, or for a missing required one. */
  error(message: string): UsageError {
    return new UsageError(`${message}\n${this.usage}`);
  }
}

/** Runs a tool's main and exits with its status; a thrown error is printed (a usage mistake
 * without its stack) and exits 2. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof UsageError ? e.message : e instanceof Error ? e.stack ?? e.message : e);
      process.exit(2);
    },
  );
}
