// The last-price board: symbols get stable slots, prices round-trip (negative and large ones too),
// and the directory says when it is full or a symbol is too long.
import { expect, test } from 'vitest';
import { createPriceBoardMemory, type LastPrice, PriceBoard, SymbolDirectory } from '../src/ring/price-board.js';

test('a symbol keeps its slot; different symbols get different slots; lookup does not insert', () => {
  const dir = new SymbolDirectory(createPriceBoardMemory(64));
  const aapl = dir.intern('AAPL');
  expect(dir.intern('AAPL')).toBe(aapl);
  expect(dir.lookup('AAPL')).toBe(aapl);
  expect(dir.lookup('MSFT')).toBe(-1);
  const slots = ['MSFT', 'GOOGL', 'EURUSD', 'BTCUSD', '€STR'].map((s) => dir.intern(s));
  expect(new Set([aapl, ...slots]).size).toBe(6);
  expect(dir.symbolAt(slots[4]!)).toBe('€STR');
  const bytes = new TextEncoder().encode('..GOOGL..');
  expect(dir.lookupBytes(bytes, 2, 5)).toBe(slots[1]);
});

test('a full directory and a symbol too long are refused with the reason', () => {
  const dir = new SymbolDirectory(createPriceBoardMemory(4));
  for (const s of ['A', 'B', 'C', 'D']) dir.intern(s);
  expect(() => dir.intern('E')).toThrow('the price board is full (4 symbols)');
  expect(dir.lookup('E')).toBe(-1);
  expect(() => dir.intern('X'.repeat(49))).toThrow('symbol of 49 bytes is longer than the board\'s 48');
  expect(() => createPriceBoardMemory(100)).toThrow('price board capacity must be a power of two, got 100');
});

test('prices round-trip exactly; an unwritten slot reads as absent', () => {
  const mem = createPriceBoardMemory(8);
  const board = new PriceBoard(mem);
  const out: LastPrice = { price: 0, tsNs: 0 };
  expect(board.read(3, out)).toBe(false);
  for (const [price, ts] of [[175_230_000, 1_763_769_600_000_000_001], [-5, 0], [2 ** 53 - 1, 2 ** 52 + 3]] as const) {
    board.publish(3, price, ts);
    expect(board.read(3, out)).toBe(true);
    expect(out).toEqual({ price, tsNs: ts });
  }
});

test('a slot\'s version: 0 until written, two more for each write (even between writes), its own per slot', () => {
  const board = new PriceBoard(createPriceBoardMemory(8));
  expect(board.version(3)).toBe(0);
  board.publish(3, 101, 1);
  expect(board.version(3)).toBe(2);
  board.publish(3, 101, 2); // the same price again still moves the version: a reader values once more
  board.publish(3, 99, 3);
  expect(board.version(3)).toBe(6);
  expect(board.version(4)).toBe(0);
  const out: LastPrice = { price: 0, tsNs: 0 };
  expect(board.read(3, out)).toBe(true);
  expect(out).toEqual({ price: 99, tsNs: 3 });
});
