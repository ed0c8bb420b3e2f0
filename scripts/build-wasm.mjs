#!/usr/bin/env node
// Compiles each AssemblyScript kernel in assembly/ to build/<name>.wasm with the release target of
// asconfig.json (optimised, stub runtime, imported shared memory above the host's region).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// One entry per kernel; the shared reader (wire.ts) is also built alone for the wire tests.
const KERNELS = ['wire', 'lots', 'risk', 'book', 'window'];
const target = process.argv.includes('--debug') ? 'debug' : 'release';

mkdirSync(join(root, 'build'), { recursive: true });
for (const name of KERNELS) {
  const started = Date.now();
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/assemblyscript/bin/asc.js'), `assembly/${name}.ts`, '--config', 'asconfig.json', '--target', target,
      '--outFile', `build/${name}.wasm`],
    { cwd: root, stdio: 'inherit' },
  );
  console.log(`build-wasm: build/${name}.wasm (${target}) in ${Date.now() - started} ms`);
}
