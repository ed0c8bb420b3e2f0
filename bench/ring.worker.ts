// The consuming side of `tickwave bench ring`, in a worker thread: counts frames arriving through a
// tickwave ring, MessagePort.postMessage or ringbuf.js, or records one-hop latencies into an HDR
// histogram (from each frame's planned send time, on the shared monotonic clock).
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { RingConsumer, type RingRegion, type WaitStrategy } from '../src/ring/spsc-ring.js';
import { frameIngressNsNumber } from '../src/wire/frame-header.js';
import { monotonicNs } from '../src/runtime/clock.js';
import { latencyHistogram, percentiles } from '../src/metrics/histogram.js';

interface Job {
  mode: 'ring' | 'postmessage' | 'ringbufjs' | 'latency';
  frames: number;
  region?: RingRegion;
  sab?: SharedArrayBuffer;
  frameBytes: number;
  wait?: WaitStrategy;
  /** Latency mode: frames before this sequence warm the code up and are not recorded. */
  warmup?: number;
}

const job = workerData as Job;
const port = parentPort!;
let sink = 0;

if (job.mode === 'ring' || job.mode === 'latency') {
  const c = new RingConsumer(job.region!);
  const wait = job.wait!;
  const h = latencyHistogram();
  let n = 0;
  const count = (view: DataView, at: number) => {
    sink += view.getUint8(at + 24);
    n++;
  };
  const warmup = job.warmup ?? 0;
  // Arrival is read once per polled batch: every frame of a batch was in the ring when the poll began.
  // (Each clock read allocates a HeapNumber; one per frame would add GC pauses to what is measured.)
  let arrivedNs = 0;
  const record = (view: DataView, at: number) => {
    if (n++ >= warmup) h.recordValue(Math.max(1, Math.round(arrivedNs - frameIngressNsNumber(view, at))));
  };
  const handler = job.mode === 'ring' ? count : record;
  port.postMessage({ ready: true });
  while (n < job.frames) {
    if (!c.hasFrames() && !c.waitForFrames(wait)) continue;
    arrivedNs = monotonicNs();
    c.poll(handler, 256);
  }
  port.postMessage({ doneNs: monotonicNs(), frames: n, sink, latency: job.mode === 'latency' ? percentiles(h) : null });
} else if (job.mode === 'ringbufjs') {
  const rb = new RingBuffer(job.sab!, Uint8Array);
  const frame = new Uint8Array(job.frameBytes);
  port.postMessage({ ready: true });
  let n = 0;
  while (n < job.frames) {
    if (rb.available_read() >= job.frameBytes) {
      rb.pop(frame, job.frameBytes);
      sink += frame[0]!;
      n++;
    }
  }
  port.postMessage({ doneNs: monotonicNs(), frames: n, sink, latency: null });
} else {
  let n = 0;
  port.on('message', (frame: Uint8Array) => {
    sink += frame[0]!;
    if (++n === job.frames) {
      port.postMessage({ doneNs: monotonicNs(), frames: n, sink, latency: null });
    }
  });
  port.postMessage({ ready: true });
}
