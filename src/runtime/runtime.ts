// The single-process runtime: W worker threads, P partitions pinned to them for the life of the
// process (partition p lives in worker p mod W), shared-memory rings between them. The main thread
// is ingress and egress: it verifies each frame, reads its key, copies it into the ring of the worker
// that owns its partition, and drains the workers' egress rings to the output handlers.
//
// Thread-safety: a Runtime is driven from the main thread (the one that started it) only.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { distFile } from '../package-root.js';
import { createDoorbells, Doorbell } from '../ring/doorbell.js';
import { createPriceBoardMemory, PriceBoard, type PriceBoardMemory, SymbolDirectory } from '../ring/price-board.js';
import { createRingRegion, frameSlot, RingConsumer, RingProducer, ringStats, type RingRegion, type RingStats, type WaitStrategy, workerWait } from '../ring/spsc-ring.js';
import { frameFlags, frameIngressNsNumber, framePartition, frameType, writeFrameHeaderFast } from '../wire/frame-header.js';
import { type Rejection, Verifier } from '../wire/verifier.js';
import { monotonicNs } from './clock.js';
import { CHECKPOINT_EPOCH, CHECKPOINT_IN_FLIGHT, checkpointSlot, CONTROL_STOP, CONTROL_TIMING_EPOCH, createControl, WORKER_ACTIVITY, WORKER_IDLE, WORKER_SPILLED, workerSlot } from './control.js';
import { FLAG_EPOCH, FLAG_ROUTED, type JobSpec } from './job.js';
import { OutputEvents, type OutputStage, type RuntimeEventName, type RuntimeEvents } from './output-events.js';
import { REPLAY_ORIGIN, type Source } from './source.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import { partitionOf } from './partitioner.js';
import { createStampMemory, recordSince, RingStamps, type Stage, WORKER_STAGES, type WorkerStage } from './stage-timing.js';
import { latencyHistogram } from '../metrics/histogram.js';
import { decodeHistogram } from '../metrics/hdr-log.js';
import type { WorkerSetup } from './worker-main.js';

/** What to do with a frame whose ring is full. */
export type BackPressurePolicy = 'block' | 'drop';

export interface RuntimeOptions {
  /** Path or file: URL of a job module (exports createJob); or give `jobs`. */
  job?: string;
  /** Job modules, each loaded in every worker; every frame goes to each, in this order. */
  jobs?: (string | JobSpec)[];
  /** ctx.options of `job` and of the `jobs` given as plain paths (must be structured-cloneable). */
  jobOptions?: unknown;
  /** Feeds started once the workers are up and stopped first by stop(). */
  sources?: Source[];
  /** Worker threads; default availableParallelism() - 1, at least 1. */
  workers?: number;
  /** Partitions; default 4 per worker. */
  partitions?: number;
  /** 'block' (default): ingest() answers FULL and the source pauses; 'drop': the frame is dropped and counted. */
  backPressure?: BackPressurePolicy;
  /**
   * 'direct' (default): worker-to-worker rings; 'main': routed frames go through the main thread
   * (where `onRoute` can send them out of the process, to a stage topic).
   */
  routing?: 'direct' | 'main';
  /**
   * With routing 'main': routed frames leave the process through this handler instead of re-entering
   * a worker's ring. The trade engine's stages then run in different processes, joined by a stage
   * topic whose consumer hands each frame back with ingestRouted().
   */
  onRoute?: RouteHandler;
  /** Bytes of each ring from the main thread to a worker, and of each egress ring (power of two). */
  ringBytes?: number;
  /** Bytes of each worker-to-worker ring (power of two). */
  peerRingBytes?: number;
  /**
   * How an idle worker waits for frames: polls, then a park. Default workerWait(workers, cores):
   * SPIN_WAIT (a few hundred µs of polls) when every worker and the main thread can have a core, else
   * DEFAULT_WAIT (200 polls).
   */
  wait?: WaitStrategy;
  /**
   * How long, in ms, the main thread keeps polling the egress rings after the last output before it
   * parks. Default 0: it parks after 64 empty turns of its event loop (a few hundred µs), and an
   * output after a quiet spell waits for it to wake (some 200 µs on a 2-vCPU VM). Longer delivers
   * those outputs sooner, for the CPU of the main thread's polling (up to a core).
   */
  egressSpinMs?: number;
  /** Frames a worker takes from one ring before looking at the next. */
  batch?: number;
  /** Largest frame accepted by ingest. */
  maxFrameBytes?: number;
  /** Symbols the shared last-price board holds (power of two). */
  boardCapacity?: number;
  /**
   * Time every stage (ingress, ring hop, risk check, matching, egress) in HDR histograms, read with
   * stageHistograms(). Off by default: it reads the clock a few more times per frame.
   */
  stageTiming?: boolean;
}

/** ingest() results. */
export const Ingest = {
  OK: 0,
  /** The owner's ring is full (block policy): pause the source, await whenWritable(), retry. */
  FULL: 1,
  /** The owner's ring was full (drop policy): the frame is dropped and counted. */
  DROPPED: 2,
  /** Failed verification: counted as a dead letter; lastRejection() says why. */
  REJECTED: 3,
  /** The worker owning the partition crashed. */
  WORKER_DOWN: 4,
  /** The runtime is stopping or stopped. */
  STOPPED: 5,
} as const;
export type IngestResult = (typeof Ingest)[keyof typeof Ingest];

export interface WorkerCrash {
  workerId: number;
  partitions: number[];
  error: string;
}

export interface DeadLetterRecord {
  source: string;
  rejection: Rejection;
}

/** One output frame: its Envelope bytes are view[at, at + length); originNs is when its cause entered. */
export type OutputHandler = (view: DataView, at: number, length: number, msgType: number, partition: number, originNs: number) => void;

/**
 * A frame a job routed to another partition, taken out of the process (its bytes are valid during the
 * call): `partition` is the target, `originNs` when its cause entered (REPLAY_ORIGIN when it was
 * replayed).
 */
export type RouteHandler = (frame: Uint8Array, msgType: number, partition: number, originNs: number) => void;

/** One accepted input frame (its Envelope bytes, valid during the call), its message type and source. */
export type InputHandler = (frame: Uint8Array, msgType: number, source: string) => void;

export interface RuntimeStats {
  workers: number;
  partitions: number;
  backPressure: BackPressurePolicy;
  routing: 'direct' | 'main';
  ingested: number;
  rejected: number;
  /** Frames refused because the owner's ring was full: answered FULL (block) or dropped (drop). */
  full: number;
  dropped: number;
  droppedByPartition: number[];
  output: number;
  routedViaMain: number;
  /** Routed frames handed to the onRoute() handler instead of a ring (counted in routedViaMain too). */
  routedOut: number;
  /** Exceptions thrown by input and output handlers (each was caught; the first is logged). */
  handlerErrors: number;
  perWorker: {
    workerId: number;
    partitions: number[];
    alive: boolean;
    framesHandled: number;
    spilled: number;
    inbound: RingStats;
    egress: RingStats;
  }[];
  crashes: WorkerCrash[];
  /** Sources whose run() failed, with the error. */
  sourceErrors: { source: string; error: string }[];
}

interface WorkerState {
  id: number;
  thread: Worker;
  partitions: number[];
  toWorker: RingProducer;
  inboundRegion: RingRegion;
  egress: RingConsumer;
  egressRegion: RingRegion;
  alive: boolean;
  stopped: boolean;
  /** With stage timing: when each frame entered the ring to the worker, and its egress ring. */
  inboundStamps: RingStamps | null;
  egressStamps: RingStamps | null;
}

const MIB = 1 << 20;
/** Empty egress polls (each a turn of the event loop) before the main thread parks. */
const EGRESS_IDLE_ROUNDS = 64;

/**
 * ingest() publishes its frames to the worker every this many, and at the end of the caller's
 * synchronous run (a microtask): a source handing over a batch (a Kafka fetch, a burst of the
 * simulator) pays one publish and one wake-up per 32 frames instead of one per frame, and the worker
 * gets them in larger rounds. A frame given alone is still published before the next event.
 */
const INGRESS_PUBLISH_EVERY = 32;

export class Runtime {
  readonly workers: number;
  readonly partitions: number;
  readonly backPressure: BackPressurePolicy;
  readonly routing: 'direct' | 'main';
  private readonly state: WorkerState[] = [];
  /** Every ring, with the worker that consumes it (-1: the main thread). */
  private readonly regions: { region: RingRegion; consumer: number }[] = [];
  private readonly control: Int32Array;
  private readonly mainBell: Doorbell;
  private readonly doorbells: SharedArrayBuffer;
  private readonly board: PriceBoardMemory;
  /** The shared last-price board, readable from the main thread too. */
  readonly symbols: SymbolDirectory;
  readonly prices: PriceBoard;
  private readonly verifier: Verifier;
  private readonly outputs: OutputHandler[] = [];
  private readonly inputs: InputHandler[] = [];
  private readonly deadLetterHandlers: ((d: DeadLetterRecord) => void)[] = [];
  private readonly crashHandlers: ((c: WorkerCrash) => void)[] = [];
  private readonly crashes: WorkerCrash[] = [];
  private readonly seq: number[];
  private readonly droppedByPartition: number[];
  private readonly pendingRoutes: { frame: Uint8Array; type: number; partition: number; flags: number; originNs: number }[] = [];
  /** The checkpoint epoch's parity as a frame flag: every frame given now is marked with it. */
  private epochFlag = 0;
  /** Frames given in this epoch: added to its in-flight count when a checkpoint closes it. */
  private givenThisEpoch = 0;
  /** The last checkpoint asked for (each waits for the one before it). */
  private lastCheckpoint: Promise<void> = Promise.resolve();
  /** Checkpoints asked for and not yet settled. */
  private openCheckpoints = 0;
  /** The in-flight slot of the epoch closed last, until it has drained (-1: none). */
  private undrained = -1;
  private counters = { ingested: 0, rejected: 0, full: 0, dropped: 0, output: 0, routedViaMain: 0, routedOut: 0, handlerErrors: 0 };
  private readonly routeHandler: RouteHandler | null;
  private stopping = false;
  private drainLoop: Promise<void> = Promise.resolve();
  private lastRejected: Rejection | null = null;
  private readonly events = new OutputEvents();
  private readonly sourceRuns: Promise<void>[] = [];
  private readonly sourceErrors: { source: string; error: string }[] = [];
  /** With stage timing: the main thread's stages, and the workers' merged as each one stops. */
  private readonly stages = { ingress: latencyHistogram(), egress: latencyHistogram(), ring_hop: latencyHistogram(), risk_check: latencyHistogram(), matching: latencyHistogram() };
  /** The stamps of the egress ring being drained (stage timing only). */
  private drainingStamps: RingStamps | null = null;

  private constructor(private readonly opts: ResolvedOptions) {
    this.workers = opts.workers;
    this.partitions = opts.partitions;
    this.backPressure = opts.backPressure;
    this.routing = opts.routing;
    this.routeHandler = opts.onRoute;
    this.control = new Int32Array(createControl(opts.workers));
    this.verifier = new Verifier(opts.maxFrameBytes);
    this.seq = new Array(opts.workers).fill(0);
    this.droppedByPartition = new Array(opts.partitions).fill(0);
    const doorbells = createDoorbells(opts.workers + 1);
    this.mainBell = new Doorbell({ buffer: doorbells, index: opts.workers });
    this.doorbells = doorbells;
    this.board = createPriceBoardMemory(opts.boardCapacity);
    this.symbols = new SymbolDirectory(this.board);
    this.prices = new PriceBoard(this.board);
  }

  /** Starts the workers; resolves when every job is created. */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    const opts = resolveOptions(options);
    const rt = new Runtime(opts);
    await rt.launch();
    for (const source of opts.sources) rt.startSource(source);
    return rt;
  }

  private startSource(source: Source): void {
    this.sourceRuns.push(
      source.run(this).catch((e: unknown) => {
        this.sourceErrors.push({ source: source.name, error: e instanceof Error ? e.message : String(e) });
      }),
    );
  }

  private async launch(): Promise<void> {
    const { workers: W, ringBytes, peerRingBytes } = this.opts;
    // peer[s][t]: ring from worker s to worker t.
    const peer = this.routing === 'direct' ? Array.from({ length: W }, () => Array.from({ length: W }, () => createRingRegion(peerRingBytes))) : null;
    const script = distFile('src/runtime/worker-main.js');
    const ready: Promise<void>[] = [];
    for (let w = 0; w < W; w++) {
      const inboundRegion = createRingRegion(ringBytes);
      const egressRegion = createRingRegion(ringBytes);
      this.regions.push({ region: inboundRegion, consumer: w }, { region: egressRegion, consumer: -1 });
      if (peer) for (let s = 0; s < W; s++) this.regions.push({ region: peer[s]![w]!, consumer: w });
      const setup: WorkerSetup = {
        workerId: w,
        workers: W,
        partitions: this.partitions,
        inbound: [inboundRegion, ...(peer ? peer.map((row) => row[w]!) : [])],
        peers: peer ? peer[w]! : null,
        egress: egressRegion,
        doorbells: this.doorbells,
        mainBell: W,
        control: this.control.buffer as SharedArrayBuffer,
        board: this.board,
        jobs: this.opts.jobs,
        wait: this.opts.wait,
        batch: this.opts.batch,
        stageTiming: this.opts.stageTiming ? { inbound: createStampMemory(inboundRegion), egress: createStampMemory(egressRegion) } : null,
      };
      const thread = new Worker(script, { workerData: setup, name: `tickwave-worker-${w}` });
      const st: WorkerState = {
        id: w,
        thread,
        partitions: Array.from({ length: this.partitions }, (_, p) => p).filter((p) => p % W === w),
        toWorker: new RingProducer(inboundRegion, { buffer: this.doorbells, index: w }),
        inboundRegion,
        egress: new RingConsumer(egressRegion),
        egressRegion,
        alive: true,
        stopped: false,
        inboundStamps: setup.stageTiming ? new RingStamps(setup.stageTiming.inbound, inboundRegion) : null,
        egressStamps: setup.stageTiming ? new RingStamps(setup.stageTiming.egress, egressRegion) : null,
      };
      this.state.push(st);
      ready.push(
        new Promise<void>((resolve, reject) => {
          thread.on('message', (m: { kind: string; stages?: Record<WorkerStage, string> | null }) => {
            if (m.kind === 'ready') resolve();
            if (m.kind === 'stopped') {
              st.stopped = true;
              if (m.stages) for (const s of WORKER_STAGES) this.stages[s].add(decodeHistogram(m.stages[s]));
            }
          });
          thread.once('error', (e) => {
            this.crashed(st, e);
            reject(new Error(`tickwave: worker ${w} failed: ${e.message}`));
          });
          thread.once('exit', (code) => {
            if (!st.stopped && st.alive) this.crashed(st, new Error(`exited with code ${code}`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(this.state.map((s) => s.thread.terminate()));
      throw e;
    }
    this.drainLoop = this.drainEgress();
  }

  private crashed(st: WorkerState, e: Error): void {
    if (!st.alive) return;
    st.alive = false;
    const crash = { workerId: st.id, partitions: st.partitions, error: e.message };
    this.crashes.push(crash);
    for (const h of this.crashHandlers) h(crash);
  }

  /** The worker that owns a partition, for life. */
  workerOf(partition: number): number {
    return partition % this.workers;
  }

  /**
   * Verifies `frame`, finds its partition from its key, and copies it into the owning worker's ring
   * (published with the next 32 frames, or at the end of the caller's synchronous run at the latest).
   * Never blocks: see Ingest for the answers. `source` names where the bytes came from (dead letters).
   * `originNs` (default now, on the one clock) is when the frame counts as sent: a load generator gives
   * each frame's planned send time, so outputs are timed from it and a stall cannot hide.
   */
  ingest(frame: Uint8Array, source = 'ingest', originNs?: number): IngestResult {
    if (this.stopping) return Ingest.STOPPED;
    const type = this.verify(frame, source);
    if (type <= 0) return Ingest.REJECTED;
    // The verifier's views cover the frame's whole buffer: no view is made per frame.
    const partition = partitionOf(this.verifier.dv, this.verifier.u8, frame.byteOffset, this.partitions);
    const result = this.enqueue(frame, type, partition, originNs ?? monotonicNs());
    if (result === Ingest.OK && this.inputs.length) {
      for (const h of this.inputs) {
        try {
          h(frame, type, source);
        } catch (e) {
          this.handlerError(e);
        }
      }
    }
    return result;
  }

  /** The frame's message type, or 0 when it fails verification (counted, lastRejection() set, dead-letter handlers told). */
  private verify(frame: Uint8Array, source: string): number {
    const type = this.verifier.verifyBytes(frame);
    if (type > 0) return type;
    this.counters.rejected++;
    this.lastRejected = this.verifier.rejection();
    if (this.deadLetterHandlers.length) for (const h of this.deadLetterHandlers) h({ source, rejection: this.lastRejected });
    return 0;
  }

  /**
   * A frame another process routed to `partition` (through a stage topic), verified and copied into
   * the owner's ring as a routed frame: it reaches the later stage of a job, as ctx.route() does
   * inside one process. Answers as ingest().
   */
  ingestRouted(frame: Uint8Array, partition: number, source = 'ingest', originNs?: number): IngestResult {
    if (this.stopping) return Ingest.STOPPED;
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new RangeError(`ingestRouted: partition ${partition} out of range 0..${this.partitions - 1}`);
    }
    const type = this.verify(frame, source);
    if (type <= 0) return Ingest.REJECTED;
    if (!this.state[partition % this.workers]!.alive) return Ingest.WORKER_DOWN;
    if (this.enqueueRouted(frame, type, partition, FLAG_ROUTED | this.epochFlag, originNs ?? monotonicNs()) === Ingest.FULL) {
      this.counters.full++;
      return Ingest.FULL;
    }
    this.givenThisEpoch++;
    this.counters.ingested++;
    return Ingest.OK;
  }

  private enqueue(frame: Uint8Array, type: number, partition: number, originNs: number): IngestResult {
    const st = this.state[partition % this.workers]!;
    if (!st.alive) return Ingest.WORKER_DOWN;
    const p = st.toWorker;
    const at = p.claim(frame.length);
    if (at < 0) {
      this.counters.full++;
      p.publish(); // what waits unpublished is what the worker must read to free room
      if (this.backPressure === 'block') return Ingest.FULL;
      this.counters.dropped++;
      this.droppedByPartition[partition]!++;
      return Ingest.DROPPED;
    }
    writeFrameHeaderFast(p.view, at, frame.length, type, partition, ++this.seq[st.id]!, originNs, this.epochFlag);
    p.u8.set(frame, at + 24);
    this.givenThisEpoch++;
    if (st.inboundStamps !== null) {
      const now = monotonicNs();
      st.inboundStamps.stamp(at, now);
      if (originNs > REPLAY_ORIGIN) recordSince(this.stages.ingress, originNs, now);
    }
    if (p.unpublished >= INGRESS_PUBLISH_EVERY) p.publish();
    else if (!this.publishScheduled) {
      this.publishScheduled = true;
      queueMicrotask(this.publishIngress);
    }
    this.counters.ingested++;
    return Ingest.OK;
  }

  /** Set while ingest() has written frames it has not published: a microtask will. */
  private publishScheduled = false;
  /** Publishes what ingest() wrote to every worker's ring. */
  private readonly publishIngress = (): void => {
    this.publishScheduled = false;
    for (const st of this.state) st.toWorker.publish();
  };

  /** ingest(), waiting for room while the owner's ring is full (block policy). */
  async ingestAsync(frame: Uint8Array, source = 'ingest', originNs?: number): Promise<IngestResult> {
    for (;;) {
      const r = this.ingest(frame, source, originNs);
      if (r !== Ingest.FULL) return r;
      await this.whenWritable(frame, 50);
    }
  }

  /** Resolves when the ring that `frame` goes to (by its key, or to `partition` when given) has released space, or after timeoutMs. */
  async whenWritable(frame: Uint8Array, timeoutMs = 50, partition = partitionOf(new DataView(frame.buffer, frame.byteOffset, frame.byteLength), frame, 0, this.partitions)): Promise<void> {
    const p = this.state[partition % this.workers]!.toWorker;
    if (p.free() >= frameSlot(frame.length) * 2) return;
    await p.spaceReleased(timeoutMs);
  }

  /** Why the last rejected frame was rejected. */
  lastRejection(): Rejection | null {
    return this.lastRejected;
  }

  /** Every frame ingest() accepted, after it entered its worker's ring (a feed of the inputs, e.g. market data to WebSocket clients). */
  onInput(handler: InputHandler): void {
    this.inputs.push(handler);
  }
  onOutput(handler: OutputHandler): void {
    this.outputs.push(handler);
  }
  onDeadLetter(handler: (d: DeadLetterRecord) => void): void {
    this.deadLetterHandlers.push(handler);
  }
  onWorkerCrash(handler: (c: WorkerCrash) => void): void {
    this.crashHandlers.push(handler);
  }
  /** Typed outputs: risk decisions, exec reports, alerts, positions, P&L, portfolios, job dead letters. */
  on<K extends RuntimeEventName>(name: K, handler: (e: RuntimeEvents[K]) => void): this {
    this.events.on(name, handler);
    return this;
  }

  /**
   * Latency of the outputs from the input that caused them (its ingress, or the planned send time
   * given to ingest), measured when the main thread receives them: order → risk decision, order →
   * exec report, market data → alert. Live HdrHistograms: read, do not reset, while running.
   */
  histograms(): Record<OutputStage, LatencyHistogram> {
    return this.events.histograms;
  }

  /**
   * Starts every latency histogram afresh: the outputs' (histograms()) and, with stageTiming, every
   * stage's, the workers' included (each clears its own at the top of its next loop round, within a
   * park of wait.parkMs). For leaving a warm-up out of a measurement: frames on their way at the call
   * may count on either side of it.
   */
  resetHistograms(): void {
    for (const h of Object.values(this.events.histograms)) h.reset();
    for (const h of Object.values(this.stages)) h.reset();
    Atomics.add(this.control, CONTROL_TIMING_EPOCH, 1);
  }

  /**
   * With RuntimeOptions.stageTiming, every stage's latency: ingress, egress and the end-to-end ones
   * (order -> risk decision, order -> exec report) live; ring hop, risk check and matching are
   * recorded in the workers and complete once stop() has resolved. Null without stageTiming.
   */
  stageHistograms(): Record<Stage, LatencyHistogram> | null {
    if (!this.opts.stageTiming) return null;
    const out = this.events.histograms;
    return { ...this.stages, risk_decision: out.risk_decision, end_to_end: out.exec_report };
  }

  /** Outputs so far, by message type name. */
  outputCounts(): Record<string, number> {
    return this.events.counts();
  }

  private readonly deliver = (view: DataView, at: number, length: number): void => {
    const type = frameType(view, at);
    const partition = framePartition(view, at);
    const flags = frameFlags(view, at);
    if ((flags & FLAG_ROUTED) !== 0) {
      // Routing through the main thread: re-enter the owner's ring, in order, never dropped.
      this.counters.routedViaMain++;
      const frame = new Uint8Array(view.buffer, at + 24, length);
      const originNs = frameIngressNsNumber(view, at);
      if (this.routeHandler) {
        this.counters.routedOut++;
        try {
          this.routeHandler(frame, type, partition, originNs);
        } catch (e) {
          this.handlerError(e);
        }
        // Handed out of the process (its delivery is the handler's to wait for): handled, for its epoch.
        Atomics.sub(this.control, checkpointSlot(this.workers) + CHECKPOINT_IN_FLIGHT + ((flags & FLAG_EPOCH) >> 1), 1);
        return;
      }
      if (this.pendingRoutes.length > 0 || this.enqueueRouted(frame, type, partition, flags, originNs) === Ingest.FULL) {
        this.pendingRoutes.push({ frame: frame.slice(), type, partition, flags, originNs });
      }
      return;
    }
    this.counters.output++;
    const originNs = frameIngressNsNumber(view, at);
    const now = monotonicNs();
    if (this.drainingStamps !== null && originNs > REPLAY_ORIGIN) recordSince(this.stages.egress, this.drainingStamps.stampOf(at), now);
    // A failing handler must not stop the drain (the workers would block on full egress rings), nor
    // keep the frame from the other handlers.
    this.events.deliver(view, at + 24, length, type, originNs, now, this.onHandlerError);
    for (const h of this.outputs) {
      try {
        h(view, at + 24, length, type, partition, originNs);
      } catch (e) {
        this.handlerError(e);
      }
    }
  };

  private readonly onHandlerError = (e: unknown): void => this.handlerError(e);

  private handlerError(e: unknown): void {
    this.counters.handlerErrors++;
    if (this.counters.handlerErrors === 1) console.error(`tickwave: an input or output handler threw (counted in stats().handlerErrors): ${e instanceof Error ? e.stack : String(e)}`);
  }

  /** A routed frame into its owner's ring; `flags`: FLAG_ROUTED and its epoch. */
  private enqueueRouted(frame: Uint8Array, type: number, partition: number, flags: number, originNs: number): IngestResult {
    const st = this.state[partition % this.workers]!;
    const at = st.toWorker.claim(frame.length);
    if (at < 0) return Ingest.FULL;
    writeFrameHeaderFast(st.toWorker.view, at, frame.length, type, partition, ++this.seq[st.id]!, originNs, flags);
    st.toWorker.u8.set(frame, at + 24);
    st.toWorker.publish();
    return Ingest.OK;
  }

  /** Drains every egress ring to the output handlers, on the event loop, until stopped. */
  private drainEgress(): Promise<void> {
    // A callback per round, not an await: a promise and its continuation per round were most of what
    // the main thread allocated under load.
    return new Promise<void>((resolve, reject) => {
      let idleRounds = 0;
      const spinNs = this.opts.egressSpinMs * 1e6;
      let lastOutputNs = 0;
      const round = (): void => {
        try {
          const observed = this.mainBell.observe();
          let n = 0;
          for (let i = 0; i < this.state.length; i++) {
            const st = this.state[i]!;
            this.drainingStamps = st.egressStamps;
            n += st.egress.poll(this.deliver, 4096);
          }
          while (this.pendingRoutes.length > 0) {
            const r = this.pendingRoutes[0]!;
            if (this.enqueueRouted(r.frame, r.type, r.partition, r.flags, r.originNs) === Ingest.FULL) break;
            this.pendingRoutes.shift();
          }
          if (spinNs > 0 && n > 0) lastOutputNs = monotonicNs();
          if (n > 0 || idleRounds < EGRESS_IDLE_ROUNDS || (spinNs > 0 && monotonicNs() - lastOutputNs < spinNs)) {
            // Let other work (ingest, timers) run between batches. Parking only after a stretch of empty
            // rounds spares the workers a wake-up (a futex call) on most of their publishes.
            idleRounds = n > 0 ? 0 : idleRounds + 1;
            setImmediate(round);
            return;
          }
          if (this.state.every((s) => !s.alive || s.stopped)) return resolve();
          idleRounds = 0;
          this.mainBell.waitAsync(observed, this.pendingRoutes.length > 0 ? 1 : 50).then(round, reject);
        } catch (e) {
          reject(e);
        }
      };
      round();
    });
  }

  /** True when every ring is empty and every live worker is idle. */
  private quiet(): boolean {
    if (this.pendingRoutes.length > 0 || this.publishScheduled) return false;
    // A crashed worker's rings keep what it never read: those frames are lost with it (its stats say
    // how many), so they cannot hold up the stop.
    for (const { region, consumer } of this.regions) {
      if ((consumer < 0 || this.state[consumer]!.alive) && ringStats(region).used !== 0) return false;
    }
    for (const st of this.state) {
      if (st.alive && Atomics.load(this.control, workerSlot(st.id) + WORKER_IDLE) !== 1) return false;
    }
    return true;
  }

  private activity(): number {
    let a = 0;
    for (const st of this.state) a += Atomics.load(this.control, workerSlot(st.id) + WORKER_ACTIVITY);
    return a + this.counters.output + this.counters.routedViaMain;
  }

  /**
   * Stops taking frames, waits until every frame in every ring has been handled (nothing lost, nothing
   * twice), lets each job's onStop() run, and ends the worker threads.
   */
  async stop(timeoutMs = 30_000): Promise<RuntimeStats> {
    for (const source of this.opts.sources) source.stop();
    await Promise.all(this.sourceRuns);
    this.stopping = true;
    await this.whenIdle(timeoutMs);
    Atomics.store(this.control, CONTROL_STOP, 1);
    for (let w = 0; w < this.workers; w++) new Doorbell({ buffer: this.doorbells, index: w }).ring();
    await Promise.all(
      this.state.map(
        (st) =>
          new Promise<void>((resolve) => {
            if (!st.alive) return resolve();
            st.thread.once('exit', () => resolve());
          }),
      ),
    );
    this.mainBell.ring();
    await this.drainLoop;
    return this.stats();
  }

  /** Resolves when every source's run() has ended (a finite source ran out, or stop() was called). */
  async sourcesDone(): Promise<void> {
    await Promise.all(this.sourceRuns);
  }

  /**
   * Resolves when every frame given before the call (ingest(), ingestRouted()), and every frame the
   * jobs routed on from them, has been handled and its outputs delivered to the output handlers,
   * while frames given since flow on: how a source commits what it consumed without stopping. Frames
   * carry their checkpoint epoch's parity; this closes the epoch and waits for its in-flight count
   * (frames given, plus frames routed, minus frames handled) to reach zero, then for the egress drain
   * to pass the outputs published by then. Rejects when a worker has crashed (the frames it held are
   * lost, so nothing given before may count as done) or after timeoutMs.
   */
  checkpoint(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const run = async (): Promise<void> => {
      // One that failed (timed out) left its epoch draining: the parity is free once it has.
      if (this.undrained >= 0) await this.drainEpoch(this.undrained, deadline, timeoutMs);
      await this.drainEpoch(this.closeEpoch(), deadline, timeoutMs);
    };
    // Closed at once when no other is open: a frame given right after the call is not in it.
    const done = this.openCheckpoints === 0 ? run() : this.lastCheckpoint.then(run);
    this.openCheckpoints++;
    this.lastCheckpoint = done.then(
      () => void this.openCheckpoints--,
      () => void this.openCheckpoints--,
    );
    return done;
  }

  /** Marks frames given from now with the other epoch; returns the closed epoch's in-flight slot. */
  private closeEpoch(): number {
    const line = checkpointSlot(this.workers);
    const inFlight = line + CHECKPOINT_IN_FLIGHT + (this.epochFlag >> 1);
    // The workers have taken off the frames they handled already: the count comes out right.
    Atomics.add(this.control, inFlight, this.givenThisEpoch);
    this.givenThisEpoch = 0;
    this.epochFlag ^= FLAG_EPOCH;
    Atomics.add(this.control, line + CHECKPOINT_EPOCH, 1);
    this.undrained = inFlight;
    return inFlight;
  }

  private async drainEpoch(inFlight: number, deadline: number, timeoutMs: number): Promise<void> {
    const wait = async (what: string, done: () => boolean): Promise<void> => {
      while (!done()) {
        const dead = this.state.find((st) => !st.alive);
        if (dead) throw new Error(`tickwave: checkpoint refused: worker ${dead.id} crashed, and the frames it held are lost`);
        if (Date.now() > deadline) throw new Error(`tickwave: checkpoint timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    await wait('the frames given before it to be handled', () => Atomics.load(this.control, inFlight) === 0);
    this.undrained = -1;
    const ends = this.state.map((st) => st.egress.published());
    await wait('their outputs to be delivered', () => this.state.every((st, i) => st.egress.releasedUpTo(ends[i]!)));
  }

  /**
   * Resolves when every frame given so far has been handled and every output delivered: empty rings
   * and idle workers, twice, with no activity in between. For tests and scripted steps; a running
   * source keeps the runtime busy.
   */
  async whenIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const before = this.activity();
      if (this.quiet()) {
        await new Promise((r) => setTimeout(r, 5));
        if (this.quiet() && this.activity() === before) return;
      } else {
        await new Promise((r) => setTimeout(r, 2));
      }
      if (Date.now() > deadline) throw new Error('tickwave: timed out waiting for the rings to drain');
    }
  }

  stats(): RuntimeStats {
    return {
      workers: this.workers,
      partitions: this.partitions,
      backPressure: this.backPressure,
      routing: this.routing,
      ...this.counters,
      droppedByPartition: [...this.droppedByPartition],
      perWorker: this.state.map((st) => ({
        workerId: st.id,
        partitions: st.partitions,
        alive: st.alive,
        framesHandled: Atomics.load(this.control, workerSlot(st.id) + WORKER_ACTIVITY),
        spilled: Atomics.load(this.control, workerSlot(st.id) + WORKER_SPILLED),
        inbound: ringStats(st.inboundRegion),
        egress: ringStats(st.egressRegion),
      })),
      crashes: [...this.crashes],
      sourceErrors: [...this.sourceErrors],
    };
  }
}

type ResolvedOptions = Required<Omit<RuntimeOptions, 'job' | 'jobs' | 'jobOptions' | 'onRoute'>> & { jobs: JobSpec[]; onRoute: RouteHandler | null };

/** Worker threads when none are asked for: one core left to the main thread. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Partitions when none are asked for: 4 per worker, room to spread the keys evenly. */
export function defaultPartitions(workers = defaultWorkers()): number {
  return workers * 4;
}

function resolveOptions(o: RuntimeOptions): ResolvedOptions {
  const workers = o.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`workers must be an integer from 1 to 64, got ${o.workers}`);
  const partitions = o.partitions ?? defaultPartitions(workers);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_535) {
    throw new RangeError(`partitions must be an integer from 1 to 65535, got ${o.partitions}`);
  }
  if (o.backPressure !== undefined && o.backPressure !== 'block' && o.backPressure !== 'drop') {
    throw new RangeError(`backPressure must be "block" or "drop", got ${JSON.stringify(o.backPressure)}`);
  }
  if (o.routing !== undefined && o.routing !== 'direct' && o.routing !== 'main') {
    throw new RangeError(`routing must be "direct" or "main", got ${JSON.stringify(o.routing)}`);
  }
  if (o.onRoute !== undefined && (typeof o.onRoute !== 'function' || o.routing !== 'main')) {
    throw new TypeError('onRoute must be a function, with routing "main" (routed frames pass through the main thread)');
  }
  const egressSpinMs = o.egressSpinMs ?? 0;
  if (typeof egressSpinMs !== 'number' || !Number.isFinite(egressSpinMs) || egressSpinMs < 0 || egressSpinMs > 1_000) {
    throw new RangeError(`egressSpinMs must be a number of ms from 0 to 1000, got ${JSON.stringify(o.egressSpinMs)}`);
  }
  const given = [...(o.job !== undefined ? [o.job] : []), ...(o.jobs ?? [])];
  if (given.length === 0) throw new TypeError('job or jobs must name at least one module exporting createJob');
  const jobs = given.map((j, i): JobSpec => {
    const spec = typeof j === 'string' ? { module: j, options: o.jobOptions ?? null } : j;
    if (typeof spec?.module !== 'string' || spec.module.length === 0) {
      throw new TypeError(`jobs[${i}] must be the path or file: URL of a module exporting createJob, or { module, options }`);
    }
    return { module: spec.module, options: spec.options ?? null };
  });
  const sources = o.sources ?? [];
  sources.forEach((src, i) => {
    if (typeof src?.run !== 'function' || typeof src.stop !== 'function') throw new TypeError(`sources[${i}] must have run(sink) and stop()`);
  });
  return {
    jobs,
    sources,
    workers,
    partitions,
    backPressure: o.backPressure ?? 'block',
    routing: o.routing ?? 'direct',
    onRoute: o.onRoute ?? null,
    ringBytes: o.ringBytes ?? 4 * MIB,
    peerRingBytes: o.peerRingBytes ?? MIB,
    wait: o.wait ?? workerWait(workers, availableParallelism()),
    egressSpinMs,
    batch: o.batch ?? 256,
    maxFrameBytes: o.maxFrameBytes ?? MIB,
    boardCapacity: o.boardCapacity ?? 4096,
    stageTiming: o.stageTiming === true,
  };
}

/** Starts a runtime (see RuntimeOptions). */
export const startRuntime = (options: RuntimeOptions): Promise<Runtime> => Runtime.start(options);
