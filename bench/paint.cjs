// Time to first meaningful paint of a page in headless Chromium (Debian's, driven by
// playwright-core): for each URL, RUNS loads in a fresh browser context (no cache), each
// timed by the page itself: first-contentful-paint and largest-contentful-paint (the
// paint that shows the main content: here the widgets the server rendered).
// Usage: node paint.cjs RUNS URL...   Prints "paint NAME fcp_ms lcp_ms" medians per URL.
"use strict";
const { chromium } = require("playwright-core");

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(browser, url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  // Both entries as the browser buffered them; at most 3 s of waiting for either.
  const t = await page.evaluate(() => new Promise((resolve) => {
    const seen = {};
    const done = () => seen.fcp !== undefined && seen.lcp !== undefined && resolve(seen);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === "first-contentful-paint") seen.fcp = e.startTime;
      done();
    }).observe({ type: "paint", buffered: true });
    new PerformanceObserver((list) => {
      const entries = list.getEntries();
      seen.lcp = entries[entries.length - 1].startTime;
      done();
    }).observe({ type: "largest-contentful-paint", buffered: true });
    setTimeout(() => resolve({ fcp: seen.fcp ?? NaN, lcp: seen.lcp ?? NaN }), 3000);
  }));
  await context.close();
  return t;
}

(async () => {
  const [runs, ...urls] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  for (const url of urls) {
    await measure(browser, url);  // a warm-up: the browser's own start is not the page's
    const fcp = [], lcp = [];
    for (let i = 0; i < Number(runs); ++i) {
      const t = await measure(browser, url);
      fcp.push(t.fcp);
      lcp.push(t.lcp);
    }
    console.log(`paint ${url} ${median(fcp).toFixed(0)} ${median(lcp).toFixed(0)}`);
  }
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
