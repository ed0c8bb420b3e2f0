// One clock for latency across threads and processes. performance.now() counts from a time origin
// that belongs to one process (and, depending on the Node version, to one worker), so its readings
// cannot be compared across a Kafka hop or between versions. monotonicNs() is nanoseconds on the
// machine's monotonic clock (CLOCK_MONOTONIC, which process.hrtime reads: the same in every thread
// and process), read through performance.now() (cheap, no BigInt) plus an offset each thread
// calibrates once when it loads this module. Values are doubles, exact to the nanosecond while under
// 2^53 ns (104 days of uptime).

function calibrate(): number {
  // The offset is taken where the two readings bracket hrtime most tightly.
  let bestSpan = Infinity;
  let offset = 0;
  for (let i = 0; i < 64; i++) {
    const before = performance.now();
    const hr = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < bestSpan) {
      bestSpan = after - before;
      offset = Number(hr) - ((before + after) / 2) * 1e6;
    }
  }
  return offset;
}

const offsetNs = calibrate();

/** Nanoseconds on the process-wide monotonic clock, comparable across worker threads. */
export function monotonicNs(): number {
  return performance.now() * 1e6 + offsetNs;
}
