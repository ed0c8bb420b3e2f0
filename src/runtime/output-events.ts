// The runtime's outputs as typed events (risk decisions, exec reports, alerts, positions, P&L,
// portfolios, dead letters from jobs), decoded on the main thread only for the kinds someone listens
// to, and the latency of each output from the input that caused it, in HDR histograms.
//
// Thread-safety: main thread only, like the Runtime that owns it.
import { WireBuffer } from '../wire/wire-buffer.js';
import {
  ArbitrageAlertT, Body, DeadLetterT, Envelope, ExecReportT, OrderImbalanceAlertT, PnLT, PortfolioT, PositionT, PriceAlertT, RiskAlertT,
  RiskDecisionT, VolumeSpikeAlertT,
} from '../wire/generated/index.js';
import { latencyHistogram, type LatencyHistogram } from '../metrics/histogram.js';
import { REPLAY_ORIGIN } from './source.js';

export type Alert = PriceAlertT | VolumeSpikeAlertT | RiskAlertT | OrderImbalanceAlertT | ArbitrageAlertT;
export type AlertKind = 'PriceAlert' | 'VolumeSpikeAlert' | 'RiskAlert' | 'OrderImbalanceAlert' | 'ArbitrageAlert';

export interface RuntimeEvents {
  riskDecision: RiskDecisionT;
  execReport: ExecReportT;
  alert: { kind: AlertKind; alert: Alert };
  position: PositionT;
  pnl: PnLT;
  portfolio: PortfolioT;
  /** A frame a job refused (the ingress verifier's rejections go to onDeadLetter). */
  deadLetter: DeadLetterT;
}
export type RuntimeEventName = keyof RuntimeEvents;

const EVENT_OF: Partial<Record<Body, RuntimeEventName>> = {
  [Body.RiskDecision]: 'riskDecision',
  [Body.ExecReport]: 'execReport',
  [Body.PriceAlert]: 'alert',
  [Body.VolumeSpikeAlert]: 'alert',
  [Body.RiskAlert]: 'alert',
  [Body.OrderImbalanceAlert]: 'alert',
  [Body.ArbitrageAlert]: 'alert',
  [Body.Position]: 'position',
  [Body.PnL]: 'pnl',
  [Body.Portfolio]: 'portfolio',
  [Body.DeadLetter]: 'deadLetter',
};

/** Latency stages the runtime measures on its outputs, from the cause's ingress (or planned send time). */
export type OutputStage = 'risk_decision' | 'exec_report' | 'alert';
const STAGE_OF: Partial<Record<Body, OutputStage>> = {
  [Body.RiskDecision]: 'risk_decision',
  [Body.ExecReport]: 'exec_report',
  [Body.PriceAlert]: 'alert',
  [Body.VolumeSpikeAlert]: 'alert',
  [Body.RiskAlert]: 'alert',
  [Body.OrderImbalanceAlert]: 'alert',
  [Body.ArbitrageAlert]: 'alert',
};

export class OutputEvents {
  private readonly handlers = new Map<RuntimeEventName, ((e: never) => void)[]>();
  readonly histograms: Record<OutputStage, LatencyHistogram> = {
    risk_decision: latencyHistogram(),
    exec_report: latencyHistogram(),
    alert: latencyHistogram(),
  };
  /** Outputs counted by message type (the Body tag, 0..255). */
  private readonly countByType = new Float64Array(256);

  on<K extends RuntimeEventName>(name: K, handler: (e: RuntimeEvents[K]) => void): void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as (e: never) => void);
    this.handlers.set(name, list);
  }

  /** Outputs so far by message type name (types with none left out). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let t = 0; t < 256; t++) if (this.countByType[t]! > 0) out[Body[t] ?? `type ${t}`] = this.countByType[t]!;
    return out;
  }

  /** One output frame: count it, time it from its cause, and hand it to listeners of its kind. */
  deliver(view: DataView, at: number, length: number, msgType: number, originNs: number, nowNs: number, onError: (e: unknown) => void): void {
    const stage = STAGE_OF[msgType as Body];
    if (stage !== undefined && originNs > REPLAY_ORIGIN && nowNs >= originNs) this.histograms[stage].recordValue(Math.round(nowNs - originNs));
    this.countByType[msgType & 255]!++;
    const event = EVENT_OF[msgType as Body];
    if (event === undefined) return;
    const list = this.handlers.get(event);
    if (!list) return;
    const name = Body[msgType]!;
    const bytes = new Uint8Array(view.buffer, view.byteOffset + at, length).slice();
    const body = Envelope.getRootAsEnvelope(new WireBuffer(bytes)).unpack().body;
    const payload = event === 'alert' ? { kind: name as AlertKind, alert: body as Alert } : body;
    for (const h of list) {
      try {
        h(payload as never);
      } catch (e) {
        onError(e);
      }
    }
  }
}
