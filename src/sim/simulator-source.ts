// The market simulator as a runtime source: sends the instruments and the traders' policies, then
// the simulator's events at a fixed rate (open loop: each event has a planned send time, given to
// the runtime as its origin, so latency is timed from when it should have gone, and a stalled sender
// shows as latency instead of hiding; or, with timedFrom 'send', from when it is handed over).
// Pausing, the speed and scenarios are controls the dashboard and the command line use.
import { MarketSimulator } from './market-simulator.js';
import type { SimulatorOptions } from './simulator-options.js';
import { Ingest } from '../runtime/runtime.js';
import { monotonicNs } from '../runtime/clock.js';
import type { Source, SourceSink } from '../runtime/source.js';

export interface SimulatorSourceOptions extends SimulatorOptions {
  /** Events sent per second of wall time. Default: the simulator's eventsPerSecond (20,000). */
  rate?: number;
  /** Stop after this many events (setup frames not counted). Default: run until stopped. */
  maxEvents?: number;
  /**
   * What each event's latency counts from: 'schedule' (default), its planned send time, so a late
   * sender shows as latency, as a load test wants; or 'send', when it is handed to the runtime: the
   * runtime's own latency, for a live view. The sender paces on a 1 ms timer (an event loop cannot
   * sleep less), so from the schedule an event waits up to a millisecond or two before it is sent;
   * its lag is in stats().behindMs either way.
   */
  timedFrom?: 'schedule' | 'send';
}

export interface SimulatorSourceStats {
  sent: number;
  /** Events the runtime refused as malformed (there should be none: the simulator is tested). */
  rejected: number;
  /** How far the sender is behind its schedule, ms (it grows when the runtime cannot keep up). */
  behindMs: number;
  paused: boolean;
  speed: number;
  rate: number;
}

/** Largest number of events sent before the sender yields to the event loop. */
const BURST = 2_048;

export class SimulatorSource implements Source {
  readonly name = 'simulator';
  readonly simulator: MarketSimulator;
  private readonly baseRate: number;
  private readonly maxEvents: number;
  private readonly fromSchedule: boolean;
  /** The frames of one burst, made before any is handed over. */
  private readonly burst: Uint8Array[] = [];
  private stopped = false;
  private paused = false;
  private speed = 1;
  private sent = 0;
  private rejected = 0;
  private behindNs = 0;
  /** The schedule: event `sent` is due at anchorNs + (sent - anchorCount) / rate. */
  private anchorNs = 0;
  private anchorCount = 0;

  constructor(options: SimulatorSourceOptions = {}) {
    const { rate, maxEvents, timedFrom, ...sim } = options;
    this.simulator = new MarketSimulator(sim);
    this.baseRate = rate ?? sim.eventsPerSecond ?? 20_000;
    if (!(Number.isFinite(this.baseRate) && this.baseRate > 0)) throw new RangeError(`rate must be a number of events per second above 0, got ${rate}`);
    this.maxEvents = maxEvents ?? Infinity;
    if (!(this.maxEvents >= 0)) throw new RangeError(`maxEvents must be 0 or more, got ${maxEvents}`);
    if (timedFrom !== undefined && timedFrom !== 'schedule' && timedFrom !== 'send') throw new RangeError(`timedFrom must be 'schedule' or 'send', got ${String(timedFrom)}`);
    this.fromSchedule = timedFrom !== 'send';
  }

  get rate(): number {
    return this.baseRate * this.speed;
  }

  /** Changes the pace (1 = the configured rate); the schedule restarts from now. */
  setSpeed(speed: number): void {
    if (!(Number.isFinite(speed) && speed > 0 && speed <= 100)) throw new RangeError(`speed must be above 0 and at most 100, got ${speed}`);
    this.reanchor();
    this.speed = speed;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.reanchor();
    this.paused = false;
  }

  /** Starts a scenario ('crash', 'spike', 'arbitrage') at the current simulated time. */
  trigger(scenario: string, symbol?: string): void {
    this.simulator.trigger(scenario, symbol);
  }

  stats(): SimulatorSourceStats {
    return { sent: this.sent, rejected: this.rejected, behindMs: this.behindNs / 1e6, paused: this.paused, speed: this.speed, rate: this.rate };
  }

  stop(): void {
    this.stopped = true;
  }

  private reanchor(): void {
    this.anchorNs = monotonicNs();
    this.anchorCount = this.sent;
  }

  async run(sink: SourceSink): Promise<void> {
    for (const frame of this.simulator.setupFrames()) await this.send(sink, frame, monotonicNs());
    this.reanchor();
    while (!this.stopped && this.sent < this.maxEvents) {
      if (this.paused) {
        await sleep(20);
        continue;
      }
      const now = monotonicNs();
      const due = Math.min(this.anchorCount + Math.floor(((now - this.anchorNs) * this.rate) / 1e9), this.maxEvents);
      // The burst is made first and handed over back to back: the runtime publishes what it took at the
      // end of the caller's run, so making frames between hand-overs would hold the earlier ones back
      // (and, timed from 'send', count the making of the later ones in their latency).
      const burst = this.burst;
      burst.length = 0;
      for (let k = Math.min(due - this.sent, BURST); k > 0; k--) burst.push(this.simulator.next().frame);
      for (let k = 0; k < burst.length && !this.stopped; k++) {
        // Without an origin the runtime stamps the frame as it takes it.
        const planned = this.fromSchedule ? this.anchorNs + ((this.sent - this.anchorCount) * 1e9) / this.rate : undefined;
        const r = sink.ingest(burst[k]!, this.name, planned);
        if (r === Ingest.FULL) await this.send(sink, burst[k]!, planned);
        else this.count(r);
        this.sent++;
      }
      this.behindNs = Math.max(0, now - (this.anchorNs + ((this.sent - this.anchorCount) * 1e9) / this.rate));
      // Wait for the next event's time (timers are millisecond-grained: send what is due then).
      await (this.sent < due ? yieldNow() : sleep(1));
    }
  }

  private async send(sink: SourceSink, frame: Uint8Array, plannedNs: number | undefined): Promise<void> {
    let r = sink.ingest(frame, this.name, plannedNs);
    while (r === Ingest.FULL) {
      await sink.whenWritable(frame, 50);
      r = sink.ingest(frame, this.name, plannedNs);
    }
    this.count(r);
  }

  private count(r: number): void {
    if (r === Ingest.REJECTED) this.rejected++;
    else if (r === Ingest.STOPPED) this.stopped = true;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
