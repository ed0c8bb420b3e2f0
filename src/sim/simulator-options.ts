// The market simulator's options: defaults and validation. Every bad option is refused with an error
// that names the option and the value (TypeError for a wrong type, RangeError for a bad value), since
// a simulator that silently runs with a typo in its configuration produces plausible nonsense.
import { UNIVERSE } from './instruments.js';
import { MAX_TRADERS } from './traders.js';

export interface SimulatorOptions {
  /** Seed of every random draw, an integer in [0, 2^32). Default 42. */
  seed?: number;
  /** Simulated traders, 0 to 999. Default 20. */
  traders?: number;
  /** Events per simulated second: event time advances 1e9 / eventsPerSecond ns (rounded) per event. Default 20,000. */
  eventsPerSecond?: number;
  /** Fraction of events that are orders, cancels and replaces (none when there are no traders). Default 0.1. */
  orderShare?: number;
  /** Fraction of events that are Trade prints; the rest are Quotes. Default 0.2. */
  tradeShare?: number;
  /**
   * Event time of the first event, ns since the Unix epoch. Default 2026-01-05T14:30:00Z, the New York
   * open. A number above 2^53 is taken at its exact double value; pass a bigint for any other ns.
   */
  startNs?: number | bigint;
  /** The simulated symbols, a subset of the universe in any order. Default: the whole universe. */
  symbols?: readonly string[];
  /** Mean news shocks per symbol per simulated hour; 0 turns them off. Default 0.5. */
  newsPerHour?: number;
}

export interface ResolvedSimulatorOptions {
  readonly seed: number;
  readonly traders: number;
  readonly eventsPerSecond: number;
  readonly orderShare: number;
  readonly tradeShare: number;
  readonly startNs: bigint;
  readonly symbols: readonly string[];
  readonly newsPerHour: number;
  /** Event-time step between consecutive events, ns. */
  readonly stepNs: bigint;
}

export const DEFAULT_START_NS = 1_767_623_400_000_000_000n; // 2026-01-05T14:30:00Z
const MAX_INT64 = (1n << 63n) - 1n;
const KNOWN = new Set(['seed', 'traders', 'eventsPerSecond', 'orderShare', 'tradeShare', 'startNs', 'symbols', 'newsPerHour']);

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

function typeError(option: string, expected: string, value: unknown): TypeError {
  return new TypeError(`SimulatorOptions.${option} must be ${expected}, got ${show(value)}`);
}

function rangeError(option: string, expected: string, value: unknown): RangeError {
  return new RangeError(`SimulatorOptions.${option} must be ${expected}, got ${show(value)}`);
}

function numberOption(options: SimulatorOptions, option: keyof SimulatorOptions, fallback: number): number {
  const value: unknown = options[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(option, 'a number', value);
  return value;
}

function fraction(options: SimulatorOptions, option: 'orderShare' | 'tradeShare', fallback: number): number {
  const value = numberOption(options, option, fallback);
  if (!(value >= 0 && value <= 1)) throw rangeError(option, 'a fraction in [0, 1]', value);
  return value;
}

export function resolveSimulatorOptions(options: SimulatorOptions | undefined): ResolvedSimulatorOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`SimulatorOptions must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new RangeError(`SimulatorOptions.${key} is not an option; options: ${[...KNOWN].join(', ')}`);
  }

  const seed = numberOption(options, 'seed', 42);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw rangeError('seed', 'an integer in [0, 2^32)', seed);

  const traders = numberOption(options, 'traders', 20);
  if (!Number.isInteger(traders) || traders < 0 || traders > MAX_TRADERS) {
    throw rangeError('traders', `an integer in [0, ${MAX_TRADERS}]`, traders);
  }

  const eventsPerSecond = numberOption(options, 'eventsPerSecond', 20_000);
  const step = 1e9 / eventsPerSecond;
  if (!(eventsPerSecond > 0) || !Number.isFinite(eventsPerSecond) || !(Math.round(step) >= 1) || !Number.isSafeInteger(Math.round(step))) {
    throw rangeError('eventsPerSecond', 'a finite number > 0 whose step 1e9 / eventsPerSecond rounds to 1 ns .. 2^53 ns', eventsPerSecond);
  }

  const orderShare = fraction(options, 'orderShare', 0.1);
  const tradeShare = fraction(options, 'tradeShare', 0.2);
  if (orderShare + tradeShare > 1) {
    throw rangeError('tradeShare', `at most 1 - orderShare (${1 - orderShare}) so that the shares sum to 1 or less`, tradeShare);
  }

  let startNs = DEFAULT_START_NS;
  const start: unknown = options.startNs;
  if (start !== undefined) {
    if (typeof start === 'number') {
      if (!Number.isInteger(start) || start < 0) throw rangeError('startNs', 'a non-negative integer (ns since the epoch)', start);
      startNs = BigInt(start);
    } else if (typeof start === 'bigint') {
      startNs = start;
    } else {
      throw typeError('startNs', 'a number or bigint (ns since the epoch)', start);
    }
    if (startNs < 0n || startNs > MAX_INT64) throw rangeError('startNs', 'within [0, 2^63)', start);
  }

  let symbols: readonly string[] = UNIVERSE.map((spec) => spec.symbol);
  const chosen: unknown = options.symbols;
  if (chosen !== undefined) {
    if (!Array.isArray(chosen)) throw typeError('symbols', 'an array of symbols', chosen);
    if (chosen.length === 0) throw rangeError('symbols', 'a non-empty array', chosen);
    const seen = new Set<string>();
    for (const symbol of chosen as unknown[]) {
      if (typeof symbol !== 'string') throw typeError('symbols', 'an array of strings', chosen);
      if (!symbols.includes(symbol)) throw rangeError('symbols', `symbols of the universe (${symbols.join(', ')})`, symbol);
      if (seen.has(symbol)) throw rangeError('symbols', 'free of duplicates', symbol);
      seen.add(symbol);
    }
    symbols = [...(chosen as string[])];
  }

  const newsPerHour = numberOption(options, 'newsPerHour', 0.5);
  if (!(newsPerHour >= 0) || !Number.isFinite(newsPerHour)) throw rangeError('newsPerHour', 'a finite number >= 0', newsPerHour);

  return {
    seed,
    traders,
    eventsPerSecond,
    orderShare,
    tradeShare,
    startNs,
    symbols,
    newsPerHour,
    stepNs: BigInt(Math.round(step)),
  };
}
