// The tickwave dashboard: live prices of every listing, alerts, order-book depth, positions and P&L
// per trader, a risk heatmap and the risk check's latency, with simulator controls. It consumes the
// binary feeds and decodes FlatBuffers here, through tickwave/client (the module served at /js/).
// Messages only update state; one requestAnimationFrame loop draws what changed, so a burst of
// thousands of quotes costs one repaint.
import { TickwaveApi, TickwaveFeed, tsToMs } from '/js/client/index.js';

// ---- configuration ---------------------------------------------------------------------------

const TIMEFRAMES = { '1m': 60_000, '5m': 300_000, '15m': 900_000, all: Infinity };
/** Fine series: 250 ms buckets, 16 minutes; coarse: 5 s buckets, 6 hours (the "all" view). */
const FINE_MS = 250;
const FINE_CAP = 3_840;
const COARSE_MS = 5_000;
const COARSE_CAP = 4_320;
const SPARK_SPAN_MS = 120_000;
const MAX_ALERTS = 300;
const BOOK_POLL_MS = 1_000;
const BOOK_LEVELS = 12;
const SYMBOLS_POLL_MS = 10_000;
const HISTORY_POINTS = 300;
const ALERT_KINDS = ['PriceAlert', 'VolumeSpikeAlert', 'RiskAlert', 'OrderImbalanceAlert', 'ArbitrageAlert'];
const KIND_LABEL = {
  PriceAlert: 'price', VolumeSpikeAlert: 'volume', RiskAlert: 'risk', OrderImbalanceAlert: 'imbalance', ArbitrageAlert: 'arbitrage',
};

const $ = (sel) => document.querySelector(sel);
const css = getComputedStyle(document.documentElement);
const colour = (name) => css.getPropertyValue(name).trim();
const C = {
  up: colour('--up') || '#3fb950', down: colour('--down') || '#f85149', line: colour('--line') || '#2a3440',
  muted: colour('--muted') || '#8491a0', text: colour('--text') || '#d7dee7', accent: colour('--accent') || '#58a6ff',
  warning: colour('--warning') || '#d29922',
};

const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
const token = hash.get('token') || '';
const api = new TickwaveApi(location.origin, { token });
const wsBase = location.origin.replace(/^http/, 'ws');

// ---- formatting --------------------------------------------------------------------------------

const num = (v) => (typeof v === 'string' ? Number(v) : v);
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fmtInt = (v) => grouped.format(num(v));
const fmtMoney = (v) => money2.format(num(v));
const fmtSigned = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + money2.format(Math.abs(v));
const fmtPct = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}%`;
function fmtCompact(v) {
  const a = Math.abs(v);
  const s = a >= 1e9 ? `${(a / 1e9).toFixed(2)}B` : a >= 1e6 ? `${(a / 1e6).toFixed(2)}M` : a >= 1e3 ? `${(a / 1e3).toFixed(1)}k` : a.toFixed(0);
  return (v < 0 ? '−' : '') + s;
}
function fmtUs(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return v < 10 ? v.toFixed(1) : grouped.format(v);
}
const timeOf = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
/** Decimals a price needs: from the prices seen (1.08501 needs 5), at least 2, at most 6. */
function decimalsOf(v) {
  const s = v.toFixed(6).replace(/0+$/, '');
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

// ---- price series --------------------------------------------------------------------------

/** Time buckets of high/low/close in fixed-size rings: bounded memory however long it runs. */
class Series {
  constructor(bucketMs, cap) {
    this.bucketMs = bucketMs;
    this.cap = cap;
    this.t = new Float64Array(cap);
    this.hi = new Float64Array(cap);
    this.lo = new Float64Array(cap);
    this.close = new Float64Array(cap);
    this.start = 0;
    this.len = 0;
  }
  add(tMs, price) {
    const b = tMs - (tMs % this.bucketMs);
    if (this.len > 0) {
      const last = (this.start + this.len - 1) % this.cap;
      // Late quotes from another venue fold into the newest bucket rather than reorder the ring.
      if (b <= this.t[last]) {
        if (price > this.hi[last]) this.hi[last] = price;
        if (price < this.lo[last]) this.lo[last] = price;
        this.close[last] = price;
        return;
      }
    }
    let i;
    if (this.len < this.cap) {
      i = (this.start + this.len) % this.cap;
      this.len++;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.cap;
    }
    this.t[i] = b;
    this.hi[i] = price;
    this.lo[i] = price;
    this.close[i] = price;
  }
  idx(k) {
    return (this.start + k) % this.cap;
  }
  firstT() {
    return this.len ? this.t[this.start] : NaN;
  }
  /** Index of the first bucket at or after tMs (binary search over the ring). */
  lowerBound(tMs) {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[this.idx(mid)] < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---- state -----------------------------------------------------------------------------------

/** symbol -> listing state */
const symbols = new Map();
const order = [];
let selected = null;
/** Until someone picks a symbol, AAPL is shown as soon as it is known (the seed demo's first name). */
let picked = false;
const PREFERRED = 'AAPL';
let timeframe = '5m';
let zoom = 1;
/** Event time of the newest quote: the right edge of every chart (the simulator may run faster than the clock). */
let nowMs = 0;
let mouse = null;
const dirty = { chart: true, symbols: new Set(), spark: false, alerts: false, traders: false, heatmap: false, latency: false, book: false, selection: true };

const pendingAlerts = [];
const alertCounts = Object.fromEntries(ALERT_KINDS.map((k) => [k, 0]));
let alertTotal = 0;

/** account -> { portfolio, pnl (total), positions: Map symbol -> Position } */
const traders = new Map();
let selectedTrader = null;

let status = null;
const history = { p50: [], p99: [] };
let book = null;
let decoded = 0;

function listing(symbol) {
  let s = symbols.get(symbol);
  if (s) return s;
  s = {
    symbol, exchange: null, last: NaN, bid: NaN, ask: NaN, first: NaN, decimals: 2, samples: 0,
    fine: new Series(FINE_MS, FINE_CAP), coarse: new Series(COARSE_MS, COARSE_CAP), row: null, shownLast: NaN,
  };
  symbols.set(symbol, s);
  order.splice(insertionIndex(symbol), 0, symbol);
  addSymbolRow(s);
  if (selected === null || (!picked && symbol === PREFERRED)) select(symbol);
  return s;
}

function onQuote(q) {
  const s = listing(q.symbol);
  // One venue per chart: the first that quoted it (the primary listing for the simulator's equities),
  // so a venue's arbitrage offset does not saw-tooth the line.
  if (s.exchange === null) s.exchange = q.exchange;
  if (q.exchange !== s.exchange) return;
  const price = q.last > 0 ? q.last : q.bid > 0 && q.ask > 0 ? (q.bid + q.ask) / 2 : NaN;
  if (!(price > 0)) return;
  const t = tsToMs(q.ts_ns) || Date.now();
  if (t > nowMs) nowMs = t;
  if (s.samples < 50) s.decimals = Math.max(s.decimals, Math.min(6, decimalsOf(price)));
  s.samples++;
  if (Number.isNaN(s.first)) s.first = price;
  s.last = price;
  s.bid = q.bid;
  s.ask = q.ask;
  s.fine.add(t, price);
  s.coarse.add(t, price);
  dirty.symbols.add(s.symbol);
  if (s.symbol === selected) dirty.chart = true;
}

// ---- feeds ---------------------------------------------------------------------------------

function connState(id, state) {
  const el = $(id);
  if (el) el.dataset.state = state;
}

function notice(text, kind = '') {
  const el = $('#notice');
  el.textContent = text;
  el.className = kind;
  el.hidden = !text;
}

function openFeed(id, options) {
  return new TickwaveFeed({
    url: wsBase,
    token: token || undefined,
    reconnectMs: 1_000,
    ...options,
    onOpen: () => connState(id, 'open'),
    onClose: (c) => {
      connState(id, c.willReconnect ? 'connecting' : 'closed');
      if (c.kind === 'slow-consumer' || c.kind === 'unauthorized') notice(c.message, 'error');
    },
    onError: (e) => {
      // A frame that does not decode is the server's bug, not a reason to stop the page.
      console.warn(`tickwave: ${e.message}`);
    },
  });
}

openFeed('#conn-market', {
  endpoint: 'market-data',
  symbol: '*',
  onMessage: (m) => {
    decoded++;
    if (m.type === 'Quote') onQuote(m);
  },
});

openFeed('#conn-trades', {
  endpoint: 'trades',
  types: ['Position', 'PnL', 'Portfolio'],
  onMessage: (m) => {
    decoded++;
    if (m.type === 'Position' || m.type === 'PnL' || m.type === 'Portfolio') onTrading(m);
  },
});

openFeed('#conn-alerts', {
  endpoint: 'alerts',
  onMessage: (m) => {
    decoded++;
    if (ALERT_KINDS.includes(m.type)) {
      pendingAlerts.push({ alert: m, at: Date.now() });
      if (pendingAlerts.length > MAX_ALERTS) pendingAlerts.shift();
      alertCounts[m.type]++;
      alertTotal++;
      dirty.alerts = true;
    }
  },
});

openFeed('#conn-status', {
  endpoint: 'engine-status',
  onStatus: (s) => {
    status = s;
    const r = s.latency?.risk_decision;
    if (r) {
      history.p50.push(r.p50);
      history.p99.push(r.p99);
      if (history.p99.length > HISTORY_POINTS) {
        history.p50.shift();
        history.p99.shift();
      }
    }
    dirty.latency = true;
  },
});

// ---- symbols list ------------------------------------------------------------------------------

/** Where a symbol goes in the alphabetical list. */
function insertionIndex(symbol) {
  let i = 0;
  while (i < order.length && order[i] < symbol) i++;
  return i;
}

function addSymbolRow(s) {
  const li = document.createElement('li');
  li.dataset.symbol = s.symbol;
  li.dataset.testid = `symbol-${s.symbol}`;
  li.innerHTML = '<span class="name"></span><span class="last">–</span><span class="chg"></span><canvas class="spark"></canvas>';
  li.querySelector('.name').textContent = s.symbol;
  li.addEventListener('click', () => {
    picked = true;
    select(s.symbol);
  });
  const at = order.indexOf(s.symbol);
  const next = order[at + 1];
  $('#symbols').insertBefore(li, next ? symbols.get(next)?.row?.li ?? null : null);
  s.row = { li, last: li.querySelector('.last'), chg: li.querySelector('.chg'), spark: li.querySelector('canvas') };
  const opt = document.createElement('option');
  opt.value = s.symbol;
  opt.textContent = s.symbol;
  const picker = $('#scenario-symbol');
  // options[0] is "the market"; options[k + 1] is order[k] before this symbol was added.
  picker.insertBefore(opt, picker.options[at + 1] ?? null);
}

function select(symbol) {
  if (!symbols.has(symbol)) return;
  selected = symbol;
  for (const li of document.querySelectorAll('#symbols li.selected')) li.classList.remove('selected');
  symbols.get(symbol).row?.li.classList.add('selected');
  dirty.chart = true;
  dirty.selection = true;
  book = null;
  dirty.book = true;
  pollBook();
}

function renderSymbolRows() {
  for (const sym of dirty.symbols) {
    const s = symbols.get(sym);
    if (!s?.row || Number.isNaN(s.last)) continue;
    if (s.last !== s.shownLast) {
      const { last } = s.row;
      last.textContent = s.last.toFixed(s.decimals);
      // The tick's direction: green on an uptick, red on a downtick.
      if (!Number.isNaN(s.shownLast)) last.className = `last ${s.last > s.shownLast ? 'up' : 'down'}`;
      s.shownLast = s.last;
    }
    const chg = ((s.last - s.first) / s.first) * 100;
    s.row.chg.textContent = fmtPct(chg);
    s.row.chg.className = `chg ${chg >= 0 ? 'up' : 'down'}`;
  }
  dirty.symbols.clear();
}

function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
}

function renderSparklines() {
  for (const s of symbols.values()) {
    if (!s.row || s.fine.len < 2) continue;
    const { ctx, w, h } = fitCanvas(s.row.spark);
    ctx.clearRect(0, 0, w, h);
    const f = s.fine;
    const t0 = nowMs - SPARK_SPAN_MS;
    const from = f.lowerBound(t0);
    if (f.len - from < 2) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = from; k < f.len; k++) {
      const i = f.idx(k);
      if (f.lo[i] < lo) lo = f.lo[i];
      if (f.hi[i] > hi) hi = f.hi[i];
    }
    const pad = (hi - lo) * 0.1 || hi * 0.0005 || 1;
    lo -= pad;
    hi += pad;
    const x = (t) => ((t - t0) / SPARK_SPAN_MS) * w;
    const y = (p) => h - ((p - lo) / (hi - lo)) * h;
    const firstClose = f.close[f.idx(from)];
    ctx.strokeStyle = s.last >= firstClose ? C.up : C.down;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (let k = from; k < f.len; k++) {
      const i = f.idx(k);
      if (k === from) ctx.moveTo(x(f.t[i]), y(f.close[i]));
      else ctx.lineTo(x(f.t[i]), y(f.close[i]));
    }
    ctx.stroke();
  }
}

// ---- main chart -------------------------------------------------------------------------------

function niceStep(range, target) {
  const raw = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

const chartCanvas = $('#chart');

function renderChart() {
  const { ctx, w, h } = fitCanvas(chartCanvas);
  ctx.clearRect(0, 0, w, h);
  const s = selected ? symbols.get(selected) : null;
  const head = (id, text, cls) => {
    const el = $(id);
    el.textContent = text;
    if (cls !== undefined) el.className = cls;
  };
  head('#chart-symbol', s ? s.symbol : '–');
  head('#chart-exchange', s?.exchange ?? '');
  if (!s || s.fine.len === 0) {
    ctx.fillStyle = C.muted;
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText(s ? `waiting for ${s.symbol} quotes…` : 'waiting for market data…', 16, 24);
    return;
  }
  head('#chart-last', s.last.toFixed(s.decimals), `big mono ${s.last >= s.first ? 'up' : 'down'}`);
  head('#chart-change', fmtPct(((s.last - s.first) / s.first) * 100), `mono ${s.last >= s.first ? 'up' : 'down'}`);
  head('#chart-bidask', s.bid > 0 && s.ask > 0 ? `${s.bid.toFixed(s.decimals)} / ${s.ask.toFixed(s.decimals)}` : '');

  const span = TIMEFRAMES[timeframe];
  const full = Number.isFinite(span) ? span : Math.max(10_000, nowMs - Math.min(s.coarse.firstT(), s.fine.firstT()));
  const visible = full / zoom;
  const t1 = nowMs;
  const t0 = t1 - visible;
  // The fine series while it covers the window, else the coarse one.
  const series = t0 >= s.fine.firstT() || visible <= FINE_MS * FINE_CAP * 0.9 ? s.fine : s.coarse;
  const from = series.lowerBound(t0 - series.bucketMs);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = from; k < series.len; k++) {
    const i = series.idx(k);
    if (series.lo[i] < lo) lo = series.lo[i];
    if (series.hi[i] > hi) hi = series.hi[i];
  }
  if (!Number.isFinite(lo)) return;
  const pad = (hi - lo) * 0.08 || hi * 0.001 || 1;
  lo -= pad;
  hi += pad;

  const axisW = 64;
  const axisH = 20;
  const pw = w - axisW;
  const ph = h - axisH;
  const x = (t) => ((t - t0) / visible) * pw;
  const y = (p) => ph - ((p - lo) / (hi - lo)) * ph;

  // grid and axes
  ctx.font = '11px ui-monospace, monospace';
  ctx.lineWidth = 1;
  ctx.strokeStyle = C.line;
  ctx.fillStyle = C.muted;
  const pStep = niceStep(hi - lo, Math.max(2, ph / 50));
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (let p = Math.ceil(lo / pStep) * pStep; p <= hi; p += pStep) {
    const yy = Math.round(y(p)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(0, yy);
    ctx.lineTo(pw, yy);
    ctx.stroke();
    ctx.fillText(p.toFixed(Math.min(6, Math.max(0, -Math.floor(Math.log10(pStep))))), pw + 6, yy);
  }
  const tStep = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1_800e3, 3_600e3, 7_200e3]
    .find((st) => visible / st <= Math.max(2, pw / 110)) ?? 14_400e3;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    const xx = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(xx, 0);
    ctx.lineTo(xx, ph);
    ctx.stroke();
    ctx.fillText(tStep >= 60e3 ? timeOf(t).slice(0, 5) : timeOf(t), xx, ph + 4);
  }

  // high-low band, then the close line
  const up = s.last >= series.close[series.idx(from)];
  const lineColour = up ? C.up : C.down;
  ctx.fillStyle = up ? 'rgba(63,185,80,0.14)' : 'rgba(248,81,73,0.14)';
  ctx.beginPath();
  for (let k = from; k < series.len; k++) {
    const i = series.idx(k);
    const xx = x(series.t[i]);
    if (k === from) ctx.moveTo(xx, y(series.hi[i]));
    else ctx.lineTo(xx, y(series.hi[i]));
  }
  for (let k = series.len - 1; k >= from; k--) {
    const i = series.idx(k);
    ctx.lineTo(x(series.t[i]), y(series.lo[i]));
  }
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = lineColour;
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  for (let k = from; k < series.len; k++) {
    const i = series.idx(k);
    if (k === from) ctx.moveTo(x(series.t[i]), y(series.close[i]));
    else ctx.lineTo(x(series.t[i]), y(series.close[i]));
  }
  ctx.stroke();

  // last price marker
  const ly = Math.round(y(s.last)) + 0.5;
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = lineColour;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, ly);
  ctx.lineTo(pw, ly);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = lineColour;
  ctx.fillRect(pw, ly - 8, axisW, 16);
  ctx.fillStyle = '#0d1117';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(s.last.toFixed(s.decimals), pw + 4, ly);

  // crosshair
  if (mouse && mouse.x < pw && mouse.y < ph) {
    const t = t0 + (mouse.x / pw) * visible;
    const p = lo + ((ph - mouse.y) / ph) * (hi - lo);
    ctx.strokeStyle = 'rgba(215,222,231,0.35)';
    ctx.beginPath();
    ctx.moveTo(mouse.x + 0.5, 0);
    ctx.lineTo(mouse.x + 0.5, ph);
    ctx.moveTo(0, mouse.y + 0.5);
    ctx.lineTo(pw, mouse.y + 0.5);
    ctx.stroke();
    ctx.fillStyle = '#2a3440';
    ctx.fillRect(pw, mouse.y - 8, axisW, 16);
    ctx.fillRect(mouse.x - 34, ph + 2, 68, 16);
    ctx.fillStyle = C.text;
    ctx.fillText(p.toFixed(s.decimals), pw + 4, mouse.y);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(timeOf(t), mouse.x, ph + 4);
  }
}

function setTimeframe(tf) {
  timeframe = tf;
  for (const b of document.querySelectorAll('[data-tf]')) b.setAttribute('aria-pressed', String(b.dataset.tf === tf));
  dirty.chart = true;
}

function setZoom(z) {
  zoom = Math.min(64, Math.max(1, z));
  $('#zoom-level').textContent = `${zoom < 10 ? zoom.toFixed(zoom % 1 ? 1 : 0) : Math.round(zoom)}×`;
  dirty.chart = true;
}

for (const b of document.querySelectorAll('[data-tf]')) b.addEventListener('click', () => setTimeframe(b.dataset.tf));
$('#zoom-in').addEventListener('click', () => setZoom(zoom * 1.5));
$('#zoom-out').addEventListener('click', () => setZoom(zoom / 1.5));
$('#zoom-reset').addEventListener('click', () => setZoom(1));
chartCanvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  setZoom(zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
}, { passive: false });
chartCanvas.addEventListener('mousemove', (e) => {
  const r = chartCanvas.getBoundingClientRect();
  mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
  dirty.chart = true;
});
chartCanvas.addEventListener('mouseleave', () => {
  mouse = null;
  dirty.chart = true;
});
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  picked = true;
  const i = order.indexOf(selected);
  const next = order[(i + (e.key === 'ArrowDown' ? 1 : order.length - 1)) % order.length];
  if (next) {
    e.preventDefault();
    select(next);
    symbols.get(next).row?.li.scrollIntoView({ block: 'nearest' });
  }
});

// ---- alerts -----------------------------------------------------------------------------------

function alertText(a) {
  switch (a.type) {
    case 'PriceAlert': {
      const d = symbols.get(a.symbol)?.decimals ?? 2;
      return `${fmtPct(a.price_change_bp / 100)} to ${a.price.toFixed(d)} (from ${a.prev_price.toFixed(d)}) ${a.exchange}`;
    }
    case 'VolumeSpikeAlert':
      return `vol ${fmtCompact(num(a.volume))} = ${(a.spike_ratio_bp / 10_000).toFixed(1)}× avg ${fmtCompact(num(a.avg_volume_20))} ${a.exchange}`;
    case 'RiskAlert':
      return `${a.kind.replaceAll('_', ' ').toLowerCase()}: pos ${fmtInt(a.position_size)} / limit ${fmtInt(a.limit)}, P&L ${fmtSigned(a.current_pnl)}`;
    case 'OrderImbalanceAlert':
      return `${a.dominant_side} ${(a.buy_share_bp / 100).toFixed(1)}% buys (${fmtCompact(num(a.buy_volume))} / ${fmtCompact(num(a.sell_volume))})`;
    case 'ArbitrageAlert':
      return `buy ${a.buy_exchange} ${a.buy_price} · sell ${a.sell_exchange} ${a.sell_price} · ${a.spread_bp} bp · ${fmtInt(a.available_size)}`;
    default:
      return '';
  }
}

const alertsList = $('#alerts');

function renderAlerts() {
  if (pendingAlerts.length === 0) return;
  const frag = document.createDocumentFragment();
  // Newest first: the batch arrives oldest first.
  for (let k = pendingAlerts.length - 1; k >= 0; k--) {
    const { alert: a, at } = pendingAlerts[k];
    const li = document.createElement('li');
    li.className = `sev-${a.severity} new`;
    li.dataset.kind = a.type;
    li.dataset.severity = a.severity;
    const sym = a.type === 'RiskAlert' ? a.account : a.symbol;
    if (a.symbol) li.dataset.symbol = a.symbol;
    const when = tsToMs(a.detection_ts_ns) || at;
    li.innerHTML = '<time></time><span class="kind"></span><span class="sym"></span><span class="text"></span>';
    li.children[0].textContent = timeOf(when);
    li.children[1].textContent = KIND_LABEL[a.type];
    li.children[2].textContent = sym ?? '';
    li.children[3].textContent = alertText(a);
    li.title = `${a.type}, ${a.severity}: ${JSON.stringify(a)}`;
    frag.append(li);
  }
  pendingAlerts.length = 0;
  alertsList.prepend(frag);
  while (alertsList.childElementCount > MAX_ALERTS) alertsList.lastElementChild.remove();
  for (const k of ALERT_KINDS) {
    const el = document.querySelector(`[data-count="${k}"]`);
    if (el) el.textContent = fmtInt(alertCounts[k]);
  }
  $('#alerts-count').textContent = fmtInt(alertTotal);
}

alertsList.addEventListener('click', (e) => {
  const li = e.target instanceof Element ? e.target.closest('li') : null;
  if (li?.dataset.symbol) {
    picked = true;
    select(li.dataset.symbol);
  }
});
for (const box of document.querySelectorAll('#alert-filters input')) {
  box.addEventListener('change', () => alertsList.classList.toggle(`hide-${box.dataset.kind}`, !box.checked));
}

// ---- order book --------------------------------------------------------------------------------

let bookTimer = 0;
let bookSeq = 0;

async function pollBook() {
  clearTimeout(bookTimer);
  const symbol = selected;
  const seq = ++bookSeq;
  if (symbol && !document.hidden) {
    try {
      const b = await api.book(symbol, BOOK_LEVELS);
      if (seq === bookSeq) {
        book = b;
        $('#book-status').textContent = '';
      }
    } catch (e) {
      if (seq === bookSeq) {
        book = null;
        $('#book-status').textContent = `(${e.message})`;
      }
    }
    dirty.book = true;
  }
  if (seq === bookSeq) bookTimer = setTimeout(pollBook, BOOK_POLL_MS);
}

function bookRows(levels, side, maxQty, decimals) {
  const rows = [];
  for (const l of levels.slice(0, BOOK_LEVELS)) {
    const tr = document.createElement('tr');
    const share = maxQty > 0 ? (num(l.quantity) / maxQty) * 100 : 0;
    // The depth bar: its own cell on the outer side, growing away from the prices.
    const depth = document.createElement('td');
    depth.className = 'depth';
    const bar = document.createElement('i');
    bar.style.width = `${share.toFixed(1)}%`;
    depth.append(bar);
    const price = document.createElement('td');
    price.className = 'px';
    price.textContent = num(l.price).toFixed(decimals);
    const cells = [fmtInt(l.orders), fmtInt(l.quantity)].map(textCell);
    if (side === 'bid') tr.append(depth, ...cells, price);
    else tr.append(price, ...cells.reverse(), depth);
    rows.push(tr);
  }
  return rows;
}

function renderBook() {
  $('#book-symbol').textContent = selected ?? '';
  const bids = $('#book-bids tbody');
  const asks = $('#book-asks tbody');
  if (!book || book.symbol !== selected) {
    bids.replaceChildren();
    asks.replaceChildren();
    $('#book-spread').textContent = '';
    return;
  }
  const d = symbols.get(book.symbol)?.decimals ?? 2;
  const all = [...book.bids.slice(0, BOOK_LEVELS), ...book.asks.slice(0, BOOK_LEVELS)];
  const maxQty = all.reduce((m, l) => Math.max(m, num(l.quantity)), 0);
  bids.replaceChildren(...bookRows(book.bids, 'bid', maxQty, d));
  asks.replaceChildren(...bookRows(book.asks, 'ask', maxQty, d));
  const bb = book.bids[0];
  const ba = book.asks[0];
  if (bb && ba) {
    const spread = ba.price - bb.price;
    const mid = (ba.price + bb.price) / 2;
    $('#book-spread').textContent = `spread ${spread.toFixed(d)} (${((spread / mid) * 10_000).toFixed(1)} bp) · mid ${mid.toFixed(d)}`;
  } else {
    $('#book-spread').textContent = book.bids.length + book.asks.length === 0 ? 'no resting orders' : 'one-sided book';
  }
}

// ---- traders, positions, heatmap ------------------------------------------------------------

function trader(account) {
  let t = traders.get(account);
  if (!t) {
    t = { account, portfolio: null, pnl: null, positions: new Map() };
    traders.set(account, t);
    if (selectedTrader === null) selectedTrader = account;
  }
  return t;
}

function onTrading(m) {
  const t = trader(m.account);
  if (m.type === 'Portfolio') t.portfolio = m;
  else if (m.type === 'PnL') {
    if (m.symbol === null) t.pnl = m;
  } else if (m.type === 'Position') {
    if (num(m.quantity) === 0 && m.realized_pnl === 0) t.positions.delete(m.symbol);
    else t.positions.set(m.symbol, m);
    dirty.heatmap = true;
  }
  dirty.traders = true;
}

function pnlCell(v) {
  const td = document.createElement('td');
  td.textContent = fmtSigned(v);
  td.className = v > 0 ? 'up' : v < 0 ? 'down' : '';
  return td;
}

function textCell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function renderTraders() {
  const rows = [];
  const accounts = [...traders.keys()].sort();
  for (const account of accounts) {
    const t = traders.get(account);
    const p = t.portfolio;
    let realized = p ? p.realized_pnl : t.pnl ? t.pnl.realized : 0;
    let unrealized = p ? p.unrealized_pnl : t.pnl ? t.pnl.unrealized : 0;
    if (!p && !t.pnl) {
      for (const pos of t.positions.values()) {
        realized += pos.realized_pnl;
        unrealized += pos.unrealized_pnl;
      }
    }
    const tr = document.createElement('tr');
    tr.dataset.account = account;
    if (account === selectedTrader) tr.className = 'selected';
    tr.append(
      textCell(account),
      textCell(p ? fmtMoney(p.equity) : '–'),
      pnlCell(realized),
      pnlCell(unrealized),
      pnlCell(realized + unrealized),
      textCell(p ? fmtCompact(p.gross_exposure) : '–'),
      textCell(p ? `${(p.leverage_bp / 10_000).toFixed(2)}×` : '–'),
      textCell(String([...t.positions.values()].filter((x) => num(x.quantity) !== 0).length)),
    );
    rows.push(tr);
  }
  const tbody = $('#traders tbody');
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = textCell('no positions yet');
    td.colSpan = 8;
    td.className = 'empty';
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);

  $('#positions-account').textContent = selectedTrader ?? '–';
  const t = selectedTrader ? traders.get(selectedTrader) : null;
  const posRows = [];
  if (t) {
    for (const pos of [...t.positions.values()].sort((a, b) => a.symbol.localeCompare(b.symbol))) {
      const d = symbols.get(pos.symbol)?.decimals ?? 2;
      const tr = document.createElement('tr');
      tr.dataset.symbol = pos.symbol;
      const q = num(pos.quantity);
      const qty = textCell(fmtInt(q));
      qty.className = q > 0 ? 'up' : q < 0 ? 'down' : '';
      tr.append(textCell(pos.symbol), qty, textCell(pos.avg_price.toFixed(d)), textCell(pos.mark_price.toFixed(d)), pnlCell(pos.unrealized_pnl), pnlCell(pos.realized_pnl));
      posRows.push(tr);
    }
  }
  $('#positions tbody').replaceChildren(...posRows);
}

$('#traders').addEventListener('click', (e) => {
  const tr = e.target instanceof Element ? e.target.closest('tr[data-account]') : null;
  if (tr) {
    selectedTrader = tr.dataset.account;
    dirty.traders = true;
  }
});

/** USD value of a position; FX pairs quoted in another currency convert at that currency's USD rate. */
function usdValue(pos) {
  const value = num(pos.quantity) * pos.mark_price;
  const m = /^[A-Z]{3}([A-Z]{3})$/.exec(pos.symbol);
  if (m && m[1] !== 'USD') {
    const rate = symbols.get(`USD${m[1]}`)?.last;
    if (rate > 0) return value / rate;
  }
  return value;
}

function heatColour(v, scale) {
  const f = Math.min(1, Math.abs(v) / scale);
  const [r, g, b] = v >= 0 ? [63, 185, 80] : [248, 81, 73];
  const base = [26, 33, 42];
  const mix = (a, c) => Math.round(a + (c - a) * (0.15 + 0.85 * f));
  return `rgb(${mix(base[0], r)}, ${mix(base[1], g)}, ${mix(base[2], b)})`;
}

function renderHeatmap() {
  const table = $('#heatmap');
  const cols = new Set();
  let scale = 0;
  const accounts = [...traders.keys()].sort().filter((a) => traders.get(a).positions.size > 0);
  for (const a of accounts) {
    for (const pos of traders.get(a).positions.values()) {
      if (num(pos.quantity) === 0) continue;
      cols.add(pos.symbol);
      scale = Math.max(scale, Math.abs(usdValue(pos)));
    }
  }
  const symbolsInOrder = [...order.filter((s) => cols.has(s)), ...[...cols].filter((s) => !symbols.has(s)).sort()];
  if (accounts.length === 0 || symbolsInOrder.length === 0) {
    table.innerHTML = '<tr><td class="empty" style="width:auto;background:none">no open positions yet</td></tr>';
    $('#heatmap-scale').textContent = '';
    return;
  }
  const head = document.createElement('tr');
  head.append(document.createElement('th'));
  for (const s of symbolsInOrder) {
    const th = document.createElement('th');
    th.textContent = s;
    head.append(th);
  }
  const rows = [head];
  for (const a of accounts) {
    const tr = document.createElement('tr');
    tr.dataset.account = a;
    const th = document.createElement('th');
    th.className = 'acct';
    th.textContent = a;
    tr.append(th);
    const positions = traders.get(a).positions;
    for (const s of symbolsInOrder) {
      const td = document.createElement('td');
      td.dataset.symbol = s;
      const pos = positions.get(s);
      if (pos && num(pos.quantity) !== 0) {
        const v = usdValue(pos);
        td.style.background = heatColour(v, scale);
        td.dataset.value = String(Math.round(v));
        td.title = `${a} ${s}: ${fmtInt(pos.quantity)} @ ${pos.avg_price} · mark ${pos.mark_price} · ${fmtSigned(v)} USD · unrealized ${fmtSigned(pos.unrealized_pnl)}`;
      }
      tr.append(td);
    }
    rows.push(tr);
  }
  table.replaceChildren(...rows);
  const legend = $('#heatmap-scale');
  legend.innerHTML = '<span></span><i></i><span></span>';
  legend.children[0].textContent = `−$${fmtCompact(scale)}`;
  legend.children[2].textContent = `+$${fmtCompact(scale)}`;
}

// ---- engine status and latency ---------------------------------------------------------------

function renderLatency() {
  if (!status) return;
  const r = status.latency?.risk_decision ?? {};
  $('#latency-p50').textContent = fmtUs(r.p50);
  $('#latency-p90').textContent = fmtUs(r.p90);
  $('#latency-p99').textContent = fmtUs(r.p99);
  $('#latency-p999').textContent = fmtUs(r.p999);
  $('#latency-max').textContent = fmtUs(r.max);
  $('#latency-exec-p99').textContent = `${fmtUs(status.latency?.exec_report?.p99)} µs`;
  $('#latency-alert-p99').textContent = `${fmtUs(status.latency?.alert?.p99)} µs`;
  const rate = (v) => (typeof v === 'number' ? `${fmtInt(v)}/s` : '–');
  $('#rate-in').textContent = rate(status.rates?.in);
  $('#rate-out').textContent = rate(status.rates?.out);
  $('#rate-risk').textContent = rate(status.rates?.risk_decisions);
  $('#rate-exec').textContent = rate(status.rates?.exec_reports);

  const workers = (status.workers ?? []).map((w) => {
    const div = document.createElement('div');
    div.className = 'w';
    const fill = Math.max(0, Math.min(1, (Number(w.ring_fill) || 0) / 100));
    div.innerHTML = '<span></span><span class="bar"><i></i></span>';
    div.children[0].textContent = `w${w.id} ${fmtCompact(Number(w.frames_per_s) || 0)}/s`;
    div.querySelector('i').style.width = `${(fill * 100).toFixed(1)}%`;
    div.title = `worker ${w.id}${w.alive === false ? ' (down)' : ''}: inbound ring ${(fill * 100).toFixed(1)}% full`;
    return div;
  });
  $('#workers').replaceChildren(...workers);

  const sim = status.simulator;
  if (sim) {
    const state = $('#sim-state');
    state.textContent = sim.paused ? 'paused' : `${fmtInt(sim.rate)}/s`;
    state.className = `pill${sim.paused ? ' paused' : ''}`;
    const speed = $('#sim-speed');
    if (document.activeElement !== speed && [...speed.options].some((o) => Number(o.value) === sim.speed)) speed.value = String(sim.speed);
  }
  renderHistory();
}

function renderHistory() {
  const { ctx, w, h } = fitCanvas($('#latency-history'));
  ctx.clearRect(0, 0, w, h);
  const n = history.p99.length;
  if (n < 2) return;
  const max = Math.max(...history.p99) * 1.15 || 1;
  const x = (i) => (i / (HISTORY_POINTS - 1)) * w + (w - ((n - 1) / (HISTORY_POINTS - 1)) * w) - 1;
  const y = (v) => h - 4 - (v / max) * (h - 14);
  const line = (values, stroke) => {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1.4;
    ctx.beginPath();
    values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
    ctx.stroke();
  };
  line(history.p50, C.accent);
  line(history.p99, C.warning);
  ctx.font = '10px ui-monospace, monospace';
  ctx.fillStyle = C.muted;
  ctx.textBaseline = 'top';
  ctx.fillText(`p99 (amber) / p50 (blue), max ${fmtUs(max / 1.15)} µs`, 6, 2);
}

// ---- simulator controls ----------------------------------------------------------------------

const writeButtons = ['#sim-pause', '#sim-resume', '#sim-speed', '#scenario-crash', '#scenario-spike', '#scenario-arbitrage'];
if (!api.canWrite) {
  for (const id of writeButtons) {
    const el = $(id);
    el.disabled = true;
    el.title = 'needs the token: open the dashboard address that tickwave run prints (…/#token=…)';
  }
}

async function control(label, action) {
  try {
    await action();
    notice(`${label}: done`, 'ok');
  } catch (e) {
    notice(`${label}: ${e.message}`, 'error');
  }
}

$('#sim-pause').addEventListener('click', () => control('pause', () => api.pauseSimulator()));
$('#sim-resume').addEventListener('click', () => control('resume', () => api.resumeSimulator()));
$('#sim-speed').addEventListener('change', (e) => control(`speed ${e.target.value}×`, () => api.setSimulatorSpeed(Number(e.target.value))));
for (const name of ['crash', 'spike', 'arbitrage']) {
  $(`#scenario-${name}`).addEventListener('click', () => {
    const symbol = $('#scenario-symbol').value || undefined;
    control(`scenario ${name}${symbol ? ` on ${symbol}` : ''}`, () => api.triggerScenario(name, symbol));
  });
}

// ---- symbols the server knows, before their first quote -------------------------------------

async function loadSymbols() {
  try {
    for (const s of await api.symbols()) listing(s);
  } catch {
    // Quotes add listings as they come; the list is a head start only.
  }
}
loadSymbols();
setInterval(loadSymbols, SYMBOLS_POLL_MS);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) pollBook();
});

// ---- the render loop -------------------------------------------------------------------------

let lastSpark = 0;
let lastTables = 0;
let lastRate = performance.now();
let decodedAtLastRate = 0;

function frame(now) {
  renderSymbolRows();
  if (dirty.chart || dirty.selection) {
    renderChart();
    dirty.chart = false;
    dirty.selection = false;
  }
  if (now - lastSpark > 1_000) {
    renderSparklines();
    lastSpark = now;
  }
  if (dirty.alerts) {
    renderAlerts();
    dirty.alerts = false;
  }
  if (dirty.book) {
    renderBook();
    dirty.book = false;
  }
  if (dirty.latency) {
    renderLatency();
    dirty.latency = false;
  }
  if (now - lastTables > 500) {
    if (dirty.traders) {
      renderTraders();
      dirty.traders = false;
    }
    if (dirty.heatmap) {
      renderHeatmap();
      dirty.heatmap = false;
    }
    lastTables = now;
  }
  if (now - lastRate >= 1_000) {
    $('#msg-rate').textContent = fmtInt(((decoded - decodedAtLastRate) * 1_000) / (now - lastRate));
    decodedAtLastRate = decoded;
    lastRate = now;
  }
  requestAnimationFrame(frame);
}

new ResizeObserver(() => {
  dirty.chart = true;
  lastSpark = 0;
}).observe(chartCanvas);
renderTraders();
renderHeatmap();
requestAnimationFrame(frame);
document.body.dataset.ready = 'true';
