// Loads uWebSockets.js's native binary, and refuses to start without it. The package on the npm
// registry (@trufflesuite/uws-js-unofficial, aliased as uWebSockets.js) quietly falls back to a slow
// pure-JS server when its binary does not load; tickwave would rather fail loudly than serve at a
// fraction of the speed its users measured.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export type Uws = typeof import('uWebSockets.js');

/** The path of the native binary for this platform and Node ABI. */
export function uwsBinaryPath(abi: string = process.versions.modules): string {
  const pkg = dirname(require.resolve('uWebSockets.js/package.json'));
  return join(pkg, 'binaries', `uws_${process.platform}_${process.arch}_${abi}.node`);
}

export function loadUws(abi: string = process.versions.modules): Uws {
  const binary = uwsBinaryPath(abi);
  const what = `uWebSockets.js has no working native binary for ${process.platform}-${process.arch}, Node ABI ${abi} (Node ${process.version})`;
  if (!existsSync(binary)) {
    throw new Error(`tickwave: ${what}: ${binary} is missing. tickwave does not run on its slow pure-JS fallback; use Node 20 on Linux x64 or arm64.`);
  }
  try {
    return require(binary) as Uws;
  } catch (e) {
    throw new Error(`tickwave: ${what}: loading ${binary} failed: ${(e as Error).message}`);
  }
}
