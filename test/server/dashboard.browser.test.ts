// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a real
// server: the runtime with the trading jobs on the built-in simulator, served by startServer. The
// page must load its modules from the server, decode the binary feeds, show prices that move, the
// risk check's latency, order-book depth and positions, and a price alert after the crash button.
// A Node client (tickwave/client over the `ws` package) reads the same feeds, so what the page shows
// is checked against what an independent decoder received. Saves test/artifacts/dashboard/dashboard.png.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { SimulatorSource } from '../../src/sim/simulator-source.js';
import { startServer, type TickwaveServer } from '../../src/server/server.js';
import { TickwaveFeed, type PriceAlertMessage, type QuoteMessage } from '../../src/client/index.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token';
const RESULTS = fileURLToPath(new URL('../artifacts/dashboard/', import.meta.url));

let rt: Runtime;
let sim: SimulatorSource;
let server: TickwaveServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const feeds: TickwaveFeed[] = [];
const nodeQuotes: QuoteMessage[] = [];
const nodeAlerts: PriceAlertMessage[] = [];

/** Numbers as the dashboard prints them: "1,234", "12.5", "+0.12%", "−7.40%" (U+2212). */
const parseShown = (text: string | null): number => Number((text ?? '').replace(/,/g, '').replace('−', '-').replace(/[%+×]/g, ''));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  sim = new SimulatorSource({ seed: 7, traders: 20, eventsPerSecond: 2_000, rate: 2_000 });
  const jobs = tradingJobs({});
  rt = await startRuntime({ jobs, sources: [sim] });
  server = await startServer({ runtime: rt, port: 0, token: TOKEN, simulator: sim, jobs });

  const url = server.url.replace(/^http/, 'ws');
  feeds.push(
    new TickwaveFeed({ url, endpoint: 'market-data', symbol: 'AAPL', WebSocket, onMessage: (m) => m.type === 'Quote' && nodeQuotes.push(m) }),
    new TickwaveFeed({ url, endpoint: 'alerts', subscribe: { kinds: ['price'] }, WebSocket, onMessage: (m) => m.type === 'PriceAlert' && nodeAlerts.push(m) }),
  );

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || (m.type() === 'warning' && m.text().startsWith('tickwave:'))) pageErrors.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(server.dashboardUrl);
});

afterAll(async () => {
  for (const f of feeds) f.close();
  await browser?.close();
  await server?.close();
  sim?.stop();
  await rt?.stop();
});

describe('dashboard', () => {
  test('loads its modules from the server and opens the four binary feeds', async () => {
    for (const id of ['#conn-market', '#conn-trades', '#conn-alerts', '#conn-status']) {
      await page.waitForSelector(`${id}[data-state="open"]`, { timeout: 20_000 });
    }
    // AAPL is shown first; its row exists once /symbols or a quote names it.
    await page.waitForSelector('[data-symbol="AAPL"]', { timeout: 20_000 });
    await until('the chart to show AAPL', async () => (await page.textContent('#chart-symbol')) === 'AAPL', 10_000);
    expect(await page.getAttribute('#scenario-crash', 'disabled')).toBeNull();
  });

  test('prices move, and the page shows what the Node client decoded', async () => {
    const last = '[data-symbol="AAPL"] .last';
    const first = await until('a first AAPL price', async () => {
      const t = await page.textContent(last);
      return t && /^\d+\.\d{2}$/.test(t) ? t : null;
    }, 20_000);
    const moved = await until('the AAPL price to change', async () => {
      const t = await page.textContent(last);
      return t !== first ? t : null;
    }, 30_000);
    expect(moved).toMatch(/^\d+\.\d{2}$/);
    // The page charts the primary venue's last price; some quote the Node client decoded on that
    // venue printed the same two-decimal price (the browser decoded the same bytes).
    const venue = await page.textContent('#chart-exchange');
    await until(`a Node-decoded AAPL quote at ${moved} on ${venue}`, async () => {
      const shown = await page.textContent(last);
      return nodeQuotes.some((q) => q.exchange === venue && q.last.toFixed(2) === shown);
    }, 10_000);
    const q = nodeQuotes.at(-1)!;
    expect(q.symbol).toBe('AAPL');
    expect(q.bid).toBeLessThan(q.ask);
  });

  test('the risk check latency percentiles are numbers, in order', async () => {
    const ids = ['#latency-p50', '#latency-p90', '#latency-p99', '#latency-p999', '#latency-max'];
    const values = await until('latency percentiles', async () => {
      // Read in one go: a status message landing between two reads would mix two snapshots.
      const texts = await page.locator(ids.join(', ')).allTextContents();
      return texts.every((t) => /^\d[\d,]*(\.\d)?$/.test(t)) ? texts.map(parseShown) : null;
    }, 20_000);
    const [p50, p90, p99, p999, max] = values as [number, number, number, number, number];
    const shown = `p50, p90, p99, p99.9, max: ${values.join(', ')}`;
    expect(p90, shown).toBeGreaterThanOrEqual(p50);
    expect(p99, shown).toBeGreaterThanOrEqual(p90);
    expect(p999, shown).toBeGreaterThanOrEqual(p99);
    expect(p50, shown).toBeGreaterThan(0);
    // A percentile is the upper bound of its HDR bucket (3 significant digits: 1/1024 wide at most),
    // the max is exact, and the page shows whole microseconds: p99.9 may pass the max by that much.
    expect(max, shown).toBeGreaterThanOrEqual(p999 - p999 / 1024 - 1);
  });

  test("the order book shows the selected symbol's resting orders, best first and uncrossed", async () => {
    await page.waitForSelector('#book-bids tbody tr', { timeout: 20_000 });
    await page.waitForSelector('#book-asks tbody tr', { timeout: 20_000 });
    const prices = async (table: string) => (await page.locator(`${table} tbody td.px`).allTextContents()).map(Number);
    const bids = await prices('#book-bids');
    const asks = await prices('#book-asks');
    expect(bids).toEqual([...bids].sort((a, b) => b - a));
    expect(asks).toEqual([...asks].sort((a, b) => a - b));
    expect(bids[0]!).toBeLessThan(asks[0]!);
  });

  test('positions and P&L per trader, and the heatmap, fill from the trades feed', async () => {
    await page.waitForSelector('#traders tbody tr[data-account]', { timeout: 30_000 });
    const accounts = await page.locator('#traders tbody tr[data-account]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-account')));
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) expect(a).toMatch(/^TRADER_\d{3}$/);
    await page.waitForSelector('#heatmap td[data-value]', { timeout: 30_000 });
  });

  test('timeframe and zoom controls', async () => {
    await page.click('#tf-1m');
    expect(await page.getAttribute('#tf-1m', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('#tf-5m', 'aria-pressed')).toBe('false');
    await page.click('#zoom-in');
    expect(await page.textContent('#zoom-level')).toBe('1.5×');
    await page.hover('#chart');
    await page.mouse.wheel(0, -100);
    await until('the wheel to zoom in', async () => (await page.textContent('#zoom-level')) === '1.8×', 5_000);
    await page.click('#zoom-reset');
    expect(await page.textContent('#zoom-level')).toBe('1×');
    await page.click('#tf-5m');
  });

  test('the crash button makes a price alert appear in the alerts panel', async () => {
    const priceAlerts = '#alerts li[data-kind="PriceAlert"]';
    const before = await page.locator(priceAlerts).count();
    // A move counts within one one-minute window: a window boundary in the middle of the fall can
    // split it below the 5% threshold, so the test presses again if the first crash gives nothing.
    let appeared = false;
    for (let attempt = 0; attempt < 2 && !appeared; attempt++) {
      await page.click('#scenario-crash');
      await until('the scenario to be accepted', async () => (await page.textContent('#notice')) === 'scenario crash: done', 10_000);
      appeared = await until('a price alert', async () => (await page.locator(priceAlerts).count()) > before, 40_000).catch(() => false);
    }
    expect(appeared).toBe(true);
    // One read of the newest price alert (a locator is re-evaluated at each use, and alerts keep coming).
    const { symbol, severity, text } = await page.locator(priceAlerts).first().evaluate((li) => ({
      symbol: li.getAttribute('data-symbol'), severity: li.getAttribute('data-severity'), text: li.querySelector('.text')?.textContent ?? '',
    }));
    const shown = /^([+−]\d+\.\d{2})% to (\d+\.(\d+)) \(from \d+\.\d+\) ([A-Z_]+)$/.exec(text);
    expect(shown, text).not.toBeNull();
    const [, change, price, decimals, exchange] = shown!;
    expect(['WARNING', 'CRITICAL']).toContain(severity);
    // The same alert as decoded by the Node client: symbol, exchange, change and price.
    const same = (a: PriceAlertMessage): boolean => a.symbol === symbol && a.exchange === exchange &&
      a.price_change_bp / 100 === parseShown(change!) && a.price.toFixed(decimals!.length) === price;
    await until('the Node client to have the same alert', async () => nodeAlerts.some(same), 10_000).catch((e: Error) => {
      throw new Error(`${e.message}: page shows ${symbol} "${text}"; Node has ${JSON.stringify(nodeAlerts.slice(-5))}`);
    });
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}dashboard.png`, fullPage: true });
  });

  test('no page errors or console errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
