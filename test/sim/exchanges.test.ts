// Per-exchange quotes: in line, each venue shows 1–3 ticks around the fair price; now and then one
// venue of a multi-venue symbol lags or sits 15–30 bp off for 2–5 s, so one venue's bid tops another's ask.
import { describe, expect, it } from 'vitest';
import { Venues } from '../../src/sim/exchanges.js';
import { findInstrument } from '../../src/sim/instruments.js';
import { PricePaths } from '../../src/sim/price-paths.js';
import { SeededRandom } from '../../src/sim/prng.js';
import { Exchange } from '../../src/wire/generated/index.js';

const STEP_NS = 10_000_000;
const TICK = 10_000;

describe('Venues', () => {
  it('lists each symbol on each of its exchanges, starting from the start price', () => {
    const specs = [findInstrument('MSFT')!, findInstrument('WTI')!];
    const venues = new Venues(specs, new SeededRandom(1));
    expect(venues.listings.map((l) => [l.symbol, l.exchange, l.last, l.volume])).toEqual([
      ['MSFT', Exchange.NYSE, 350_000_000, 0],
      ['MSFT', Exchange.NASDAQ, 350_000_000, 0],
      ['MSFT', Exchange.BATS, 350_000_000, 0],
      ['WTI', Exchange.NYMEX, 72_000_000, 0],
    ]);
    expect(venues.bySymbol.map((own) => own.length)).toEqual([3, 1]);
  });

  it('in line: 1-3 ticks wide around the fair price; out of line: one venue, 15-30 bp off or stale, for 2-5 s', () => {
    const aapl = { ...findInstrument('AAPL')!, volatility: 0 };
    const paths = new PricePaths([aapl], new SeededRandom(2), 0, 0);
    const venues = new Venues([aapl], new SeededRandom(3));
    const all = venues.bySymbol[0]!;
    const spreads = new Set<number>();
    const episodes: { venue: Exchange; kind: 'offset' | 'lag'; bp: number; startNs: number; endNs: number }[] = [];
    let crossedOver10bp = 0;
    for (let now = STEP_NS; now <= 3_600_000_000_000; now += STEP_NS) {
      // A steady drift, so that a lagging venue falls visibly behind.
      paths.moveInstrument(0, 2e-6);
      venues.update(now, paths);
      const fair = paths.fair[0]!;
      const off = all.filter((l) => l.dislocationBp !== 0 || l.staleFair !== 0);
      if (off.length > 1) expect.fail(`${off.length} venues out of line at once`);
      const current = episodes.at(-1);
      if (off.length === 1 && (current === undefined || current.endNs !== -1)) {
        const l = off[0]!;
        episodes.push({ venue: l.exchange, kind: l.staleFair ? 'lag' : 'offset', bp: l.dislocationBp, startNs: now, endNs: -1 });
      } else if (off.length === 0 && current !== undefined && current.endNs === -1) {
        current.endNs = now;
      }
      for (const l of all) {
        venues.price(l, fair, 1);
        spreads.add((l.ask - l.bid) / TICK);
        // The mid of an in-line quote is within a tick of the fair price.
        if (l.dislocationBp === 0 && l.staleFair === 0 && Math.abs((l.bid + l.ask) / 2 - fair) > TICK) {
          expect.fail(`${l.exchange}: ${l.bid}/${l.ask} around ${fair}`);
        }
      }
      for (const a of all) {
        for (const b of all) if (a !== b && (a.bid - b.ask) / b.ask > 10e-4) crossedOver10bp++;
      }
    }
    expect(spreads).toEqual(new Set([1, 2, 3]));
    const finished = episodes.filter((e) => e.endNs !== -1);
    // One every two minutes on average, over an hour.
    expect(finished.length).toBeGreaterThan(15);
    expect(finished.length).toBeLessThan(45);
    for (const e of finished) {
      expect(e.endNs - e.startNs).toBeGreaterThanOrEqual(2_000_000_000);
      expect(e.endNs - e.startNs).toBeLessThanOrEqual(5_000_000_000 + STEP_NS);
      if (e.kind === 'offset') {
        expect(Math.abs(e.bp)).toBeGreaterThanOrEqual(15);
        expect(Math.abs(e.bp)).toBeLessThanOrEqual(30);
      }
    }
    expect(new Set(finished.map((e) => e.kind))).toEqual(new Set(['offset', 'lag']));
    expect(new Set(finished.map((e) => e.venue))).toEqual(new Set([Exchange.NYSE, Exchange.NASDAQ, Exchange.BATS]));
    expect(crossedOver10bp).toBeGreaterThan(0);
  });

  it('single-venue symbols never dislocate', () => {
    const wti = findInstrument('WTI')!;
    const paths = new PricePaths([wti], new SeededRandom(2), 0, 0);
    const venues = new Venues([wti], new SeededRandom(3));
    let outOfLine = 0;
    for (let now = STEP_NS; now <= 3_600_000_000_000; now += STEP_NS) {
      venues.update(now, paths);
      if (venues.listings[0]!.dislocationBp !== 0 || venues.listings[0]!.staleFair !== 0) outOfLine++;
    }
    expect(outOfLine).toBe(0);
  });

  it('sizes are whole lots, at least one, around twenty typical prints', () => {
    const eurusd = findInstrument('EURUSD')!;
    const venues = new Venues([eurusd], new SeededRandom(4));
    const sizes = Array.from({ length: 20_000 }, () => venues.size(0)).sort((a, b) => a - b);
    for (const s of sizes) if (s < 1000 || s % 1000 !== 0) expect.fail(`size ${s}`);
    const median = sizes[10_000]!;
    expect(median).toBeGreaterThan(1_900_000);
    expect(median).toBeLessThan(2_100_000);
  });
});
