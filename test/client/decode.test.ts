// The typed client's decodeFrame: binary frames to the JSON form, field by field, and the errors
// for bytes that are not a tickwave frame. Expected values are written out by hand from the inputs.
import { describe, expect, test } from 'vitest';
import {
  Body, DeadLetterReason, Exchange, OrderT, OrderType, PnLT, PortfolioT, PositionT, PriceAlertT, QuoteT, RejectReason,
  RiskDecisionT, SelfTradePrevention, Severity, Side, TimeInForce, TradeT, DeadLetterT, ArbitrageAlertT,
} from '../../src/wire/generated/index.js';
import { encode } from '../../src/wire/codec.js';
import { messageToJson } from '../../src/wire/json.js';
import { decodeFrame, FrameDecodeError, isTickwaveFrame, tsToMs } from '../../src/client/index.js';

const TS = 1_700_000_000_123_456_789n;

function quoteFrame(): Uint8Array {
  return encode(Body.Quote, new QuoteT('AAPL', Exchange.NYSE, 175_210_000n, 175_250_000n, 5_000n, 3_000n, 175_230_000n, 125_000n, TS));
}

describe('decodeFrame', () => {
  test('a quote, with money as decimals, the exchange by name and ts_ns as a string', () => {
    expect(decodeFrame(quoteFrame())).toEqual({
      type: 'Quote', symbol: 'AAPL', exchange: 'NYSE', bid: 175.21, ask: 175.25, bid_size: 5000, ask_size: 3000,
      last: 175.23, volume: 125000, ts_ns: '1700000000123456789',
    });
  });

  test('a trade', () => {
    const frame = encode(Body.Trade, new TradeT('BTCUSD', Exchange.CRYPTO, 64_250_500_000n, 3n, Side.SELL, 9_007_199_254_740_993n, TS));
    expect(decodeFrame(frame)).toEqual({
      type: 'Trade', symbol: 'BTCUSD', exchange: 'CRYPTO', price: 64250.5, quantity: 3, aggressor: 'SELL',
      // 2^53 + 1 is not exact as a number: a decimal string
      trade_id: '9007199254740993', ts_ns: '1700000000123456789',
    });
  });

  test('quotes and trades read in place give exactly the JSON form of src/wire/json.ts', () => {
    const q = new QuoteT('EURUSD', Exchange.FX_ECN, 1_084_990n, 1_085_010n, 1_000_000n, 2_000_000n, 1_085_000n, 0n, TS);
    expect(decodeFrame(encode(Body.Quote, q))).toEqual(messageToJson('Quote', q));
    const t = new TradeT('TSLA', Exchange.BATS, 250_010_000n, 100n, Side.UNSPECIFIED, 42n, 0n);
    expect(decodeFrame(encode(Body.Trade, t))).toEqual(messageToJson('Trade', t));
    expect(decodeFrame(encode(Body.Trade, t))).toMatchObject({ aggressor: 'UNSPECIFIED', ts_ns: 0 });
  });

  test('a price alert', () => {
    const frame = encode(Body.PriceAlert, new PriceAlertT('NVDA', Exchange.NASDAQ, -812, 413_450_000n, 450_000_000n, Severity.WARNING, TS));
    expect(decodeFrame(frame)).toEqual({
      type: 'PriceAlert', symbol: 'NVDA', exchange: 'NASDAQ', price_change_bp: -812, price: 413.45, prev_price: 450,
      severity: 'WARNING', detection_ts_ns: '1700000000123456789',
    });
  });

  test('an arbitrage alert names both exchanges', () => {
    const frame = encode(Body.ArbitrageAlert, new ArbitrageAlertT('MSFT', Exchange.BATS, Exchange.NYSE, 350_100_000n, 350_980_000n, 25, 400n, Severity.INFO, TS));
    expect(decodeFrame(frame)).toMatchObject({ type: 'ArbitrageAlert', buy_exchange: 'BATS', sell_exchange: 'NYSE', buy_price: 350.1, sell_price: 350.98, spread_bp: 25, available_size: 400 });
  });

  test('a short position with a loss keeps its signs', () => {
    const p = new PositionT('TRADER_007', 'TSLA', -300n, 251_100_000n, -1_234_500_000n, 87_000_001n, 250_810_000n, TS);
    expect(decodeFrame(encode(Body.Position, p))).toEqual({
      type: 'Position', account: 'TRADER_007', symbol: 'TSLA', quantity: -300, avg_price: 251.1, realized_pnl: -1234.5,
      unrealized_pnl: 87.000001, mark_price: 250.81, ts_ns: '1700000000123456789',
    });
  });

  test('an account total P&L has symbol null; a portfolio', () => {
    expect(decodeFrame(encode(Body.PnL, new PnLT('TRADER_001', null, 10_000_000n, -2_500_000n, 5n)))).toEqual({
      type: 'PnL', account: 'TRADER_001', symbol: null, realized: 10, unrealized: -2.5, ts_ns: 5,
    });
    const pf = new PortfolioT('TRADER_002', 990_000_000_000n, 1_001_250_000_000n, 52_000_000_000n, 520, 1_000_000n, 250_000_000n, TS);
    expect(decodeFrame(encode(Body.Portfolio, pf))).toEqual({
      type: 'Portfolio', account: 'TRADER_002', cash: 990000, equity: 1001250, gross_exposure: 52000, leverage_bp: 520,
      realized_pnl: 1, unrealized_pnl: 250, ts_ns: '1700000000123456789',
    });
  });

  test('a rejected risk decision names its reason', () => {
    const d = new RiskDecisionT(77n, 'TRADER_003', 'NFLX', false, RejectReason.MAX_ORDER_NOTIONAL, 250_000_000_000n, 1_125_000_000_000n, TS);
    expect(decodeFrame(encode(Body.RiskDecision, d))).toEqual({
      type: 'RiskDecision', order_id: 77, account: 'TRADER_003', symbol: 'NFLX', accepted: false, reason: 'MAX_ORDER_NOTIONAL',
      limit: 250000000000, value: 1125000000000, ts_ns: '1700000000123456789',
    });
  });

  test("an order keeps the message name in type and its own type in order_type", () => {
    const o = new OrderT(7n, 'TRADER_003', 'TSLA', Side.SELL, OrderType.LIMIT, TimeInForce.IOC, true, 251_100_000n, 0n, 30n, 99n, null, SelfTradePrevention.CANCEL_NEWEST);
    expect(decodeFrame(encode(Body.Order, o))).toEqual({
      type: 'Order', order_type: 'LIMIT', order_id: 7, account: 'TRADER_003', symbol: 'TSLA', side: 'SELL', tif: 'IOC',
      post_only: true, price: 251.1, stop_price: 0, quantity: 30, client_ts_ns: 99, strategy_id: null, stp: 'CANCEL_NEWEST',
    });
  });

  test('a dead letter carries the refused bytes', () => {
    const dl = new DeadLetterT(DeadLetterReason.MALFORMED, 'offset points outside the frame at byte 12', 12, 'ws', -1, -1n, [1, 2, 255], 3n);
    expect(decodeFrame(encode(Body.DeadLetter, dl))).toEqual({
      type: 'DeadLetter', reason: 'MALFORMED', detail: 'offset points outside the frame at byte 12', error_offset: 12, source: 'ws',
      partition: -1, offset: -1, payload: [1, 2, 255], ts_ns: 3,
    });
  });

  test('takes an ArrayBuffer, and a view into a larger buffer (as Node sockets hand out)', () => {
    const frame = quoteFrame();
    const ab = new Uint8Array(frame).buffer;
    expect(decodeFrame(ab)).toMatchObject({ type: 'Quote', last: 175.23 });
    const big = new Uint8Array(frame.length + 16);
    big.set(frame, 8);
    expect(decodeFrame(big.subarray(8, 8 + frame.length))).toMatchObject({ type: 'Quote', bid: 175.21 });
    expect(decodeFrame(new DataView(big.buffer, 8, frame.length))).toMatchObject({ type: 'Quote', ask: 175.25 });
  });
});

describe('decodeFrame refuses bytes that are not a frame', () => {
  const caught = (bytes: Uint8Array): FrameDecodeError => {
    try {
      decodeFrame(bytes);
    } catch (e) {
      return e as FrameDecodeError;
    }
    throw new Error('decodeFrame accepted the bytes');
  };

  test('too short', () => {
    const e = caught(new Uint8Array([1, 2, 3, 4]));
    expect(e).toBeInstanceOf(FrameDecodeError);
    expect(e.message).toBe('not a tickwave frame: 4 bytes, too short to hold a root offset and the TWV1 identifier');
    expect(e.offset).toBe(0);
  });

  test('JSON text instead of a frame: the identifier is wrong', () => {
    // bytes 4..7 of {"symbol"... are m, b, o, l
    const e = caught(new TextEncoder().encode('{"symbol":"AAPL"}'));
    expect(e.message).toBe('not a tickwave frame: file identifier at bytes 4..7 is "mbol", not "TWV1"');
    expect(e.offset).toBe(4);
  });

  test('non-printable identifier bytes are shown escaped', () => {
    expect(caught(new Uint8Array([8, 0, 0, 0, 0, 1, 0x54, 0xff])).message).toBe(
      'not a tickwave frame: file identifier at bytes 4..7 is "\\x00\\x01T\\xff", not "TWV1"',
    );
  });

  test('a truncated frame fails verification with the reason and offset', () => {
    const frame = quoteFrame();
    const e = caught(frame.subarray(0, 12));
    expect(e).toBeInstanceOf(FrameDecodeError);
    expect(e.message).toMatch(/^not a tickwave frame: offset points outside the frame( \(.+\))? at byte \d+$/);
    expect(e.offset).toBeGreaterThanOrEqual(0);
  });

  test('an unknown enum value is refused by the verifier, naming the field', () => {
    // Build a quote whose exchange is one past the last Exchange value.
    const frame = encode(Body.Quote, new QuoteT('AAPL', Exchange.CRYPTO + 1, 1n, 2n, 0n, 0n, 0n, 0n, 0n));
    const e = caught(frame);
    expect(e.field).toBe('Quote.exchange');
    expect(e.message).toMatch(/^not a tickwave frame: enum value out of range \(Quote\.exchange\) at byte \d+$/);
  });

  test('isTickwaveFrame checks the identifier only', () => {
    expect(isTickwaveFrame(quoteFrame())).toBe(true);
    expect(isTickwaveFrame(new TextEncoder().encode('{"symbol":"AAPL"}'))).toBe(false);
    expect(isTickwaveFrame(new Uint8Array(3))).toBe(false);
  });
});

test('tsToMs turns epoch nanoseconds into milliseconds', () => {
  expect(tsToMs('1700000000123456789')).toBe(1_700_000_000_123);
  expect(tsToMs(5_000_000)).toBe(5);
  expect(tsToMs(0)).toBe(0);
});
