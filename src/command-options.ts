// `--name value` / `--name=value` options of the tickwave commands: a bad option is refused with a
// message naming it (an OptionError, which the commands print with exit code 2).
export class OptionError extends Error {}

export class CommandOptions {
  private readonly given = new Map<string, string>();

  /** `flags` are the allowed options that take no value (`--ws-auth`). */
  constructor(args: string[], allowed: readonly string[], command: string, flags: readonly string[] = []) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (flags.includes(name)) {
        if (eq > 0) throw new OptionError(`${name} takes no value`);
        this.given.set(name, 'true');
        continue;
      }
      if (!allowed.includes(name)) throw new OptionError(`unknown option "${name}" for ${command} (allowed: ${[...allowed, ...flags].join(', ')})`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new OptionError(`${name} needs a value`);
      this.given.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.given.has(name);
  }

  string(name: string): string | undefined {
    return this.given.get(name);
  }

  /** A number option, `fallback` when absent; `what` says what a good value is, in the error. */
  number(name: string, fallback: number, check: (v: number) => boolean, what: string): number {
    const raw = this.given.get(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || !check(v)) throw new OptionError(`${name} must be ${what}, got "${raw}"`);
    return v;
  }
}
