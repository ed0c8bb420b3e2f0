// The runtime's shared control block: the stop flag and the latency histograms' epoch (both written by
// the main thread), and per worker (each on its own 64-byte line, written by that worker only) an idle
// flag, a count of frames handled and a count of spilled frames. The main thread reads it to tell when
// every ring is drained and every worker is idle. After the workers' lines, one line for checkpoints:
// the epoch (written by the main thread) and, per epoch parity, the frames of that epoch not yet
// handled (added to by whoever makes such a frame, taken from by the worker that handles it).
export const CONTROL_STOP = 0;
/** Bumped by resetHistograms(): a worker that sees it change clears its stage histograms. */
export const CONTROL_TIMING_EPOCH = 1;
export const WORKER_STRIDE = 16;
export const WORKER_IDLE = 0;
export const WORKER_ACTIVITY = 1;
export const WORKER_SPILLED = 2;

/** Int32 index of worker w's line. */
export const workerSlot = (w: number): number => (w + 1) * WORKER_STRIDE;

/** On the checkpoint line: the checkpoint epoch; frames are marked with its parity (FLAG_EPOCH). */
export const CHECKPOINT_EPOCH = 0;
/** On the checkpoint line: frames of epoch parity 0, then of parity 1, not yet handled. */
export const CHECKPOINT_IN_FLIGHT = 1;

/** Int32 index of the checkpoint line (after the last worker's). */
export const checkpointSlot = (workers: number): number => (workers + 1) * WORKER_STRIDE;

export function createControl(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer((workers + 2) * WORKER_STRIDE * 4);
}
