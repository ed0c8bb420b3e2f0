// The trading pipeline's jobs as the runtime loads them: the trade engine (with the risk monitor)
// and the four market-data jobs of the seed demo, each given the pipeline config.
import { distFile } from '../package-root.js';
import type { JobSpec } from '../runtime/job.js';
import { resolvePipelineConfig } from './config.js';

export const TRADING_JOBS = ['trade-engine', 'price-movement', 'volume-spike', 'order-imbalance', 'arbitrage'] as const;
export type TradingJobName = (typeof TRADING_JOBS)[number];

/** Job specs for startRuntime({ jobs }): every trading job (or those named), with the checked config. */
export function tradingJobs(config: unknown = {}, names: readonly TradingJobName[] = TRADING_JOBS): JobSpec[] {
  const options = resolvePipelineConfig(config);
  return names.map((name) => {
    if (!TRADING_JOBS.includes(name)) throw new RangeError(`unknown job "${name}" (known: ${TRADING_JOBS.join(', ')})`);
    return { module: distFile(`src/jobs/${name}.js`), options: configInput(options) };
  });
}

/** The config back in its input form (workers check it again): money in currency units. */
function configInput(cfg: ReturnType<typeof resolvePipelineConfig>): unknown {
  const money = (t: bigint): number => Number(t) / 1_000_000;
  return {
    ...cfg,
    riskMonitor: { ...cfg.riskMonitor, positionLimit: money(cfg.riskMonitor.positionLimit), dailyLossLimit: money(cfg.riskMonitor.dailyLossLimit) },
    orderImbalance: { ...cfg.orderImbalance, minVolume: Number(cfg.orderImbalance.minVolume) },
    arbitrage: { ...cfg.arbitrage, minSize: Number(cfg.arbitrage.minSize) },
  };
}
