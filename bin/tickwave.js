#!/usr/bin/env node
// The `tickwave` command; the code is in src/cli.ts (compiled to dist/).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('tickwave: not built yet. Run `npm run build` (or `npm start`, which builds first).');
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
