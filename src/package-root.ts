// Where tickwave's own files are (build/*.wasm, bench/results): the nearest folder above this module
// holding tickwave's package.json, so it works from src/ (tests) and from dist/src/ (the package).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'tickwave') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('tickwave: cannot find the package root (package.json named "tickwave")');
    dir = up;
  }
}

/** A compiled file under dist/ (worker scripts run from there); tells how to build it when missing. */
export function distFile(relative: string): string {
  const file = join(packageRoot(), 'dist', relative);
  if (!existsSync(file)) throw new Error(`tickwave: ${file} is missing; run \`npm run build\` first`);
  return file;
}
