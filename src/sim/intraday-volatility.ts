// The intraday volatility pattern, as a variance clock: how many days' worth of variance have
// elapsed at a given moment. Equities move hardest after the 09:30 open and before the 16:00 close
// (a U-shape) and barely at all outside the session; FX, commodities and crypto run flat around the
// clock. Price paths take each step's variance from the clock's advance, so a step of 10 ms and a
// step of a whole day both get the right amount.
import { AssetClass } from '../wire/generated/index.js';

export const NS_PER_DAY = 86_400_000_000_000;
const NS_PER_MINUTE = 60_000_000_000;
const MINUTES_PER_DAY = 1440;

// The New York session in UTC, winter time: daylight saving is not modelled.
const OPEN_MINUTE = 14 * 60 + 30;
const CLOSE_MINUTE = 21 * 60;
// Relative variance outside the session (pre- and after-market trading is thin).
const OFF_SESSION = 0.05;

/** Relative variance density of equities in a minute of the day (before normalizing). */
function equityDensity(minute: number): number {
  if (minute < OPEN_MINUTE || minute >= CLOSE_MINUTE) return OFF_SESSION;
  const x = (minute + 0.5 - OPEN_MINUTE) / (CLOSE_MINUTE - OPEN_MINUTE); // 0 at the open, 1 at the close
  const fromMiddle = 2 * x - 1;
  return 0.5 + 1.5 * fromMiddle * fromMiddle; // 2.0 at the open and close, 0.5 at midday
}

export class VarianceClock {
  // cumulative[m]: fraction of a day's variance elapsed at the start of minute m; cumulative[1440] = 1.
  private readonly cumulative = new Float64Array(MINUTES_PER_DAY + 1);
  // density[m] relative to the day's mean: 1 everywhere for a flat clock.
  private readonly relative = new Float64Array(MINUTES_PER_DAY);

  constructor(density: (minute: number) => number) {
    let total = 0;
    for (let m = 0; m < MINUTES_PER_DAY; m++) total += density(m);
    let sum = 0;
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const d = density(m);
      this.relative[m] = (d * MINUTES_PER_DAY) / total;
      this.cumulative[m] = sum / total;
      sum += d;
    }
    this.cumulative[MINUTES_PER_DAY] = 1;
  }

  /** Variance time, in days, elapsed from midnight UTC of day 0 to `nsSinceMidnight` (< 2^53). */
  at(nsSinceMidnight: number): number {
    const day = Math.floor(nsSinceMidnight / NS_PER_DAY);
    const minutes = (nsSinceMidnight - day * NS_PER_DAY) / NS_PER_MINUTE;
    const m = Math.floor(minutes);
    const from = this.cumulative[m]!;
    return day + from + (this.cumulative[m + 1]! - from) * (minutes - m);
  }

  /** Variance density at that moment relative to the day's mean (1 for a flat clock). */
  intensity(nsSinceMidnight: number): number {
    const ofDay = nsSinceMidnight - Math.floor(nsSinceMidnight / NS_PER_DAY) * NS_PER_DAY;
    return this.relative[Math.floor(ofDay / NS_PER_MINUTE)]!;
  }
}

export const EQUITY_SESSION = new VarianceClock(equityDensity);
export const ROUND_THE_CLOCK = new VarianceClock(() => 1);

/** The clock an asset class trades on. */
export function varianceClockFor(assetClass: AssetClass): VarianceClock {
  return assetClass === AssetClass.EQUITY ? EQUITY_SESSION : ROUND_THE_CLOCK;
}
