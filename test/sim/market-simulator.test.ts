// The simulator's stream: deterministic per seed, every frame a valid Envelope of the advertised type,
// event time on a fixed step, prices on each instrument's tick grid, sane quotes, cumulative volumes.
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { DEFAULT_START_NS } from '../../src/sim/simulator-options.js';
import { UNIVERSE, findInstrument } from '../../src/sim/instruments.js';
import { decode } from '../../src/wire/codec.js';
import {
  Body,
  type CancelT,
  type OrderT,
  OrderType,
  type QuoteT,
  type ReplaceT,
  type TradeT,
  SelfTradePrevention,
  Side,
} from '../../src/wire/generated/index.js';
import { body } from './fixtures.js';

describe('determinism', () => {
  it('the same options give byte-identical frames for 50,000 events; another seed differs', () => {
    const a = new MarketSimulator({ seed: 7 });
    const b = new MarketSimulator({ seed: 7 });
    const c = new MarketSimulator({ seed: 8 });
    let differing = 0;
    for (let i = 0; i < 50_000; i++) {
      const ea = a.next();
      const eb = b.next();
      const ec = c.next();
      if (ea.type !== eb.type || ea.tsNs !== eb.tsNs || Buffer.compare(ea.frame, eb.frame) !== 0) {
        expect.fail(`event ${i} differs between two simulators with seed 7`);
      }
      if (Buffer.compare(ea.frame, ec.frame) !== 0) differing++;
    }
    expect(a.setupFrames()).toEqual(b.setupFrames());
    // Nearly every event of seed 8 differs from seed 7's (same step, so only the timestamps agree).
    expect(differing).toBeGreaterThan(49_000);
    expect(a.fairPrice('AAPL')).toBe(b.fairPrice('AAPL'));
    expect(a.fairPrice('AAPL')).not.toBe(c.fairPrice('AAPL'));
  });

  it('setupFrames and fairPrice do not disturb the stream', () => {
    const a = new MarketSimulator({ seed: 3 });
    const b = new MarketSimulator({ seed: 3 });
    for (let i = 0; i < 5_000; i++) {
      if (i % 1000 === 0) {
        b.setupFrames();
        b.fairPrice('BTCUSD');
        b.activeScenarios();
      }
      expect(Buffer.compare(a.next().frame, b.next().frame)).toBe(0);
    }
  });

  it('frames are fresh copies: a later event does not overwrite an earlier frame', () => {
    const sim = new MarketSimulator();
    const first = sim.next();
    const copy = Uint8Array.from(first.frame);
    for (let i = 0; i < 100; i++) sim.next();
    expect(first.frame).toEqual(copy);
    expect(first.frame.byteOffset).toBe(0);
    expect(first.frame.buffer.byteLength).toBe(first.frame.byteLength);
  });
});

describe('the stream', () => {
  const EVENTS = 60_000;
  const sim = new MarketSimulator({ seed: 11 });
  const events = Array.from({ length: EVENTS }, () => sim.next());

  it('every frame decodes, has the advertised type, and carries the event time', () => {
    const seen = new Map<number, number>();
    for (const e of events) {
      const d = decode(e.frame);
      if (!d.ok) expect.fail(`rejected: ${d.reason}`);
      expect(d.type).toBe(e.type);
      seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
      const ts =
        e.type === Body.Order ? (d.body as OrderT).clientTsNs : (d.body as QuoteT | TradeT | CancelT | ReplaceT).tsNs;
      if (ts !== e.tsNs) expect.fail(`frame time ${ts} != event time ${e.tsNs}`);
    }
    expect([...seen.keys()].sort()).toEqual([Body.Quote, Body.Trade, Body.Order, Body.Cancel, Body.Replace].sort());
    // Default shares: 10% order flow, 20% prints, 70% quotes (binomial, 60,000 draws: 5 sd is < 1%).
    const orderFlow = (seen.get(Body.Order)! + seen.get(Body.Cancel)! + seen.get(Body.Replace)!) / EVENTS;
    expect(Math.abs(orderFlow - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(seen.get(Body.Trade)! / EVENTS - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(seen.get(Body.Quote)! / EVENTS - 0.7)).toBeLessThan(0.01);
  });

  it('event time starts at startNs and advances by exactly 1e9 / eventsPerSecond ns per event', () => {
    expect(sim.options.stepNs).toBe(50_000n);
    expect(events[0]!.tsNs).toBe(1_767_623_400_000_000_000n); // 2026-01-05T14:30:00Z
    expect(DEFAULT_START_NS).toBe(BigInt(Date.UTC(2026, 0, 5, 14, 30)) * 1_000_000n);
    for (let i = 1; i < EVENTS; i++) {
      if (events[i]!.tsNs - events[i - 1]!.tsNs !== 50_000n) expect.fail(`step ${i}: ${events[i]!.tsNs - events[i - 1]!.tsNs}`);
    }
  });

  it('quotes: bid < ask, both positive and on the tick grid; sizes in whole lots; volume never falls', () => {
    const volume = new Map<string, bigint>();
    let quotes = 0;
    for (const e of events) {
      if (e.type !== Body.Quote) continue;
      quotes++;
      const q = body<QuoteT>(e.frame);
      const spec = findInstrument(q.symbol as string)!;
      const tick = BigInt(spec.tickSize);
      const lot = BigInt(spec.lotSize);
      expect(spec.exchanges).toContain(q.exchange);
      if (!(q.bid > 0n && q.bid < q.ask)) expect.fail(`${q.symbol}: bid ${q.bid} ask ${q.ask}`);
      if (q.bid % tick !== 0n || q.ask % tick !== 0n || q.last % tick !== 0n || q.last <= 0n) {
        expect.fail(`${q.symbol}: off the ${tick} grid: ${q.bid} ${q.ask} ${q.last}`);
      }
      if (q.bidSize <= 0n || q.bidSize % lot !== 0n || q.askSize <= 0n || q.askSize % lot !== 0n) {
        expect.fail(`${q.symbol}: sizes ${q.bidSize} ${q.askSize} not whole lots of ${lot}`);
      }
      const key = `${q.symbol}@${q.exchange}`;
      if (q.volume < (volume.get(key) ?? 0n)) expect.fail(`${key}: volume fell`);
      volume.set(key, q.volume);
    }
    expect(quotes).toBeGreaterThan(40_000);
    // Every listing quoted: 8 stocks on 3 exchanges, 9 other instruments on one.
    expect(volume.size).toBe(8 * 3 + 9);
  });

  it('trades: positive prices on the grid, whole lots, ids 1, 2, 3, ..., and the quote volume is the sum of the prints', () => {
    const printed = new Map<string, bigint>();
    const quoted = new Map<string, bigint>();
    let nextId = 1n;
    let buys = 0;
    let sells = 0;
    for (const e of events) {
      if (e.type === Body.Trade) {
        const t = body<TradeT>(e.frame);
        const spec = findInstrument(t.symbol as string)!;
        expect(t.tradeId).toBe(nextId++);
        if (t.price <= 0n || t.price % BigInt(spec.tickSize) !== 0n) expect.fail(`${t.symbol}: price ${t.price}`);
        if (t.quantity <= 0n || t.quantity % BigInt(spec.lotSize) !== 0n) expect.fail(`${t.symbol}: quantity ${t.quantity}`);
        if (t.aggressor === Side.BUY) buys++;
        else if (t.aggressor === Side.SELL) sells++;
        else expect.fail(`aggressor ${t.aggressor}`);
        const key = `${t.symbol}@${t.exchange}`;
        printed.set(key, (printed.get(key) ?? 0n) + t.quantity);
      } else if (e.type === Body.Quote) {
        const q = body<QuoteT>(e.frame);
        const key = `${q.symbol}@${q.exchange}`;
        quoted.set(key, q.volume);
        // A quote's volume is the total printed on that listing so far.
        expect(q.volume).toBe(printed.get(key) ?? 0n);
      }
    }
    // Without news or scenarios the aggressor is even odds.
    expect(Math.abs(buys / (buys + sells) - 0.5)).toBeLessThan(0.03);
  });

  it('a "volume above 3x its 20-print average" detector fires now and then, not constantly', () => {
    const recent = new Map<string, number[]>();
    let prints = 0;
    let spikes = 0;
    for (const e of events) {
      if (e.type !== Body.Trade) continue;
      const t = body<TradeT>(e.frame);
      const key = `${t.symbol}@${t.exchange}`;
      const window = recent.get(key) ?? [];
      const q = Number(t.quantity);
      if (window.length === 20) {
        prints++;
        const avg = window.reduce((s, v) => s + v, 0) / 20;
        if (q > 3 * avg) spikes++;
        window.shift();
      }
      window.push(q);
      recent.set(key, window);
    }
    // About 0.2% of prints: block prints (0.15%) and the log-normal's tail.
    expect(spikes / prints).toBeGreaterThan(0.0005);
    expect(spikes / prints).toBeLessThan(0.005);
  });
});

describe('options', () => {
  it('defaults', () => {
    const sim = new MarketSimulator();
    expect(sim.options).toEqual({
      seed: 42,
      traders: 20,
      eventsPerSecond: 20_000,
      orderShare: 0.1,
      tradeShare: 0.2,
      startNs: 1_767_623_400_000_000_000n,
      symbols: UNIVERSE.map((s) => s.symbol),
      newsPerHour: 0.5,
      stepNs: 50_000n,
    });
    expect(sim.instruments()).toEqual(UNIVERSE);
    expect(sim.fairPrice('AAPL')).toBe(175_000_000);
    expect(sim.fairPrice('EURUSD')).toBe(1_085_000);
  });

  it('a bigint or whole-second number startNs, a symbol subset and a coarse step', () => {
    const sim = new MarketSimulator({ startNs: 1_700_000_000_123_456_789n, symbols: ['BTCUSD', 'AAPL'], eventsPerSecond: 3 });
    expect(sim.options.stepNs).toBe(333_333_333n); // 1e9 / 3, rounded to the ns
    expect(sim.instruments().map((s) => s.symbol)).toEqual(['BTCUSD', 'AAPL']);
    const first = sim.next();
    expect(first.tsNs).toBe(1_700_000_000_123_456_789n);
    expect(sim.next().tsNs).toBe(1_700_000_000_456_790_122n);
    expect(new MarketSimulator({ startNs: 1_767_600_000_000_000_000 }).next().tsNs).toBe(1_767_600_000_000_000_000n);
    for (let i = 0; i < 2000; i++) {
      const e = sim.next();
      if (e.type === Body.Quote || e.type === Body.Trade) expect(['BTCUSD', 'AAPL']).toContain(body<QuoteT>(e.frame).symbol);
    }
    expect(() => sim.fairPrice('MSFT')).toThrow(RangeError);
  });

  it('no traders: no order flow and no account policies; the rest of the shares stay as set', () => {
    const sim = new MarketSimulator({ traders: 0, tradeShare: 0.5 });
    expect(sim.setupFrames()).toHaveLength(33);
    let trades = 0;
    for (let i = 0; i < 20_000; i++) {
      const e = sim.next();
      expect([Body.Quote, Body.Trade]).toContain(e.type);
      if (e.type === Body.Trade) trades++;
    }
    expect(Math.abs(trades / 20_000 - 0.5)).toBeLessThan(0.02);
  });

  const bad: [Record<string, unknown>, ErrorConstructor, string][] = [
    [{ seed: 1.5 }, RangeError, 'SimulatorOptions.seed must be an integer in [0, 2^32), got 1.5'],
    [{ seed: -1 }, RangeError, 'SimulatorOptions.seed must be an integer in [0, 2^32), got -1'],
    [{ seed: '42' }, TypeError, 'SimulatorOptions.seed must be a number, got "42"'],
    [{ traders: 1000 }, RangeError, 'SimulatorOptions.traders must be an integer in [0, 999], got 1000'],
    [{ traders: 2.5 }, RangeError, 'SimulatorOptions.traders must be an integer in [0, 999], got 2.5'],
    [{ eventsPerSecond: 0 }, RangeError, 'SimulatorOptions.eventsPerSecond must be'],
    [{ eventsPerSecond: -5 }, RangeError, 'got -5'],
    [{ eventsPerSecond: Infinity }, RangeError, 'got Infinity'],
    [{ eventsPerSecond: 3e9 }, RangeError, 'got 3000000000'],
    [{ eventsPerSecond: NaN }, RangeError, 'got NaN'],
    [{ orderShare: 1.2 }, RangeError, 'SimulatorOptions.orderShare must be a fraction in [0, 1], got 1.2'],
    [{ tradeShare: -0.1 }, RangeError, 'SimulatorOptions.tradeShare must be a fraction in [0, 1], got -0.1'],
    [{ orderShare: 0.6, tradeShare: 0.5 }, RangeError, 'SimulatorOptions.tradeShare must be at most 1 - orderShare (0.4)'],
    [{ startNs: -1 }, RangeError, 'SimulatorOptions.startNs must be a non-negative integer (ns since the epoch), got -1'],
    [{ startNs: 1.5 }, RangeError, 'got 1.5'],
    [{ startNs: 1n << 63n }, RangeError, 'SimulatorOptions.startNs must be within [0, 2^63), got 9223372036854775808n'],
    [{ startNs: '2026-01-05' }, TypeError, 'SimulatorOptions.startNs must be a number or bigint (ns since the epoch), got "2026-01-05"'],
    [{ symbols: 'AAPL' }, TypeError, 'SimulatorOptions.symbols must be an array of symbols, got "AAPL"'],
    [{ symbols: [] }, RangeError, 'SimulatorOptions.symbols must be a non-empty array, got []'],
    [{ symbols: ['AAPL', 'IBM'] }, RangeError, 'got "IBM"'],
    [{ symbols: ['AAPL', 'AAPL'] }, RangeError, 'SimulatorOptions.symbols must be free of duplicates, got "AAPL"'],
    [{ symbols: ['AAPL', 7] }, TypeError, 'SimulatorOptions.symbols must be an array of strings'],
    [{ newsPerHour: -1 }, RangeError, 'SimulatorOptions.newsPerHour must be a finite number >= 0, got -1'],
    [{ sede: 1 }, RangeError, 'SimulatorOptions.sede is not an option'],
  ];
  it.each(bad)('%o is refused, naming the option and the value', (options, kind, message) => {
    expect(() => new MarketSimulator(options as never)).toThrow(kind);
    expect(() => new MarketSimulator(options as never)).toThrow(message);
  });

  it('options must be an object', () => {
    expect(() => new MarketSimulator(5 as never)).toThrow(new TypeError('SimulatorOptions must be an object, got 5'));
  });
});

describe('setup frames', () => {
  it('Instrument frames (one per listing) come first, then the AccountPolicy frames', () => {
    const frames = new MarketSimulator().setupFrames();
    expect(frames).toHaveLength(33 + 20);
    const types = frames.map((f) => {
      const d = decode(f);
      return d.ok ? d.type : -1;
    });
    expect(types).toEqual([...Array<number>(33).fill(Body.Instrument), ...Array<number>(20).fill(Body.AccountPolicy)]);
  });
});

describe('order flow', () => {
  it('orders carry no self-trade prevention and a limit price only when they have one', () => {
    const sim = new MarketSimulator({ seed: 5, orderShare: 0.5 });
    for (let i = 0; i < 20_000; i++) {
      const e = sim.next();
      if (e.type !== Body.Order) continue;
      const o = body<OrderT>(e.frame);
      expect(o.stp).toBe(SelfTradePrevention.NONE);
      if (o.type === OrderType.MARKET) expect(o.price).toBe(0n);
      else expect(o.price).toBeGreaterThan(0n);
      expect(o.quantity).toBeGreaterThan(0n);
    }
  });
});
