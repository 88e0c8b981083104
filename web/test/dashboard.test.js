// The dashboard in a real browser: Debian's chromium driven by playwright-core, against
// a hub started here with two real sources (a feed and a calendar). A phone and a
// desktop viewport; a screenshot of each step in COOPHUB_ARTIFACTS; axe-core on each page.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { startHub } = require("./hub.cjs");

const src = process.env.COOPHUB_SOURCE_DIR;
const artifacts = process.env.COOPHUB_ARTIFACTS;
const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
// The hub's Content-Security-Policy forbids inline scripts, the way axe-core is put in a
// page; the contexts let the test's own script through (the hub's headers are tested
// elsewhere).
const contextOptions = { bypassCSP: true };
let hub, browser;

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  hub = await startHub(`sources:
  - id: news
    plugin: rss
    visibility: public
    config: {url: ${src}/examples/demo/feeds/coop-news.xml}
  - id: calendar
    plugin: ical
    config: {url: ${src}/examples/demo/feeds/coop-calendar.ics}
`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (hub) await hub.stop();
});

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name + ".png"), fullPage: true });
}

// axe-core's serious and critical findings on the page, as "rule: target" lines.
async function accessibilityProblems(page) {
  await page.addScriptTag({ path: require.resolve("axe-core") });
  const violations = await page.evaluate(async () => (await window.axe.run()).violations);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
                   .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// The page is rendered by the hub: reload until the first syncs have landed (bounded).
async function openUntil(page, url, text) {
  for (let i = 0; i < 40; ++i) {
    await page.goto(url);
    if ((await page.textContent("main")).includes(text)) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`${url} never showed "${text}":\n${hub.log()}`);
}

test("the first admin signs in through the setup link and sees both sources", async () => {
  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "en-GB" });
  const page = await phone.newPage();
  await page.goto(hub.setupLink);
  const code = hub.setupLink.split("#code=")[1];
  assert.equal(await page.inputValue("#code"), code, "the code comes from the link");
  assert.ok(!page.url().includes(code), "and leaves the address bar");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "1-setup-phone");
  await page.fill("#name", "ana");
  await page.fill("#password", "a long password 1");
  await Promise.all([page.waitForURL(hub.base + "/"), page.click("button[type=submit]")]);

  await openUntil(page, hub.base + "/", "Members");  // a calendar event: members only
  const main = await page.textContent("main");
  assert.match(main, /General assembly on 12 December/, "a post from the feed");
  assert.match(main, /Members.? coffee/, "an event from the calendar");
  assert.match(await page.textContent(".sources"), /news[\s\S]*calendar|calendar[\s\S]*news/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "2-dashboard-phone");

  await page.fill("#q", "coffee");
  await Promise.all([page.waitForURL(/q=coffee/), page.press("#q", "Enter")]);
  const found = await page.textContent("main");
  assert.match(found, /Members.? coffee/);
  assert.doesNotMatch(found, /Solidarity fund/, "the search keeps only what matches");
  await shot(page, "3-search-phone");

  await page.selectOption("#lang", "fr");
  await Promise.all([page.waitForURL(/lang=fr/), page.click("form.lang button")]);
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  assert.match(await page.textContent("main"), /Actualités/);
  await page.goto(hub.base + "/");  // the choice is kept
  assert.match(await page.textContent(".w-news h2"), /Actualités/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "5-french-phone");

  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop,
                                                storageState: await phone.storageState() });
  const wide = await desktop.newPage();
  await openUntil(wide, hub.base + "/", "Members");
  assert.deepEqual(await accessibilityProblems(wide), []);
  await shot(wide, "2-dashboard-desktop");
  await desktop.close();
  await phone.close();
});

test("a stranger sees public records only", async () => {
  const anonymous = await browser.newContext({ ...contextOptions, viewport: viewports.phone });
  const page = await anonymous.newPage();
  await openUntil(page, hub.base + "/", "General assembly on 12 December");
  const main = await page.textContent("main");
  assert.doesNotMatch(main, /Members.? coffee/, "the calendar is for members");
  assert.equal(await page.locator(".sources li").count(), 0, "source health is for members");
  await shot(page, "4-anonymous-phone");
  await anonymous.close();
});
