// SimulatorSource's timing: from the schedule (each event's planned send time, 1/rate apart, given as
// its origin) or from the send (no origin: the runtime stamps the frame as it takes it).
import { expect, test } from 'vitest';
import { Ingest } from '../../src/runtime/runtime.js';
import type { SourceSink } from '../../src/runtime/source.js';
import { SimulatorSource } from '../../src/sim/simulator-source.js';

/** A sink that takes every frame and keeps the origin it was given. */
function recordingSink(origins: (number | undefined)[]): SourceSink {
  return {
    partitions: 4,
    ingest: (_frame, _source, originNs) => (origins.push(originNs), Ingest.OK),
    ingestAsync: async (_frame, _source, originNs) => (origins.push(originNs), Ingest.OK),
    whenWritable: async () => {},
    ingestRouted: () => Ingest.OK,
    whenIdle: async () => {},
    checkpoint: async () => {},
    lastRejection: () => null,
  };
}

test('from the schedule: 200 events at 10,000/s carry planned times exactly 100 µs apart', async () => {
  const origins: (number | undefined)[] = [];
  const source = new SimulatorSource({ seed: 5, traders: 0, rate: 10_000, maxEvents: 200 });
  const setup = source.simulator.setupFrames().length;
  await source.run(recordingSink(origins));
  const events = origins.slice(setup) as number[];
  expect(events).toHaveLength(200);
  expect(new Set(events.slice(1).map((t, i) => Math.round(t - events[i]!)))).toEqual(new Set([100_000]));
});

test('from the send: no origin is given, so the runtime stamps each event as it takes it', async () => {
  const origins: (number | undefined)[] = [];
  const source = new SimulatorSource({ seed: 5, traders: 0, rate: 10_000, maxEvents: 200, timedFrom: 'send' });
  const setup = source.simulator.setupFrames().length;
  await source.run(recordingSink(origins));
  expect(origins.slice(setup)).toEqual(Array(200).fill(undefined));
  expect(() => new SimulatorSource({ timedFrom: 'planned' as never })).toThrow("timedFrom must be 'schedule' or 'send', got planned");
});
