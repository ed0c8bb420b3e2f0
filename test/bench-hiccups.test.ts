// The platform floor of the benchmarks (bench/hiccups.ts): the residual wait of an event arriving at
// a random instant, worked out by hand, and the spinning thread's report.
import { expect, test } from 'vitest';
import { measureHiccups, residualWait } from '../bench/hiccups.js';

const MS = 1e6;

test('the wait an event meets at a random instant: quantiles of the rest of the gap it lands in', () => {
  // One 10 ms gap in 1 s: 1% of instants fall in it, so the p99 wait is 0; 0.01% wait more than 9.9 ms.
  expect(residualWait([10 * MS], 1_000 * MS, 0.01)).toBe(0);
  expect(residualWait([10 * MS], 1_000 * MS, 0.0001)).toBeCloseTo(9.9 * MS, -1);
  // Gaps of 20 ms and 5 ms in 1 s: P(wait > w) = (20 - w) / 1000 for w >= 5 ms, 1% at w = 10 ms.
  expect(residualWait([20 * MS, 5 * MS], 1_000 * MS, 0.01)).toBeCloseTo(10 * MS, -1);
  // Below 5 ms both gaps count: (20 - w) + (5 - w) = 24 ms of 1 s (2.4%) at w = 0.5 ms.
  expect(residualWait([20 * MS, 5 * MS], 1_000 * MS, 0.024)).toBeCloseTo(0.5 * MS, -1);
  expect(residualWait([], 1_000 * MS, 0.01)).toBe(0);
});

test('the spinning thread reports its run and only gaps above the threshold', async () => {
  const h = await measureHiccups(100, 20_000);
  expect(h.durationNs).toBeGreaterThanOrEqual(100 * MS);
  for (const g of h.gaps) expect(g).toBeGreaterThan(20_000);
  expect(h.maxGapNs).toBe(h.gaps.length ? Math.max(...h.gaps) : 0);
  expect(h.over1ms).toBe(h.gaps.filter((g) => g > MS).length);
  expect(h.waitP99Ns).toBe(residualWait(h.gaps, h.durationNs, 0.01));
});
