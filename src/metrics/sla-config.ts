// The config file of `tickwave sla`: the load (open-loop phases of orders per second), the runtime's
// shape, the pipeline's job thresholds, the latency targets and the regression tolerance. A bad value
// is refused with a message naming it (its path in the file).
import { resolvePipelineConfig } from '../jobs/config.js';
import { STAGES, type Stage } from '../runtime/stage-timing.js';

export interface SlaPhase {
  /** Orders per second, sent open loop (one quote per four orders, a cancel per four, alongside). */
  rate: number;
  seconds: number;
}

export interface SlaTarget {
  stage: Stage;
  /** 0 < percentile <= 100 (100: the maximum). */
  percentile: number;
  /** The latency at that percentile must not exceed this, in microseconds. */
  maxUs: number;
}

export interface SlaRegression {
  /** A percentile is a regression when it exceeds the baseline's by more than this fraction. */
  tolerance: number;
  /** ...and by more than this many microseconds (differences below it are noise). */
  minDeltaUs: number;
  /** The percentiles compared, in every stage both reports have. */
  percentiles: number[];
}

export interface SlaConfig {
  name: string;
  workers: number;
  partitions: number;
  seed: number;
  /** Orders sent before the recorded phases, as fast as the runtime takes them, recorded nowhere. */
  warmupOrders: number;
  phases: SlaPhase[];
  targets: SlaTarget[];
  regression: SlaRegression;
  /** Job thresholds, as `tickwave run --config` takes them. */
  pipeline: unknown;
}

/** Orders one run may send in all (its frames are built before it starts). */
export const MAX_ORDERS = 2_000_000;

export class SlaConfigError extends Error {}

const KEYS = ['name', 'workers', 'partitions', 'seed', 'warmupOrders', 'phases', 'targets', 'regression', 'pipeline'];

type Check = (v: number) => boolean;
const isInt: Check = (v) => Number.isInteger(v);

function num(obj: Record<string, unknown>, key: string, path: string, fallback: number | undefined, ok: Check, what: string): number {
  const v = obj[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new SlaConfigError(`${path}${key} must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

function record(v: unknown, path: string, keys: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SlaConfigError(`${path || 'the config'} must be an object, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new SlaConfigError(`${path}${k} is not an option (known: ${keys.join(', ')})`);
  return v as Record<string, unknown>;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v) || v.length === 0) throw new SlaConfigError(`${path} must be a non-empty array, got ${JSON.stringify(v)}`);
  return v;
}

const isPercentile: Check = (v) => v > 0 && v <= 100;

/** Checks a parsed config file and fills in defaults. */
export function resolveSlaConfig(input: unknown): SlaConfig {
  const c = record(input, '', KEYS);
  const phases = list(c.phases, 'phases').map((p, i): SlaPhase => {
    const o = record(p, `phases[${i}].`, ['rate', 'seconds']);
    return {
      rate: num(o, 'rate', `phases[${i}].`, undefined, (v) => v > 0 && v <= 1_000_000, 'orders per second above 0 (at most 1,000,000)'),
      seconds: num(o, 'seconds', `phases[${i}].`, undefined, (v) => v > 0 && v <= 3_600, 'seconds above 0 (at most 3600)'),
    };
  });
  const orders = phases.reduce((n, p) => n + Math.round(p.rate * p.seconds), 0);
  if (orders > MAX_ORDERS) throw new SlaConfigError(`phases: rate x seconds add up to ${orders.toLocaleString('en-US')} orders; one run sends at most ${MAX_ORDERS.toLocaleString('en-US')}`);
  const targets = (c.targets === undefined ? [] : list(c.targets, 'targets')).map((t, i): SlaTarget => {
    const o = record(t, `targets[${i}].`, ['stage', 'percentile', 'maxUs']);
    if (!(STAGES as readonly unknown[]).includes(o.stage)) throw new SlaConfigError(`targets[${i}].stage must be one of ${STAGES.join(', ')}, got ${JSON.stringify(o.stage)}`);
    return {
      stage: o.stage as Stage,
      percentile: num(o, 'percentile', `targets[${i}].`, undefined, isPercentile, 'a percentile above 0 and at most 100'),
      maxUs: num(o, 'maxUs', `targets[${i}].`, undefined, (v) => v > 0, 'microseconds above 0'),
    };
  });
  const r = record(c.regression ?? {}, 'regression.', ['tolerance', 'minDeltaUs', 'percentiles']);
  const regression: SlaRegression = {
    tolerance: num(r, 'tolerance', 'regression.', 0.1, (v) => v >= 0, 'a fraction of at least 0 (0.1: 10 % slower)'),
    minDeltaUs: num(r, 'minDeltaUs', 'regression.', 1, (v) => v >= 0, 'microseconds of at least 0'),
    percentiles: r.percentiles === undefined
      ? [50, 99, 99.9]
      : list(r.percentiles, 'regression.percentiles').map((p, i) => {
        if (typeof p !== 'number' || !isPercentile(p)) throw new SlaConfigError(`regression.percentiles[${i}] must be a percentile above 0 and at most 100, got ${JSON.stringify(p)}`);
        return p;
      }),
  };
  const workers = num(c, 'workers', '', 1, (v) => isInt(v) && v >= 1 && v <= 64, 'an integer from 1 to 64');
  const pipeline = c.pipeline ?? { riskMonitor: { markIntervalMs: 0 } };
  try {
    resolvePipelineConfig(pipeline);
  } catch (e) {
    throw new SlaConfigError(`pipeline: ${(e as Error).message}`);
  }
  if (c.name !== undefined && typeof c.name !== 'string') throw new SlaConfigError(`name must be a string, got ${JSON.stringify(c.name)}`);
  return {
    name: (c.name as string | undefined) ?? 'tickwave SLA',
    workers,
    partitions: num(c, 'partitions', '', workers * 4, (v) => isInt(v) && v >= 1 && v <= 65_535, 'an integer from 1 to 65535'),
    seed: num(c, 'seed', '', 1, (v) => isInt(v) && v >= 0 && v < 2 ** 32, 'an integer from 0 to 2^32 - 1'),
    warmupOrders: num(c, 'warmupOrders', '', 10_000, (v) => isInt(v) && v >= 0 && v <= 200_000, 'an integer from 0 to 200,000'),
    phases,
    targets,
    regression,
    pipeline,
  };
}
