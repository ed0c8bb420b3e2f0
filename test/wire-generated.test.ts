// Generated code is reproducible: regenerating it from src/wire/tickwave.fbs with the pinned flatc
// changes nothing that is committed (src/wire/generated, both layout tables).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

test('regenerating the wire code from the schema changes nothing', () => {
  const r = spawnSync(process.execPath, ['scripts/gen-wire.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^gen-wire --check: 38 generated files match src\/wire\/tickwave\.fbs/);
});

test('the check notices a stale generated file', () => {
  // Run the checker against a copy of the schema with one field added: the committed code is stale.
  const r = spawnSync(process.execPath, ['-e', `
    const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-gen-'));
    fs.cpSync(${JSON.stringify(root)} + '/scripts', dir + '/scripts', { recursive: true });
    fs.cpSync(${JSON.stringify(root)} + '/src/wire', dir + '/src/wire', { recursive: true });
    fs.cpSync(${JSON.stringify(root)} + '/assembly', dir + '/assembly', { recursive: true });
    const fbs = dir + '/src/wire/tickwave.fbs';
    fs.writeFileSync(fbs, fs.readFileSync(fbs, 'utf8').replace('  ts_ns: long;\\n}', '  ts_ns: long;\\n  extra: long;\\n}'));
    const r = require('node:child_process').spawnSync(process.execPath, [dir + '/scripts/gen-wire.mjs', '--check'], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(String(r.status) + '\\n' + r.stderr);
  `], { encoding: 'utf8' });
  const [status, ...err] = r.stdout.split('\n');
  expect(status).toBe('1');
  expect(err.join('\n')).toContain('generated code is stale');
  expect(err.join('\n')).toContain('src/wire/layout.generated.ts');
});
