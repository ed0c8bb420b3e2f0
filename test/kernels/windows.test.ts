// Windows: one suite against every implementation, figures worked out by hand; then the
// implementations on the same random event streams, compared result by result.
import { describe, expect, test } from 'vitest';
import { Emit, type WindowResult, type Windows, WindowKind, type WindowSpec, WindowsReference, WindowsWasm } from '../../src/kernels/windows.js';
import { Prng } from '../fixtures/prng.js';

const tumbling = (size: bigint, lateness = 0n, delay = 0n, emitChanges = false): WindowSpec => ({ kind: WindowKind.TUMBLING, size, slide: size, lateness, delay, emitChanges });

export const implementations: [string, (spec: WindowSpec, keys?: number) => Windows][] = [
  ['TypeScript reference', (spec, keys = 64) => new WindowsReference(spec, keys)],
  ['Wasm kernel', (spec, keys = 64) => new WindowsWasm(spec, keys)],
];

const brief = (r: WindowResult) =>
  `${Object.keys(Emit).find((k) => Emit[k as keyof typeof Emit] === r.emit)} k${r.key} [${r.start},${r.end}) n${r.count} sum${r.sum} min${r.min} max${r.max} first${r.first} last${r.last} qty${r.sumQty} vwap${r.vwap} avg${r.avg} sd${r.stddev.toFixed(9)}`;

export function windowSuite(make: (spec: WindowSpec, keys?: number) => Windows): void {
  const run = (w: Windows, events: [number, bigint, bigint, bigint][]) =>
    events.flatMap(([key, ts, price, qty]) => {
      w.event(key, ts, price, qty);
      return w.results().map(brief);
    });

  test('tumbling: a window is emitted when the watermark passes its end, with every aggregate', () => {
    const w = make(tumbling(10n, 5n));
    expect(run(w, [[1, 1n, 100n, 1n], [1, 3n, 102n, 2n]])).toEqual([]);
    // ts 12 moves the watermark to 12: [0,10) closes. 2 events: sum 202, VWAP (100 + 204) / 3 = 101,
    // variance (100² + 102²) / 2 - 101² = 1.
    expect(run(w, [[1, 12n, 101n, 1n]])).toEqual(['FINAL k1 [0,10) n2 sum202 min100 max102 first100 last102 qty3 vwap101 avg101 sd1.000000000']);
    expect(w.watermark()).toBe(12n);
  });

  test('allowed lateness: a late event updates its closed window; past the lateness it goes to the side output', () => {
    const w = make(tumbling(10n, 5n));
    run(w, [[1, 1n, 100n, 1n], [1, 3n, 102n, 2n], [1, 12n, 101n, 1n]]);
    // ts 8 is behind the watermark (12) but within [0,10)'s lateness (until 15): the window is re-emitted.
    // {100, 102, 99}: mean 301/3, variance 14/9, standard deviation 1.247219129.
    expect(run(w, [[1, 8n, 99n, 1n]])).toEqual(['LATE k1 [0,10) n3 sum301 min99 max102 first100 last99 qty4 vwap100 avg100 sd1.247219129']);
    w.advanceWatermark(15n);
    expect(run(w, [[1, 5n, 50n, 1n]])).toEqual([]);
    expect(w.lateEvents()).toEqual([{ key: 1, ts: 5n, price: 50n, qty: 1n }]);
    expect(w.lateCount()).toBe(1);
    // An idle partition's watermark moves on when the host advances it: [10,20) closes.
    w.advanceWatermark(20n);
    expect(w.results().map(brief)).toEqual(['FINAL k1 [10,20) n1 sum101 min101 max101 first101 last101 qty1 vwap101 avg101 sd0.000000000']);
  });

  test('bounded out-of-orderness: the watermark trails the largest event time by the delay', () => {
    const w = make(tumbling(10n, 0n, 4n));
    expect(run(w, [[1, 9n, 1n, 1n], [1, 12n, 2n, 1n], [1, 7n, 3n, 1n]])).toEqual([]); // watermark 8: [0,10) still open
    expect(run(w, [[1, 14n, 4n, 1n]])).toEqual(['FINAL k1 [0,10) n2 sum4 min1 max3 first3 last1 qty2 vwap2 avg2 sd1.000000000']);
  });

  test('hopping: an event counts in every window it falls in, each emitted once', () => {
    const w = make({ kind: WindowKind.HOPPING, size: 10n, slide: 5n, lateness: 0n, delay: 0n, emitChanges: false });
    expect(run(w, [[2, 7n, 10n, 1n], [2, 11n, 20n, 1n], [2, 16n, 30n, 1n]])).toEqual([
      'FINAL k2 [0,10) n1 sum10 min10 max10 first10 last10 qty1 vwap10 avg10 sd0.000000000',
      'FINAL k2 [5,15) n2 sum30 min10 max20 first10 last20 qty2 vwap15 avg15 sd5.000000000',
    ]);
  });

  test('keys are separate', () => {
    const w = make(tumbling(10n));
    expect(run(w, [[1, 1n, 5n, 1n], [2, 2n, 7n, 1n], [1, 10n, 1n, 1n]])).toEqual([
      'FINAL k1 [0,10) n1 sum5 min5 max5 first5 last5 qty1 vwap5 avg5 sd0.000000000',
      'FINAL k2 [0,10) n1 sum7 min7 max7 first7 last7 qty1 vwap7 avg7 sd0.000000000',
    ]);
  });

  test('EMIT CHANGES: every event re-emits the open windows it lands in', () => {
    const w = make(tumbling(10n, 0n, 0n, true));
    expect(run(w, [[1, 1n, 4n, 1n], [1, 2n, 6n, 1n]])).toEqual([
      'UPDATE k1 [0,10) n1 sum4 min4 max4 first4 last4 qty1 vwap4 avg4 sd0.000000000',
      'UPDATE k1 [0,10) n2 sum10 min4 max6 first4 last6 qty2 vwap5 avg5 sd1.000000000',
    ]);
  });

  test('session windows: close a gap after the last event; an event that bridges two sessions merges them', () => {
    // A closed session that a late event stretches past the watermark opens again (UPDATE, then FINAL).
    const w = make({ kind: WindowKind.SESSION, size: 10n, slide: 0n, lateness: 5n, delay: 100n, emitChanges: true });
    // [1,11) and [18,28); then ts 9 opens [9,19), which overlaps both: one session [1,28) of 3 events.
    expect(run(w, [[1, 1n, 10n, 1n], [1, 18n, 20n, 1n], [1, 9n, 30n, 1n]])).toEqual([
      'UPDATE k1 [1,11) n1 sum10 min10 max10 first10 last10 qty1 vwap10 avg10 sd0.000000000',
      'UPDATE k1 [18,28) n1 sum20 min20 max20 first20 last20 qty1 vwap20 avg20 sd0.000000000',
      'UPDATE k1 [1,28) n3 sum60 min10 max30 first10 last20 qty3 vwap20 avg20 sd8.164965809',
    ]);
    w.advanceWatermark(28n);
    expect(w.results().map(brief)).toEqual(['FINAL k1 [1,28) n3 sum60 min10 max30 first10 last20 qty3 vwap20 avg20 sd8.164965809']);
    // Within the lateness (until 33) ts 25 merges into the closed session and stretches it to 35, past
    // the watermark: the session is open again ({10, 20, 30, 40}: sd sqrt(125) = 11.180339887).
    expect(run(w, [[1, 25n, 40n, 1n]])).toEqual(['UPDATE k1 [1,35) n4 sum100 min10 max40 first10 last40 qty4 vwap25 avg25 sd11.180339887']);
    w.advanceWatermark(40n);
    expect(w.results().map(brief)).toEqual(['FINAL k1 [1,35) n4 sum100 min10 max40 first10 last40 qty4 vwap25 avg25 sd11.180339887']);
    // At 40 the session is past 35 + 5: an event that would have joined it is late.
    expect(run(w, [[1, 20n, 1n, 1n]])).toEqual([]);
    expect(w.lateEvents()).toEqual([{ key: 1, ts: 20n, price: 1n, qty: 1n }]);
    expect(w.lateCount()).toBe(1);
  });

  test('count windows: the last n events of a key (the 20-period moving average, with n = 3)', () => {
    // {10, 20, 30}: variance 200/3, sd 8.164965809; VWAP of 20x1, 30x1, 40x3 = 170 / 5 = 34.
    const w = make({ kind: WindowKind.COUNT, size: 3n, slide: 1n, lateness: 0n, delay: 0n, emitChanges: false });
    expect(run(w, [[1, 1n, 10n, 1n], [1, 2n, 20n, 1n], [1, 3n, 30n, 1n], [1, 4n, 40n, 3n]])).toEqual([
      'COUNT k1 [1,1) n1 sum10 min10 max10 first10 last10 qty1 vwap10 avg10 sd0.000000000',
      'COUNT k1 [1,2) n2 sum30 min10 max20 first10 last20 qty2 vwap15 avg15 sd5.000000000',
      'COUNT k1 [1,3) n3 sum60 min10 max30 first10 last30 qty3 vwap20 avg20 sd8.164965809',
      'COUNT k1 [2,4) n3 sum90 min20 max40 first20 last40 qty5 vwap34 avg30 sd8.164965809',
    ]);
  });
}

describe.each(implementations)('windows: %s', (_, make) => windowSuite(make));

const OPS = Number(process.env.TICKWAVE_KERNEL_OPS ?? 100_000);
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v));

const specs: [string, WindowSpec][] = [
  ['tumbling 1000, lateness 300, delay 200', { kind: WindowKind.TUMBLING, size: 1000n, slide: 1000n, lateness: 300n, delay: 200n, emitChanges: false }],
  ['hopping 1000/250, EMIT CHANGES, lateness 100', { kind: WindowKind.HOPPING, size: 1000n, slide: 250n, lateness: 100n, delay: 50n, emitChanges: true }],
  ['hopping 900/600 (panes of 300)', { kind: WindowKind.HOPPING, size: 900n, slide: 600n, lateness: 0n, delay: 0n, emitChanges: false }],
  ['hopping 1000/250, lateness 400 (late events re-emit their windows)', { kind: WindowKind.HOPPING, size: 1000n, slide: 250n, lateness: 400n, delay: 50n, emitChanges: false }],
  ['count 20', { kind: WindowKind.COUNT, size: 20n, slide: 1n, lateness: 0n, delay: 0n, emitChanges: false }],
  ['count 4 (rows leave the running minimum, maximum, first and last often)', { kind: WindowKind.COUNT, size: 4n, slide: 1n, lateness: 0n, delay: 0n, emitChanges: false }],
  ['session gap 60, lateness 200, delay 100', { kind: WindowKind.SESSION, size: 60n, slide: 0n, lateness: 200n, delay: 100n, emitChanges: false }],
  ['session gap 15, EMIT CHANGES', { kind: WindowKind.SESSION, size: 15n, slide: 0n, lateness: 30n, delay: 10n, emitChanges: true }],
];

describe.each(specs)('differential, %s', (_, spec) => {
  test(`${OPS} random events, identical results after every one (seed ${SEED})`, () => {
    const rng = new Prng(SEED);
    const ref = new WindowsReference(spec, 12);
    const wasm = new WindowsWasm(spec, 12);
    let clock = 10_000;
    let results = 0;
    for (let i = 0; i < OPS; i++) {
      // Mostly in order, some out of order (some beyond the lateness), an occasional jump, and the
      // host advancing the watermark now and then (an idle partition).
      clock += rng.int(0, 20);
      if (rng.chance(0.0005)) clock += rng.int(1_000, 20_000);
      if (rng.chance(0.01)) {
        const to = BigInt(clock - rng.int(0, 400));
        ref.advanceWatermark(to);
        wasm.advanceWatermark(to);
      } else {
        const ts = BigInt(rng.chance(0.1) ? clock - rng.int(0, 1_500) : clock);
        const key = rng.int(1, 14); // more keys than room: the rest are counted as late
        const price = BigInt(rng.int(1_000, 1_100)) * 1_000_000n;
        const qty = BigInt(rng.int(1, 500));
        ref.event(key, ts, price, qty);
        wasm.event(key, ts, price, qty);
      }
      const a = ref.results();
      const b = wasm.results();
      results += a.length;
      if (show(a) !== show(b) || show(ref.lateEvents()) !== show(wasm.lateEvents())) {
        expect.fail(`seed ${SEED}, op ${i}: results differ\nreference ${show(a)} ${show(ref.lateEvents())}\nwasm      ${show(b)} ${show(wasm.lateEvents())}`);
      }
      if (i % 1000 === 999) expect(wasm.stateHash(), `seed ${SEED}, op ${i}`).toBe(ref.stateHash());
    }
    expect(wasm.stateHash()).toBe(ref.stateHash());
    expect([wasm.watermark(), wasm.lateCount()]).toEqual([ref.watermark(), ref.lateCount()]);
    expect(results).toBeGreaterThan(OPS / 100);
    if (spec.kind !== WindowKind.COUNT) expect(ref.lateCount()).toBeGreaterThan(0);
  });
});
