// The AssemblyScript frame reader (assembly/wire.ts) as seen from TypeScript: used by the tests that
// hold it to the TypeScript verifier and flatc's accessors, and by the wire benchmark.
import { instantiateKernel } from '../runtime/kernel-module.js';

export interface WireReaderExports {
  verify(ptr: number, len: number): number;
  setMaxFrameBytes(n: number): void;
  lastErrorCode(): number;
  lastErrorOffset(): number;
  lastErrorField(): number;
  dump(ptr: number, dst: number, cap: number): number;
  bodyTable(ptr: number): number;
  readI64(table: number, voffset: number, dflt: bigint): bigint;
  readU8(table: number, voffset: number, dflt: number): number;
}

export interface WasmWireReader {
  exports: WireReaderExports;
  memory: WebAssembly.Memory;
  bytes: Uint8Array;
}

export function loadWireReader(): WasmWireReader {
  const { exports, memory } = instantiateKernel<WireReaderExports>('wire');
  return { exports, memory, bytes: new Uint8Array(memory.buffer) };
}
