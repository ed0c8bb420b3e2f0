// Loads an AssemblyScript kernel (build/<name>.wasm) into a shared WebAssembly.Memory. The kernel's
// static data and heap live above MEMORY_BASE; the bytes below it belong to the host (rings, frames),
// so a kernel reads frames where ingress wrote them. One instance per memory: two instances in one
// memory would allocate over each other.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** Bytes at the bottom of a kernel's memory that the host owns; must equal asconfig.json's memoryBase. */
export const MEMORY_BASE = 1 << 20;
/** Initial and maximum pages (64 KiB each); must match asconfig.json. */
export const INITIAL_PAGES = 32;
export const MAXIMUM_PAGES = 1024;

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module; compiled once per thread and cached. */
export function kernelModule(name: string): WebAssembly.Module {
  let mod = modules.get(name);
  if (!mod) {
    const file = join(packageRoot(), 'build', `${name}.wasm`);
    if (!existsSync(file)) throw new Error(`tickwave: kernel ${file} is missing; run \`npm run build\` first`);
    mod = new WebAssembly.Module(readFileSync(file));
    modules.set(name, mod);
  }
  return mod;
}

export function createKernelMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
}

/** Instantiates kernel `name` in `memory` (a new shared memory when omitted). */
export function instantiateKernel<T>(name: string, memory = createKernelMemory()): { exports: T; memory: WebAssembly.Memory } {
  const instance = new WebAssembly.Instance(kernelModule(name), {
    env: {
      memory,
      abort(msg: number, file: number, line: number, column: number) {
        // Release builds use noAssert and a stub runtime, so this fires only on an explicit abort().
        throw new Error(`tickwave: kernel ${name} aborted at line ${line}:${column} (message ptr ${msg}, file ptr ${file})`);
      },
    },
  });
  return { exports: instance.exports as T, memory };
}

/**
 * A DataView over a kernel's whole memory, for reading what the kernel wrote in place: made once, and
 * again only when the memory grew (growing detaches the old buffer).
 */
export class KernelMemoryView {
  private view: DataView | null = null;

  constructor(private readonly memory: WebAssembly.Memory) {}

  get(): DataView {
    if (this.view === null || this.view.buffer !== this.memory.buffer) this.view = new DataView(this.memory.buffer);
    return this.view;
  }
}
