// The HTML report is one standalone page: it renders in headless Chromium (a screenshot is saved under
// test/artifacts/sla/), draws one percentile curve per stage with HdrHistogram's percentile levels,
// marks each target pass or fail on the plot and in the table, and loads nothing from elsewhere.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { percentileCurve, reportHtml } from '../../src/metrics/sla-html.js';
import { config, highestEquivalent, histogramOf, latencies, reportOf, sortedPercentile } from './fixtures.js';

const artifacts = join(import.meta.dirname, '..', 'artifacts', 'sla');

describe('HTML report', () => {
  test('the curve has HdrHistogram\'s levels (5 per halving of the distance to 100 %) and the values there', () => {
    const values = latencies(1_000, 31);
    const sorted = [...values].sort((a, b) => a - b);
    const curve = percentileCurve(histogramOf(values));
    // 100 (1 - 1/1000) = 99.9 lies in the 10th halving: 10 x 5 levels below it, then 100 %.
    expect(curve.length).toBe(51);
    expect(curve.slice(0, 12).map((p) => p.percentile)).toEqual([0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5]);
    expect(curve[curve.length - 1]).toEqual({ percentile: 100, valueNs: highestEquivalent(sorted[999]!) });
    expect(curve[0]!.valueNs).toBe(highestEquivalent(sorted[0]!));
    expect(curve[5]!.valueNs).toBe(highestEquivalent(sortedPercentile(sorted, 50, 100)));
    expect(curve[1]!.valueNs).toBe(highestEquivalent(sortedPercentile(sorted, 10, 100)));
  });

  test('renders in headless Chromium with its plot and verdicts', async () => {
    const cfg = config({
      name: 'html check',
      targets: [
        { stage: 'risk_check', percentile: 99, maxUs: 50_000 },
        { stage: 'matching', percentile: 50, maxUs: 50_000 },
        { stage: 'end_to_end', percentile: 99.9, maxUs: 1 },
      ],
    });
    const stages = { risk_check: histogramOf(latencies(1_000, 41)), matching: histogramOf(latencies(2_000, 42)), end_to_end: histogramOf(latencies(1_000, 43)) };
    const html = reportHtml(reportOf(stages, cfg));
    // Standalone: no script, stylesheet, image or font from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|url\(|@import/);
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, 'sla-report.html');
    writeFileSync(file, html);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      expect(await page.title()).toBe('html check: FAIL');
      expect(await page.locator('#verdict').textContent()).toBe('FAIL');
      expect(await page.locator('polyline.curve').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-stage'), l.getAttribute('data-points')]))).toEqual([
        ['risk_check', String(percentileCurve(stages.risk_check).length)],
        ['matching', String(percentileCurve(stages.matching).length)],
        ['end_to_end', String(percentileCurve(stages.end_to_end).length)],
      ]);
      expect(await page.locator('g.target.pass').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-stage')))).toEqual(['risk_check', 'matching']);
      expect(await page.locator('g.target.fail').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-stage')))).toEqual(['end_to_end']);
      const e2e999 = highestEquivalent(sortedPercentile([...latencies(1_000, 43)].sort((a, b) => a - b), 999, 1000)) / 1000;
      expect(await page.locator('#targets tr.fail td').allTextContents()).toEqual(['end_to_end p99.9', '1', e2e999.toFixed(0), 'FAIL']);
      const box = await page.locator('#plot').boundingBox();
      expect([box!.width, box!.height]).toEqual([960, 520]);
      const shot = join(artifacts, 'sla-report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1100); // IHDR width: the viewport's
      expect(requests).toEqual([pathToFileURL(file).href]);
    } finally {
      await browser.close();
    }
  });
});
