#!/usr/bin/env node
// `npm test`: runs vitest, then prints one closing line "N passed, N failed, N skipped". A skipped or
// todo test fails the run: a test that did not run proves nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'tickwave-test-'));
const report = join(scratch, 'vitest.json');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let code = r.status ?? 1;
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  console.log(`${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`);
  if (skipped > 0) {
    console.error('test: skipped or todo tests fail the run; make them run or remove them');
    code = code || 1;
  }
  if (j.numTotalTests === 0) code = code || 1;
}
rmSync(scratch, { recursive: true, force: true });
process.exit(code);
