// The pipeline's thresholds and capacities, with the seed demo's defaults, and their validation: a
// bad value is refused with a message naming the option (`riskMonitor.positionLimit must be ...`).
// Money is given in currency units (1_000_000 means one million USD) and held in wire ticks.
import { toTicks } from '../wire/codec.js';

export interface PipelineConfig {
  priceMovement: {
    /** Alert when the price moved more than this from the window's first price (500 bp = 5%). */
    thresholdBp: number;
    /** The reference window, event time, tumbling. */
    windowMs: number;
  };
  volumeSpike: {
    /** Alert when a print's volume is above this multiple of the average of the last `periods` prints (30000 bp = 3x). */
    multiplierBp: number;
    /** Above this multiple the alert is EXTREME (50000 bp = 5x). */
    extremeBp: number;
    periods: number;
  };
  riskMonitor: {
    /** Position limit per trader and symbol, as |quantity x mark| in ticks (seed: 1,000,000 USD). */
    positionLimit: bigint;
    /** Warn above this share of a limit (8000 bp = 80%). */
    warnAtBp: number;
    /** Daily loss limit in ticks for accounts whose policy sets none. */
    dailyLossLimit: bigint;
    /** On a daily loss breach: set the account to KILL and cancel its open orders. */
    killSwitch: boolean;
    /** Mark open positions to market this often while idle (0: only on the account's own events). */
    markIntervalMs: number;
  };
  orderImbalance: {
    /** Alert when one side's share of the window's volume is above this (7000 bp = 70%). */
    shareBp: number;
    windowMs: number;
    /** Windows with less volume (buy + sell) are not judged. */
    minVolume: bigint;
    /** Bounded out-of-orderness of trade prints, and how long a closed window still takes late prints. */
    delayMs: number;
    latenessMs: number;
    /** An idle worker's watermark advances with the clock after this long without prints (0: never). */
    idleMs: number;
  };
  arbitrage: {
    /** Alert when one exchange's bid is above another's ask by more than this (10 bp). */
    minSpreadBp: number;
    /** ... and both sides show at least this size. */
    minSize: bigint;
    /** Quotes older than this (event time) than the newest quote of the symbol are not used. */
    maxQuoteAgeMs: number;
  };
  engine: {
    /** Order book capacity per worker. */
    maxOrders: number;
    levelsPerSide: number;
    maxSymbols: number;
    maxAccounts: number;
    /** Finished orders remembered per worker, to recognise their repeated exec reports. */
    rememberDoneOrders: number;
    /**
     * Ids of the orders the books took, remembered per worker (0: none), so an order routed to its
     * book twice is booked once: across processes (`run --stage-topic`), a restarted account stage
     * routes again the orders taken after its last commit.
     */
    rememberRoutedOrders: number;
  };
}

type Input = { [K in keyof PipelineConfig]?: { [F in keyof PipelineConfig[K]]?: unknown } };

export const DEFAULT_CONFIG: PipelineConfig = {
  priceMovement: { thresholdBp: 500, windowMs: 60_000 },
  volumeSpike: { multiplierBp: 30_000, extremeBp: 50_000, periods: 20 },
  riskMonitor: { positionLimit: toTicks(1_000_000), warnAtBp: 8_000, dailyLossLimit: toTicks(50_000), killSwitch: true, markIntervalMs: 250 },
  orderImbalance: { shareBp: 7_000, windowMs: 60_000, minVolume: 10_000n, delayMs: 2_000, latenessMs: 5_000, idleMs: 2_000 },
  arbitrage: { minSpreadBp: 10, minSize: 100n, maxQuoteAgeMs: 1_000 },
  engine: { maxOrders: 65_536, levelsPerSide: 1_024, maxSymbols: 64, maxAccounts: 1_024, rememberDoneOrders: 100_000, rememberRoutedOrders: 0 },
};

const MONEY = new Set(['riskMonitor.positionLimit', 'riskMonitor.dailyLossLimit']);
const QUANTITY = new Set(['orderImbalance.minVolume', 'arbitrage.minSize']);
const BOOLEAN = new Set(['riskMonitor.killSwitch']);
/** Upper bounds (inclusive); every other integer option is at most 2^31 - 1. */
const MAX: Record<string, number> = {
  'riskMonitor.warnAtBp': 10_000,
  'orderImbalance.shareBp': 9_999,
  'volumeSpike.periods': 10_000,
  'engine.maxOrders': 1_000_000,
  'engine.levelsPerSide': 100_000,
  'engine.maxSymbols': 4_096,
  'engine.maxAccounts': 100_000,
};
/** Options that may be zero. */
const ZERO_OK = new Set(['engine.rememberRoutedOrders', 'riskMonitor.markIntervalMs', 'orderImbalance.delayMs', 'orderImbalance.latenessMs', 'orderImbalance.idleMs', 'arbitrage.minSpreadBp', 'arbitrage.minSize', 'orderImbalance.minVolume']);

/** Fills in defaults and checks every value; throws a RangeError or TypeError naming the option. */
export function resolvePipelineConfig(input: unknown = {}): PipelineConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('pipeline config must be an object');
  const given = input as Input;
  const out = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(given)) {
    const defaults = out[section];
    if (!defaults) throw new RangeError(`unknown config section "${section}" (known: ${Object.keys(DEFAULT_CONFIG).join(', ')})`);
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new TypeError(`${section} must be an object`);
    for (const [name, value] of Object.entries(fields)) {
      const path = `${section}.${name}`;
      if (!(name in defaults)) throw new RangeError(`unknown option ${path} (known: ${Object.keys(defaults).map((k) => `${section}.${k}`).join(', ')})`);
      defaults[name] = checkValue(path, value);
    }
  }
  const cfg = out as unknown as PipelineConfig;
  if (cfg.volumeSpike.extremeBp < cfg.volumeSpike.multiplierBp) {
    throw new RangeError(`volumeSpike.extremeBp (${cfg.volumeSpike.extremeBp}) must be at least volumeSpike.multiplierBp (${cfg.volumeSpike.multiplierBp})`);
  }
  return cfg;
}

function checkValue(path: string, value: unknown): unknown {
  if (BOOLEAN.has(path)) {
    if (typeof value !== 'boolean') throw new TypeError(`${path} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  const money = MONEY.has(path);
  const min = ZERO_OK.has(path) ? 0 : money ? 0.000001 : 1;
  const max = MAX[path] ?? (money ? 9e9 : 2 ** 31 - 1);
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (money || Number.isInteger(value));
  if (!ok) {
    const what = money ? 'an amount' : 'an integer';
    throw new RangeError(`${path} must be ${what} from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  if (money) return toTicks(value as number);
  if (QUANTITY.has(path)) return BigInt(value as number);
  return value;
}
