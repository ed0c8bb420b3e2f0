// RecentWindow: the last `capacity` items, oldest first out, also across its compaction.
import { expect, test } from 'vitest';
import { RecentWindow } from '../src/jobs/recent-window.js';

test('keeps the last `capacity` items and hands back each one that falls out, in order', () => {
  const w = new RecentWindow<number>(3);
  expect([1, 2, 3].map((i) => w.push(i))).toEqual([undefined, undefined, undefined]);
  expect([4, 5].map((i) => w.push(i))).toEqual([1, 2]);
});

test('past its compaction (every 65,536 out) it still hands back exactly the item pushed `capacity` before', () => {
  const w = new RecentWindow<number>(1_000);
  let wrong = 0;
  for (let i = 0; i < 200_000; i++) {
    const out = w.push(i);
    if (out !== (i >= 1_000 ? i - 1_000 : undefined)) wrong++;
  }
  expect(wrong).toBe(0);
});

test('a window of 0 keeps nothing', () => {
  const w = new RecentWindow<string>(0);
  expect(w.push('a')).toBe('a');
});
