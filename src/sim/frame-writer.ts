// Encodes the simulator's messages into finished Envelope frames on the hot path: one reused
// WireBuilder and flatc's static create functions, no object-API instances. Every frame is finished
// with the file identifier exactly as codec.encode does, and handed out as a fresh copy.
//
// Thread-safety: one FrameWriter per thread (it owns its builder).
import type * as flatbuffers from 'flatbuffers';
import {
  AccountPolicy,
  AccountStatus,
  Body,
  Cancel,
  Envelope,
  Instrument,
  Order,
  Quote,
  Replace,
  SelfTradePrevention,
  SymbolCap,
  Trade,
  type AssetClass,
  type Exchange,
  type OrderType,
  type Side,
  type TimeInForce,
} from '../wire/generated/index.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';
import { WireBuilder } from '../wire/wire-builder.js';

/** An account's limits as numbers: money at PRICE_SCALE, quantities in units. */
export interface PolicyLimits {
  readonly maxOrderQty: number;
  readonly maxOrderNotional: number;
  readonly defaultPositionCap: number;
  readonly grossExposureLimit: number;
  readonly maxLeverageBp: number;
  readonly dailyLossLimit: number;
  readonly initialCash: number;
}

export interface PositionCap {
  readonly symbol: string;
  readonly maxPosition: number;
}

// Arguments are JS numbers (integers: wire ticks, units, ids below 2^53); the 64-bit fields are
// converted here, once, so the rest of the simulator does plain arithmetic.
export class FrameWriter {
  private readonly builder = new WireBuilder(512);

  instrument(
    symbol: string,
    exchange: Exchange,
    assetClass: AssetClass,
    tickSize: number,
    lotSize: number,
    sector: string,
    currency: string,
  ): Uint8Array {
    const b = this.start();
    const sym = b.createString(symbol);
    const sec = b.createString(sector);
    const cur = b.createString(currency);
    const body = Instrument.createInstrument(b, sym, exchange, assetClass, BigInt(tickSize), BigInt(lotSize), sec, cur);
    return this.finish(Body.Instrument, body);
  }

  quote(
    symbol: string,
    exchange: Exchange,
    bid: number,
    ask: number,
    bidSize: number,
    askSize: number,
    last: number,
    volume: number,
    tsNs: bigint,
  ): Uint8Array {
    const b = this.start();
    const sym = b.createString(symbol);
    const body = Quote.createQuote(
      b,
      sym,
      exchange,
      BigInt(bid),
      BigInt(ask),
      BigInt(bidSize),
      BigInt(askSize),
      BigInt(last),
      BigInt(volume),
      tsNs,
    );
    return this.finish(Body.Quote, body);
  }

  trade(
    symbol: string,
    exchange: Exchange,
    price: number,
    quantity: number,
    aggressor: Side,
    tradeId: number,
    tsNs: bigint,
  ): Uint8Array {
    const b = this.start();
    const sym = b.createString(symbol);
    const body = Trade.createTrade(b, sym, exchange, BigInt(price), BigInt(quantity), aggressor, BigInt(tradeId), tsNs);
    return this.finish(Body.Trade, body);
  }

  /** A new order; `price` is 0 for MARKET orders (the field is then absent). */
  order(
    orderId: number,
    account: string,
    symbol: string,
    side: Side,
    type: OrderType,
    tif: TimeInForce,
    price: number,
    quantity: number,
    tsNs: bigint,
    strategyId: string | null,
  ): Uint8Array {
    const b = this.start();
    const acc = b.createString(account);
    const sym = b.createString(symbol);
    const strategy = strategyId === null ? 0 : b.createString(strategyId);
    const body = Order.createOrder(
      b,
      BigInt(orderId),
      acc,
      sym,
      side,
      type,
      tif,
      false,
      BigInt(price),
      0n,
      BigInt(quantity),
      tsNs,
      strategy,
      SelfTradePrevention.NONE,
    );
    return this.finish(Body.Order, body);
  }

  cancel(orderId: number, account: string, symbol: string, tsNs: bigint): Uint8Array {
    const b = this.start();
    const acc = b.createString(account);
    const sym = b.createString(symbol);
    return this.finish(Body.Cancel, Cancel.createCancel(b, BigInt(orderId), acc, sym, tsNs));
  }

  replace(orderId: number, account: string, symbol: string, price: number, quantity: number, tsNs: bigint): Uint8Array {
    const b = this.start();
    const acc = b.createString(account);
    const sym = b.createString(symbol);
    const body = Replace.createReplace(b, BigInt(orderId), acc, sym, BigInt(price), BigInt(quantity), tsNs);
    return this.finish(Body.Replace, body);
  }

  accountPolicy(account: string, limits: PolicyLimits, caps: readonly PositionCap[], version: number, tsNs: bigint): Uint8Array {
    const b = this.start();
    const acc = b.createString(account);
    const capOffsets: flatbuffers.Offset[] = [];
    for (const cap of caps) {
      const sym = b.createString(cap.symbol);
      capOffsets.push(SymbolCap.createSymbolCap(b, sym, BigInt(cap.maxPosition)));
    }
    const capVector = AccountPolicy.createPositionCapsVector(b, capOffsets);
    const body = AccountPolicy.createAccountPolicy(
      b,
      acc,
      AccountStatus.ACTIVE,
      BigInt(limits.maxOrderQty),
      BigInt(limits.maxOrderNotional),
      capVector,
      BigInt(limits.defaultPositionCap),
      BigInt(limits.grossExposureLimit),
      limits.maxLeverageBp,
      BigInt(limits.dailyLossLimit),
      BigInt(limits.initialCash),
      BigInt(version),
      tsNs,
    );
    return this.finish(Body.AccountPolicy, body);
  }

  private start(): WireBuilder {
    this.builder.clear();
    return this.builder;
  }

  private finish(type: Body, body: flatbuffers.Offset): Uint8Array {
    const b = this.builder;
    b.finish(Envelope.createEnvelope(b, type, body), FILE_IDENTIFIER);
    return b.asUint8Array().slice();
  }
}
