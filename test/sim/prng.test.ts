// The seeded generator: mulberry32's published outputs, Gaussians with the right moments, and
// independent streams per seed.
import { describe, expect, it } from 'vitest';
import { SeededRandom, streamSeed } from '../../src/sim/prng.js';

describe('SeededRandom', () => {
  it("reproduces mulberry32's reference outputs", () => {
    // Reference values of Tommy Ettinger's mulberry32, as other implementations test them.
    const a = new SeededRandom(1985);
    expect([a.nextU32(), a.nextU32()]).toEqual([3527837133, 3112574143]);
    const b = new SeededRandom(0);
    expect([b.nextU32(), b.nextU32(), b.nextU32(), b.nextU32()]).toEqual([1144304738, 1416247, 958946056, 627933444]);
    expect(new SeededRandom(2 ** 32 + 1985).nextU32()).toBe(3527837133); // the seed is taken mod 2^32
  });

  it('uniforms fall in [0, 1) and integers in [0, n)', () => {
    const r = new SeededRandom(7);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) expect.fail(`uniform ${u}`);
      counts[r.below(5)]!++;
    }
    for (const c of counts) expect(Math.abs(c - 20_000)).toBeLessThan(800); // 6 sd
  });

  it('Gaussians have mean 0, variance 1 and normal tails', () => {
    const r = new SeededRandom(11);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.gaussian();
      sum += z;
      squares += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.015);
    // P(|Z| > 2) = 0.0455
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.003);
  });

  it('exponential draws have the requested mean', () => {
    const r = new SeededRandom(3);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += r.exponential(2.5);
    expect(Math.abs(sum / 100_000 - 2.5)).toBeLessThan(0.05);
  });

  it('streams of one seed start from distinct states, and the same seed gives the same stream', () => {
    const seeds = [0, 1, 2, 3].map((stream) => streamSeed(42, stream));
    expect(new Set(seeds).size).toBe(4);
    expect(streamSeed(42, 2)).toBe(seeds[2]);
    expect(streamSeed(43, 2)).not.toBe(seeds[2]);
  });
});
