// The dashboard's files: its own assets, the compiled browser-safe modules it imports (the typed
// client and the wire code), and the flatbuffers runtime. Only these three roots are served, each
// file read once and kept; a path that tries to leave its root is refused.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { packageRoot } from '../package-root.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** URL prefix → directory on disk. */
function roots(): [string, string][] {
  const root = packageRoot();
  const flatbuffers = dirname(createRequire(import.meta.url).resolve('flatbuffers/package.json'));
  return [
    ['/dashboard/', join(root, 'src', 'server', 'dashboard')],
    ['/js/client/', join(root, 'dist', 'src', 'client')],
    ['/js/wire/', join(root, 'dist', 'src', 'wire')],
    ['/vendor/flatbuffers/', join(flatbuffers, 'mjs')],
    // `/vendor/flatbuffers.js` and the modules it imports relatively.
    ['/vendor/', join(flatbuffers, 'mjs')],
  ];
}

export class StaticAssets {
  private readonly cache = new Map<string, Asset | null>();
  private readonly mounts = roots();

  /** The file a URL path names, or null (unknown, outside the roots, or not a file). */
  get(urlPath: string): Asset | null {
    if (urlPath === '/' || urlPath === '/dashboard' || urlPath === '/index.html') urlPath = '/dashboard/index.html';
    const hit = this.cache.get(urlPath);
    if (hit !== undefined) return hit;
    const asset = this.load(urlPath);
    if (this.cache.size < 1_000) this.cache.set(urlPath, asset);
    return asset;
  }

  private load(urlPath: string): Asset | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    for (const [prefix, dir] of this.mounts) {
      if (!decoded.startsWith(prefix)) continue;
      const file = normalize(join(dir, decoded.slice(prefix.length)));
      if (!file.startsWith(dir + sep)) return null;
      const type = TYPES[extname(file)];
      if (!type || !existsSync(file) || !statSync(file).isFile()) return null;
      return { body: readFileSync(file), type };
    }
    return null;
  }
}
