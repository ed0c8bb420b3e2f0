// Latency histograms to and from HdrHistogram's interchange forms, so recordings from worker threads,
// runs and processes merge: one histogram as compressed base64 (what a .hlog interval line and an SLA
// report's JSON carry), and a histogram log (.hlog, one tagged interval line per stage) that
// HdrHistogram's own tools (HistogramLogProcessor, the plotters) read too.
import * as hdr from 'hdr-histogram-js';
import { latencyHistogram, type LatencyHistogram } from './histogram.js';

export const encodeHistogram = (h: LatencyHistogram): string => hdr.encodeIntoCompressedBase64(h);

/** A histogram from its compressed base64 form, in tickwave's latency configuration. */
export function decodeHistogram(base64: string): LatencyHistogram {
  let decoded: hdr.Histogram;
  try {
    decoded = hdr.decodeFromCompressedBase64(base64, 32, false);
  } catch (e) {
    throw new RangeError(`not a compressed base64 HdrHistogram: ${(e as Error).message}`);
  }
  const h = latencyHistogram();
  h.add(decoded);
  return h;
}

/** A fresh histogram holding every value of `parts`. */
export function mergeHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const h = latencyHistogram();
  for (const p of parts) h.add(p);
  return h;
}

export interface LogSpan {
  /** Wall-clock start and end of the recording, ms since the epoch. */
  startMs: number;
  endMs: number;
}

/** Interval_Max is written in ms (values are ns), as HdrHistogram's tools expect of ns recordings. */
const NS_PER_MS = 1e6;

/** A histogram log: one interval line per tag, tagged with its name, spanning the whole recording. */
export function writeHistogramLog(tagged: Record<string, LatencyHistogram>, span: LogSpan, comment?: string): string {
  let out = '';
  const writer = new hdr.HistogramLogWriter((text) => {
    out += text;
  });
  writer.outputLogFormatVersion();
  if (comment) writer.outputComment(comment);
  writer.outputStartTime(span.startMs);
  writer.baseTime = span.startMs;
  writer.outputLegend();
  for (const [tag, h] of Object.entries(tagged)) {
    h.tag = tag;
    writer.outputIntervalHistogram(h, 0, (span.endMs - span.startMs) / 1000, NS_PER_MS);
  }
  return out;
}

/** Every interval of a histogram log, added up per tag (intervals without a tag under ""). */
export function readHistogramLog(text: string): Map<string, LatencyHistogram> {
  const reader = new hdr.HistogramLogReader(text, 32, false);
  const byTag = new Map<string, LatencyHistogram>();
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    const tag = h.tag === undefined || h.tag === 'NO TAG' ? '' : h.tag;
    let sum = byTag.get(tag);
    if (sum === undefined) byTag.set(tag, (sum = latencyHistogram()));
    sum.add(h);
  }
  return byTag;
}
