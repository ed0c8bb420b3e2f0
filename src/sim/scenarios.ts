// Market scenarios that a demo or a test sets off by name at the current simulated time:
// - 'crash': an asset class's market factor (equities' unless a symbol names another class) falls 8%
//   over 10 s, with volume x4, 85% of prints sell-initiated and spreads doubled;
// - 'spike': one symbol rises 7% within 3 s, with volume x6 and buyers dominating for 10 s;
// - 'arbitrage': one symbol's quotes on its second exchange sit 25 bp above the others for 5 s.
import { AssetClass, type Exchange } from '../wire/generated/index.js';
import type { InstrumentSpec } from './instruments.js';
import type { Listing, Venues } from './exchanges.js';

export const SCENARIO_NAMES = ['crash', 'spike', 'arbitrage'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const CRASH = { fall: 0.08, moveNs: 10e9, durationNs: 10e9, volumeBoost: 4, sellShare: 0.85, spreadWiden: 2 } as const;
export const SPIKE = { rise: 0.07, moveNs: 3e9, durationNs: 10e9, volumeBoost: 6, sellShare: 0.2 } as const;
export const ARBITRAGE = { offsetBp: 25, durationNs: 5e9 } as const;

/** Parses a scenario name; anything else is a RangeError that lists the valid names. */
export function scenarioName(name: unknown): ScenarioName {
  if (typeof name === 'string' && (SCENARIO_NAMES as readonly string[]).includes(name)) return name as ScenarioName;
  throw new RangeError(`unknown scenario ${JSON.stringify(name)}; valid scenarios: ${SCENARIO_NAMES.join(', ')}`);
}

/** What a scenario does while it runs; times are ns elapsed since the simulator's first event. */
export interface ScenarioEffects {
  /** Total log move, applied along a smoothstep over `moveNs`. */
  readonly logMove: number;
  readonly moveNs: number;
  /** Trade sizes of the targets are multiplied by this. */
  readonly volumeBoost: number;
  /** Probability that a print of a target is sell-initiated (NaN: unchanged). */
  readonly sellShare: number;
  /** Spread multiplier of the targets' quotes (a whole number). */
  readonly spreadWiden: number;
  /** Offset of `listing`'s quotes, bp. */
  readonly offsetBp: number;
}

export class Scenario {
  // Fraction of the move already applied to prices.
  private applied = 0;

  constructor(
    readonly name: ScenarioName,
    readonly startNs: number,
    readonly endNs: number,
    readonly effects: ScenarioEffects,
    /** Instruments whose flow (volume, aggressor side, spreads) the scenario changes. */
    readonly targets: readonly number[],
    /** crash: the asset class whose market factor moves; otherwise null. */
    readonly assetClass: AssetClass | null,
    /** spike and arbitrage: the instrument; crash: -1. */
    readonly instrument: number,
    /** arbitrage: the offset venue; otherwise null. */
    readonly listing: Listing | null,
  ) {}

  /** The part of the log move due between the previous call and `nowNs`. */
  moveDue(nowNs: number): number {
    const { logMove, moveNs } = this.effects;
    if (logMove === 0) return 0;
    const x = Math.min(1, Math.max(0, (nowNs - this.startNs) / moveNs));
    // Smoothstep: the move starts and ends gently, fastest in its middle.
    const reached = x * x * (3 - 2 * x);
    const due = (reached - this.applied) * logMove;
    this.applied = reached;
    return due;
  }

  isActive(nowNs: number): boolean {
    return nowNs >= this.startNs && nowNs < this.endNs;
  }

  get exchange(): Exchange | null {
    return this.listing === null ? null : this.listing.exchange;
  }
}

/**
 * Plans a scenario starting at `startNs`. `symbol` picks the target: for 'crash' the asset class
 * (default equities), for 'spike' the symbol (default the universe's first), for 'arbitrage' the
 * symbol (default the first quoted on two or more exchanges), whose second exchange is offset.
 */
export function planScenario(
  name: ScenarioName,
  symbol: string | undefined,
  startNs: number,
  instruments: readonly InstrumentSpec[],
  venues: Venues,
): Scenario {
  let index = -1;
  if (symbol !== undefined) {
    index = instruments.findIndex((spec) => spec.symbol === symbol);
    if (index < 0) {
      const known = instruments.map((spec) => spec.symbol).join(', ');
      throw new RangeError(`scenario '${name}': unknown symbol ${JSON.stringify(symbol)}; simulated symbols: ${known}`);
    }
  }
  switch (name) {
    case 'crash': {
      const assetClass = index >= 0 ? instruments[index]!.assetClass : AssetClass.EQUITY;
      const targets = instruments.flatMap((spec, i) => (spec.assetClass === assetClass ? [i] : []));
      if (targets.length === 0) {
        throw new RangeError(`scenario 'crash': no equities are simulated; name a symbol to crash its asset class`);
      }
      const effects = {
        logMove: Math.log(1 - CRASH.fall),
        moveNs: CRASH.moveNs,
        volumeBoost: CRASH.volumeBoost,
        sellShare: CRASH.sellShare,
        spreadWiden: CRASH.spreadWiden,
        offsetBp: 0,
      };
      return new Scenario(name, startNs, startNs + CRASH.durationNs, effects, targets, assetClass, -1, null);
    }
    case 'spike': {
      const i = index >= 0 ? index : 0;
      const effects = {
        logMove: Math.log(1 + SPIKE.rise),
        moveNs: SPIKE.moveNs,
        volumeBoost: SPIKE.volumeBoost,
        sellShare: SPIKE.sellShare,
        spreadWiden: 1,
        offsetBp: 0,
      };
      return new Scenario(name, startNs, startNs + SPIKE.durationNs, effects, [i], null, i, null);
    }
    case 'arbitrage': {
      const i = index >= 0 ? index : venues.bySymbol.findIndex((own) => own.length > 1);
      if (i < 0) throw new RangeError(`scenario 'arbitrage': no simulated symbol is quoted on two or more exchanges`);
      const own = venues.bySymbol[i]!;
      if (own.length < 2) {
        throw new RangeError(`scenario 'arbitrage': ${instruments[i]!.symbol} is quoted on one exchange only`);
      }
      const effects = { logMove: 0, moveNs: 1, volumeBoost: 1, sellShare: NaN, spreadWiden: 1, offsetBp: ARBITRAGE.offsetBp };
      return new Scenario(name, startNs, startNs + ARBITRAGE.durationNs, effects, [i], null, i, own[1]!);
    }
  }
}
