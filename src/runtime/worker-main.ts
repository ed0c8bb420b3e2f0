// The body of each worker thread: drains its rings (one from the main thread, one from each worker,
// itself included) in batches, hands each frame to the job, and writes results to its egress ring.
// Parks on its doorbell when every ring is empty. Exits when the main thread raises the stop flag
// and its rings are empty; the jobs' onStop() run first. Several jobs may share the worker: each
// frame goes to each job, in the order the jobs were given.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { Doorbell, type DoorbellRef } from '../ring/doorbell.js';
import { RingConsumer, RingProducer, frameSlot, type RingRegion, type WaitStrategy } from '../ring/spsc-ring.js';
import { frameFlags, frameIngressNsNumber, framePartition, frameSequenceNumber, frameType, writeFrameHeaderFast } from '../wire/frame-header.js';
import { PriceBoard, SymbolDirectory, type PriceBoardMemory } from '../ring/price-board.js';
import { monotonicNs } from './clock.js';
import { CONTROL_BARRIER, FLAG_EPOCH, FLAG_ROUTED, type FrameInfo, type Job, type JobContext, type JobFactory, type JobSpec } from './job.js';
import { CHECKPOINT_EPOCH, CHECKPOINT_IN_FLIGHT, checkpointSlot, CONTROL_STOP, CONTROL_TIMING_EPOCH, WORKER_ACTIVITY, WORKER_IDLE, WORKER_SPILLED, workerSlot } from './control.js';
import { REPLAY_ORIGIN } from './source.js';
import { RingStamps, recordSince, WORKER_STAGES, WorkerStageTiming } from './stage-timing.js';
import { encodeHistogram } from '../metrics/hdr-log.js';

export interface WorkerSetup {
  workerId: number;
  workers: number;
  partitions: number;
  /** Ring from the main thread, then one from each worker (index = source worker). */
  inbound: RingRegion[];
  /** Rings to each worker (index = target worker), when routing goes worker to worker. */
  peers: RingRegion[] | null;
  egress: RingRegion;
  doorbells: SharedArrayBuffer;
  /** Doorbell index of the main thread (its egress drain). */
  mainBell: number;
  control: SharedArrayBuffer;
  board: PriceBoardMemory;
  jobs: JobSpec[];
  wait: WaitStrategy;
  batch: number;
  /** With stage timing: the stamp memory of the ring from the main thread and of the egress ring. */
  stageTiming?: { inbound: SharedArrayBuffer; egress: SharedArrayBuffer } | null;
}

const setup = workerData as WorkerSetup;
const control = new Int32Array(setup.control);
const ctlBase = workerSlot(setup.workerId);
const checkpoints = checkpointSlot(setup.workers);
/**
 * The checkpoint epoch (FLAG_EPOCH or 0) of the frame being handled, which the frames it routes on
 * carry; between frames, the oldest epoch handled in the round (a job's onBatchEnd may route for any).
 */
let epochFlag = 0;
/** Frames handled this round by epoch parity: taken from the in-flight counts once their outputs are published. */
const handled = [0, 0];
const bell = new Doorbell({ buffer: setup.doorbells, index: setup.workerId });
const mainBell: DoorbellRef = { buffer: setup.doorbells, index: setup.mainBell };
const inbound = setup.inbound.map((r) => new RingConsumer(r));
const egress = new RingProducer(setup.egress, mainBell);
const peers = setup.peers?.map((r, w) => new RingProducer(r, { buffer: setup.doorbells, index: w })) ?? null;
/** Frames a full peer ring could not take yet, kept in order per target (never dropped). */
interface Spilled {
  frame: Uint8Array;
  msgType: number;
  partition: number;
  flags: number;
  originNs: number;
}
const spill: Spilled[][] = Array.from({ length: setup.workers }, () => []);
/** How many of each spill queue were already written (an index, so draining stays O(1) per frame). */
const spillHead: number[] = new Array(setup.workers).fill(0);
let seq = 0;
const timing = setup.stageTiming ? new WorkerStageTiming() : null;
const inboundStamps = setup.stageTiming ? new RingStamps(setup.stageTiming.inbound, setup.inbound[0]!) : null;
const egressStamps = setup.stageTiming ? new RingStamps(setup.stageTiming.egress, setup.egress) : null;

/** Publishing per frame costs a wake-up each: a producer publishes every PUBLISH_EVERY frames and at the end of each round. */
const PUBLISH_EVERY = 64;
const producers: RingProducer[] = [egress, ...(peers ?? [])];

function write(p: RingProducer, frame: Uint8Array, msgType: number, partition: number, flags: number, originNs: number): boolean {
  let at = p.claim(frame.length);
  if (at < 0) {
    // Full: let the consumer see (and free) what is pending, then try once more.
    p.publish();
    at = p.claim(frame.length);
    if (at < 0) return false;
  }
  writeFrameHeaderFast(p.view, at, frame.length, msgType, partition, ++seq, originNs, flags);
  p.u8.set(frame, at + 24);
  if (egressStamps !== null && p === egress) egressStamps.stamp(at, monotonicNs());
  if (p.unpublished >= PUBLISH_EVERY) p.publish();
  return true;
}

/** Publishes everything written since the last round: the end of each round of polls. */
function publishAll(): void {
  for (let i = 0; i < producers.length; i++) producers[i]!.publish();
}

/** Egress to the main thread: it always drains, so waiting for room cannot deadlock. */
function toEgress(frame: Uint8Array, msgType: number, partition: number, flags: number, originNs: number): void {
  while (!write(egress, frame, msgType, partition, flags, originNs)) egress.waitForSpace(frameSlot(frame.length), 50);
}

function flushSpill(target: number): boolean {
  const queue = spill[target]!;
  let head = spillHead[target]!;
  while (head < queue.length) {
    const f = queue[head]!;
    if (!write(peers![target]!, f.frame, f.msgType, f.partition, f.flags, f.originNs)) break;
    head++;
  }
  if (head === queue.length) {
    queue.length = 0;
    head = 0;
  } else if (head > 1_024 && head > queue.length / 2) {
    // Under sustained pressure the queue never empties: drop what was written, so it cannot grow.
    queue.splice(0, head);
    head = 0;
  }
  spillHead[target] = head;
  return queue.length === 0;
}

const symbols = new SymbolDirectory(setup.board);
const prices = new PriceBoard(setup.board);
const ownedPartitions = Array.from({ length: setup.partitions }, (_, p) => p).filter((p) => p % setup.workers === setup.workerId);

function emit(frame: Uint8Array, msgType: number, partition: number, originNs?: number): void {
  toEgress(frame, msgType, partition, 0, originNs ?? monotonicNs());
}

function route(frame: Uint8Array, msgType: number, partition: number, originNs?: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= setup.partitions) {
    throw new RangeError(`route: partition ${partition} out of range 0..${setup.partitions - 1}`);
  }
  const origin = originNs ?? monotonicNs();
  const flags = FLAG_ROUTED | epochFlag;
  // Counted before anyone can see it: its epoch's checkpoint waits until it is handled.
  Atomics.add(control, checkpoints + CHECKPOINT_IN_FLIGHT + (epochFlag >> 1), 1);
  if (!peers) {
    toEgress(frame, msgType, partition, flags, origin);
    return;
  }
  const target = partition % setup.workers;
  // A peer ring can be full while that peer waits on ours: keep the frame rather than block.
  if (spill[target]!.length > spillHead[target]! || !write(peers[target]!, frame, msgType, partition, flags, origin)) {
    spill[target]!.push({ frame: frame.slice(), msgType, partition, flags, originNs: origin });
    Atomics.add(control, ctlBase + WORKER_SPILLED, 1);
  }
}

const contextFor = (options: unknown): JobContext => ({
  workerId: setup.workerId,
  workers: setup.workers,
  partitions: setup.partitions,
  ownedPartitions,
  options,
  emit,
  flush: () => egress.publish(),
  route,
  nowNs: monotonicNs,
  symbols,
  prices,
  stageTiming: timing,
});

const info: FrameInfo = { type: 0, partition: 0, sequence: 0, ingressNs: 0, offset: 0, length: 0, routed: false };
const jobs: Job[] = [];
/** The jobs each message type goes to, by type (a job's `accepts`; every job when it has none). */
let jobsByType: Job[][] = [];
const batchEnders: Job[] = [];

/** Whether this worker last told the main thread it is idle (it says otherwise before touching a frame). */
let saidIdle = false;

function dispatch(view: DataView, at: number, length: number): void {
  if (saidIdle) {
    // Before the ring releases this frame's space: the main thread must never see empty rings and an
    // idle worker while the frame's outputs are still unpublished.
    Atomics.store(control, ctlBase + WORKER_IDLE, 0);
    saidIdle = false;
  }
  const flags = frameFlags(view, at);
  epochFlag = flags & FLAG_EPOCH;
  handled[epochFlag >> 1]!++;
  const type = frameType(view, at);
  if (type >= CONTROL_BARRIER) return; // no control frames are sent yet
  info.type = type;
  info.partition = framePartition(view, at);
  info.sequence = frameSequenceNumber(view, at);
  info.ingressNs = frameIngressNsNumber(view, at);
  info.offset = at + 24;
  info.length = length;
  info.routed = (flags & FLAG_ROUTED) !== 0;
  const list = jobsByType[type]!;
  for (let j = 0; j < list.length; j++) list[j]!.onFrame(view, info);
}

/** dispatch() for the ring from the main thread, with stage timing: input's time in the ring first. */
function dispatchTimed(view: DataView, at: number, length: number): void {
  if ((frameFlags(view, at) & FLAG_ROUTED) === 0 && frameIngressNsNumber(view, at) > REPLAY_ORIGIN) recordSince(timing!.ring_hop, inboundStamps!.stampOf(at), monotonicNs());
  dispatch(view, at, length);
}
const fromMain = timing ? dispatchTimed : dispatch;

let tickNs = Infinity;
let nextTickNs = Infinity;

function tick(): void {
  const now = monotonicNs();
  if (now < nextTickNs) return;
  // Once stopping, peers may have exited: time-driven work would route frames nobody reads.
  if (Atomics.load(control, CONTROL_STOP) !== 0) return;
  nextTickNs = now + tickNs;
  for (const j of jobs) j.onTick?.(now);
}

async function main(): Promise<void> {
  for (const spec of setup.jobs) {
    const mod = (await import(spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href)) as { createJob?: JobFactory };
    if (typeof mod.createJob !== 'function') throw new Error(`job module ${spec.module} does not export createJob(ctx)`);
    const job = await mod.createJob(contextFor(spec.options ?? null));
    const accepts = job.accepts;
    if (accepts !== undefined && (!Array.isArray(accepts) || !accepts.every((t) => Number.isInteger(t) && t >= 1 && t < CONTROL_BARRIER))) {
      throw new Error(`job module ${spec.module}: accepts must be a list of message types (integers 1-${CONTROL_BARRIER - 1}), got ${JSON.stringify(accepts)}`);
    }
    jobs.push(job);
    if (job.onBatchEnd) batchEnders.push(job);
    if (job.onTick) tickNs = Math.min(tickNs, (job.tickMs ?? 100) * 1e6);
  }
  if (tickNs !== Infinity) nextTickNs = monotonicNs() + tickNs;
  jobsByType = Array.from({ length: 256 }, (_, type) => jobs.filter((j) => j.accepts === undefined || j.accepts.includes(type)));
  parentPort!.postMessage({ kind: 'ready' });
  let timingEpoch = 0;
  for (;;) {
    if (timing !== null) {
      // The main thread started the histograms afresh (resetHistograms): so does this worker.
      const epoch = Atomics.load(control, CONTROL_TIMING_EPOCH);
      if (epoch !== timingEpoch) {
        timingEpoch = epoch;
        for (const s of WORKER_STAGES) timing[s].reset();
      }
    }
    const observed = bell.observe();
    let n = 0;
    // Later stages first: frames routed between partitions (an accepted order on its way to the book,
    // exec reports on their way back) go before new input, which keeps the work in flight bounded.
    for (let i = 1; i < inbound.length; i++) n += inbound[i]!.poll(dispatch, setup.batch * 4);
    n += inbound[0]!.poll(fromMain, setup.batch);
    let spilled = false;
    if (peers) for (let t = 0; t < setup.workers; t++) if (!flushSpill(t)) spilled = true;
    const current = Atomics.load(control, checkpoints + CHECKPOINT_EPOCH) & 1;
    epochFlag = (handled[current ^ 1]! > 0 ? current ^ 1 : current) * FLAG_EPOCH;
    if (n > 0) for (let j = 0; j < batchEnders.length; j++) batchEnders[j]!.onBatchEnd!();
    if (tickNs !== Infinity) tick();
    publishAll();
    // The round's frames are handled once their outputs are published (and what they routed counted).
    for (let e = 0; e < 2; e++) {
      if (handled[e] === 0) continue;
      Atomics.sub(control, checkpoints + CHECKPOINT_IN_FLIGHT + e, handled[e]!);
      handled[e] = 0;
    }
    if (n > 0) {
      Atomics.add(control, ctlBase + WORKER_ACTIVITY, n);
      continue;
    }
    if (spilled) {
      bell.wait(observed, 1);
      continue;
    }
    Atomics.store(control, ctlBase + WORKER_IDLE, 1);
    saidIdle = true;
    if (Atomics.load(control, CONTROL_STOP) !== 0) break;
    let woke = false;
    for (let s = 0; s < setup.wait.spins && !woke; s++) woke = bell.observe() !== observed;
    if (!woke) bell.wait(observed, setup.wait.parkMs);
  }
  for (const job of jobs) await job.onStop?.();
  publishAll();
  // The stage histograms go with the last message, encoded (the main thread merges every worker's).
  const stages = timing ? Object.fromEntries(WORKER_STAGES.map((s) => [s, encodeHistogram(timing[s])])) : null;
  parentPort!.postMessage({ kind: 'stopped', stages });
}

main().catch((e: unknown) => {
  // Surfaces as the Worker's 'error' event on the main thread, with the worker's partitions.
  setImmediate(() => {
    throw e;
  });
});
