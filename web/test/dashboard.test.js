// The dashboard, the admin page and the embeds in a real browser: Debian's chromium
// driven by playwright-core, against a hub started here with real sources (a feed, a
// calendar, a connector that reports its progress, and one that fails), and a page of
// "another site" on another port that embeds a widget. A phone and a desktop viewport;
// a screenshot of each step in COOPHUB_ARTIFACTS; axe-core on each page.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { startHub } = require("./hub.cjs");
const { launch, shot, accessibilityProblems, viewports, contextOptions } = require("./browser.cjs");

const src = process.env.COOPHUB_SOURCE_DIR;
const password = "a long password 1";
let hub, browser, site, siteUrl, feeds;

// "Another site": one page that embeds the hub's public news, as an iframe and as a
// <coophub-widget>. Its address is known before the hub starts, for embed_origins.
function startSite() {
  let hubBase = "";
  const server = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Riverside co-op</title>
<script src="${hubBase}/static/widget.js" defer></script></head><body><main><h1>Riverside co-op</h1>
<iframe id="framed" title="Our news" src="${hubBase}/embed/public/0" width="380" height="420"></iframe>
<coophub-widget id="element" src="${hubBase}/embed/public/0"></coophub-widget></main></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    server, url: `http://127.0.0.1:${server.address().port}`, setHub: (b) => (hubBase = b),
  })));
}

before(async () => {
  site = await startSite();
  siteUrl = site.url;
  // A calendar the test can take away, to see how a failing source reads.
  feeds = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "coophub-feeds-"));
  fs.copyFileSync(`${src}/examples/demo/feeds/open-days.ics`, path.join(feeds, "open-days.ics"));
  // A spreadsheet export, whose columns the CSV form offers once tested.
  fs.writeFileSync(path.join(feeds, "rota.csv"), "Shift,Starts,Carer\nMorning,2026-12-07T08:00:00Z,Ana\n");
  // A coop's home page that names its feed, as the admin is apt to paste instead of the feed.
  fs.writeFileSync(path.join(feeds, "index.html"), `<!doctype html><html lang="en"><head><title>Partner</title>
<link rel="alternate" type="application/atom+xml" href="file://${src}/examples/demo/feeds/partner-blog.atom"></head>
<body><h1>Partner</h1></body></html>`);
  hub = await startHub(`server:
  embed_origins: [${siteUrl}]
  time_zone: Europe/Paris
api_sources:
  file_roots: [${src}/examples/demo/feeds, ${feeds}]
sources:
  - id: news
    plugin: rss
    visibility: public
    config: {url: ${src}/examples/demo/feeds/coop-news.xml}
  - id: calendar
    plugin: ical
    config: {url: ${src}/examples/demo/feeds/coop-calendar.ics}
  - id: rota
    plugin: exec:${src}/web/test/fixtures/rota.sh
    limits: {heartbeat: 20s}
  - id: open-days
    name: Open days
    plugin: ical
    visibility: public
    every: 1d  # its runs are the test's own ("Sync now"): no quarter-hour run in between
    config: {url: ${feeds}/open-days.ics}
  - id: old-blog
    plugin: rss
    config: {url: ${src}/examples/demo/feeds/gone.xml}
dashboards:
  - id: members
    title: Riverside members
    role: viewer
    widgets: [{type: changes}, {type: agenda}, {type: news}, {type: tasks}, {type: sources}]
  - id: public
    title: Riverside co-op
    widgets: [{type: news, limit: 3}, {type: agenda}]
`);
  site.setHub(hub.base);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (hub) await hub.stop();
  if (site) site.server.close();
  if (feeds) fs.rmSync(feeds, { recursive: true, force: true });
});

// The page is rendered by the hub: reload until the first syncs have landed (bounded).
async function openUntil(page, url, text) {
  for (let i = 0; i < 40; ++i) {
    await page.goto(url);
    if ((await page.textContent("main")).includes(text)) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`${url} never showed "${text}":\n${hub.log()}`);
}

let adminState;  // the first admin's signed-in browser state, for the later tests

// Once the service worker is active, the page as it serves it (a page loaded before it
// was may not be in its hands yet).
async function underServiceWorker(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), "the worker serves the page");
}

// The pages the service worker kept for offline reading, one after the other.
function keptPages(page) {
  return page.evaluate(async () => {
    const cache = await caches.open("coophub-pages-v1");
    const texts = [];
    for (const request of await cache.keys()) texts.push(await (await cache.match(request)).text());
    return texts.join("\n");
  });
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
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(hub.base + "/"), page.click("button[type=submit]")]);

  await openUntil(page, hub.base + "/", "Members");  // a calendar event: members only
  const main = await page.textContent("main");
  assert.match(main, /Riverside members/, "the members' dashboard");
  assert.match(main, /General assembly on 12 December/, "a post from the feed");
  assert.match(main, /Members.? coffee/, "an event from the calendar");
  assert.equal(await page.textContent(".w-news .record .source"), "News", "each item names its source, by name");
  assert.equal(await page.locator(".w-news .record .fresh").count(), 0, "no freshness on items that are fresh");
  // Each widget a card; each source its icon and colour (rss: news; ical: a calendar).
  assert.ok(await page.locator(".widgets > section.widget").count() >= 4);
  assert.match(await page.getAttribute(".w-news .record .source", "class"), /^source c-[a-z]+$/);
  assert.equal(await page.locator(".w-agenda .record .source svg.icon").count() > 0, true);
  const colours = await page.$$eval(".w-agenda .record .source", (els) => new Set(els.map((e) => e.className)).size);
  assert.ok(colours >= 1);
  assert.deepEqual(await accessibilityProblems(page), []);
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `the members' page on a phone: no sideways scroll (${scroll} > ${width})`);
  await shot(page, "2-dashboard-phone");

  await page.fill("#q", "coffee");
  await Promise.all([page.waitForURL(/q=coffee/), page.press("#q", "Enter")]);
  const found = await page.textContent("main");
  assert.match(found, /Members.? coffee/);
  assert.doesNotMatch(found, /Solidarity fund/, "the search keeps only what matches");
  assert.ok(await page.locator(".w-results mark").count() > 0, "matches are marked");
  await shot(page, "3-search-phone");

  await page.selectOption("#lang", "fr");
  await Promise.all([page.waitForURL(/lang=fr/), page.click("form.lang button")]);
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  assert.match(await page.textContent("main"), /Actualités/);
  await page.goto(hub.base + "/");  // the choice is kept
  assert.match(await page.textContent(".w-news h2"), /Actualités/);
  assert.match(await page.textContent(".w-news time"), /^\w+\. \d+ nov\.$/, "dates in French, with the weekday");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "5-french-phone");
  // The choice is the account's too: another device, signed in, gets French.
  const session = (await phone.cookies()).filter((c) => c.name === "coophub_session");
  const other = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, locale: "en-GB" });
  await other.addCookies(session);
  const elsewhere = await other.newPage();
  await elsewhere.goto(hub.base + "/");
  assert.equal(await elsewhere.getAttribute("html", "lang"), "fr", "the account's language, not the browser's");
  await other.close();
  await page.selectOption("#lang", "en");
  await Promise.all([page.waitForURL(/lang=en/), page.click("form.lang button")]);
  assert.equal(await page.getAttribute("html", "lang"), "en");

  adminState = await phone.storageState();
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const wide = await desktop.newPage();
  await openUntil(wide, hub.base + "/", "Members");
  assert.deepEqual(await accessibilityProblems(wide), []);
  await shot(wide, "2-dashboard-desktop");
  await wide.goto(hub.base + "/month");
  assert.equal(await wide.locator("table.month thead th").count(), 7, "a calendar of weeks on a wide screen");
  assert.deepEqual(await accessibilityProblems(wide), []);
  await shot(wide, "2-month-desktop");
  await desktop.close();
  await phone.close();
});

test("a failed source is marked stale with its reason, on the dashboard and in the admin", async () => {
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const page = await desktop.newPage();
  await openUntil(page, hub.base + "/", "last sync failed");
  const line = await page.textContent(".w-sources .source.stale");
  assert.match(line, /^Old blog rss /, "its name, and its connector for the tech person");
  assert.match(line, /could not be read yet/, "never read: not \"updated\"");
  assert.match(line, /last sync failed: .*gone\.xml/, "the reason names the file");
  await page.goto(hub.base + "/admin");
  await page.waitForSelector("#source-old-blog .reason");
  assert.match(await page.textContent("#source-old-blog .reason"), /gone\.xml/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "6-admin-desktop");
  await desktop.close();
});

// Every <time>'s words, in page order.
const timeTexts = (page) => page.$$eval("main time", (els) => els.map((e) => e.textContent));

// The hour each <time> that shows one says (its start, for a range); or, given a zone,
// the hour its datetime is there.
async function startHours(page, zone) {
  const times = await page.$$eval("main time:not([data-day])", (els) => els.map((e) => [e.dateTime, e.textContent]));
  const hour = (iso) => Number(new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone: zone })
                                 .format(new Date(iso)));
  return times.filter(([, text]) => /\d:\d\d/.test(text))
              .map(([iso, text]) => (zone ? hour(iso) : Number(/(\d+):\d\d/.exec(text)[1])));
}

test("times read the same with and without JavaScript, in the reader's time zone", async () => {
  // The hub's zone (Europe/Paris): the page as the hub wrote it, and as the web code leaves it.
  const plain = await browser.newContext({ viewport: viewports.phone, locale: "en-GB", timezoneId: "Europe/Paris",
                                           javaScriptEnabled: false });
  const paris = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "en-GB",
                                           timezoneId: "Europe/Paris" });
  const hubWords = await (async () => { const p = await plain.newPage(); await openUntil(p, hub.base + "/", "Open day");
                                        return timeTexts(p); })();
  assert.ok(hubWords.length > 3, "the public page has times");
  const p2 = await paris.newPage();
  await p2.goto(hub.base + "/");
  assert.deepEqual(await timeTexts(p2), hubWords, "the browser is in the hub's zone: the hub's words stand");

  // A reader in New York: the first page, written in Paris time, is loaded once more in
  // New York time (a cookie keeps the zone for the next pages), with the hub's words.
  const ny = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "en-GB",
                                        timezoneId: "America/New_York" });
  const p3 = await ny.newPage();
  await p3.goto(hub.base + "/");
  await p3.waitForFunction(() => document.body.dataset.tz === "America/New_York");
  const hubInNewYork = await timeTexts(p3);
  const noScript = await browser.newContext({ viewport: viewports.phone, locale: "en-GB", javaScriptEnabled: false });
  await noScript.addCookies([{ name: "coophub_tz", value: "America/New_York", url: hub.base }]);
  const p4 = await noScript.newPage();
  await p4.goto(hub.base + "/");
  assert.deepEqual(await timeTexts(p4), hubInNewYork, "the same words without JavaScript");
  assert.deepEqual(await startHours(p3), await startHours(p3, "America/New_York"), "New York hours");
  assert.notDeepEqual(hubInNewYork, hubWords);

  // Where the hub cannot help (here: this tab already tried), the browser says the
  // times itself, in its zone.
  await ny.addInitScript(() => sessionStorage.setItem("coophub_tz", "America/New_York"));
  await ny.clearCookies();
  const p5 = await ny.newPage();
  await p5.goto(hub.base + "/");
  assert.equal(await p5.getAttribute("body", "data-tz"), "Europe/Paris", "no reload");
  assert.deepEqual(await startHours(p5), await startHours(p5, "America/New_York"), "re-rendered in New York time");
  for (const c of [plain, paris, ny, noScript]) await c.close();
});

test("a source that stops working: members read one plain sentence, the tech person reads why", async () => {
  fs.rmSync(path.join(feeds, "open-days.ics"));
  const admin = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const page = await admin.newPage();
  await page.goto(hub.base + "/admin");
  await page.waitForSelector("#source-open-days");
  await page.click("#source-open-days >> text=Sync now");
  await page.waitForFunction(() => /failed/.test(document.querySelector("#source-open-days").textContent),
                             null, { timeout: 30000 });

  const stranger = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "fr-FR" });
  const phone = await stranger.newPage();
  await openUntil(phone, hub.base + "/?lang=fr", "n’a pas pu être mis à jour");
  const notice = await phone.textContent(".w-agenda .notice.stale");
  assert.match(notice, /^Open days n’a pas pu être mis à jour depuis .+ : ces éléments sont peut-être anciens\./,
               "one sentence, in French, naming the source by its name");
  assert.equal(await phone.locator(".notice.stale details").count(), 0, "the connector's message is not for members");
  const main = await phone.textContent("main");
  assert.doesNotMatch(main, /open-days|\.ics|No such file/i, "no ids, paths or connector words");
  assert.match(main, /Open day: meet the coop/, "what was stored stays");
  assert.deepEqual(await accessibilityProblems(phone), []);
  await shot(phone, "12-stale-notice-french-phone");

  await page.goto(hub.base + "/");
  await page.click(".w-agenda .notice.stale summary");
  assert.match(await page.textContent(".w-agenda .notice.stale .reason"), /open-days\.ics/, "the tech person sees why");
  await shot(page, "13-stale-notice-desktop");
  await stranger.close();
  await admin.close();
});

test("the page fits a 320 px phone in French and Swedish; the agenda shows each series once", async () => {
  for (const [lang, agenda, name] of [["fr", "À venir", "Français"], ["sv", "På gång", "Svenska"]]) {
    const narrow = await browser.newContext({ ...contextOptions, viewport: { width: 320, height: 640 }, locale: lang });
    const page = await narrow.newPage();
    await page.goto(hub.base + "/?lang=" + lang);
    assert.equal(await page.textContent(".w-agenda h2"), agenda);
    assert.equal((await page.textContent("header a.lang-link")).trim(), name, "the language, at the top");
    await page.click("header a.lang-link");
    assert.ok(page.url().endsWith("#lang"), "which leads to the picker");
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `${lang}: no sideways scroll at 320 px (${scroll} > ${width})`);
    const days = await page.locator(".w-agenda .record:has-text('Open day: meet the coop')").count();
    assert.equal(days, 1, "a monthly event once, with its next dates");
    assert.ok(await page.locator(".w-agenda .record:has-text('Open day: meet the coop') .repeats time").count() > 0);
    assert.match(await page.textContent(".w-agenda .record:has-text('Open day: meet the coop') .place"), /Riverside co-working space/);
    assert.ok(await page.locator(".w-agenda h3.day").count() > 0, "grouped by day");
    assert.deepEqual(await accessibilityProblems(page), []);
    await shot(page, `14-agenda-${lang}-320`);
    // The month view, from the agenda; the next month with the keyboard alone.
    await Promise.all([page.waitForURL(/\/month$/), page.click(".w-agenda a.month-link")]);
    const month = new Intl.DateTimeFormat(lang, { month: "long" }).format(new Date());
    assert.ok((await page.textContent("h1")).toLowerCase().startsWith(month), `${lang}: this month's name`);
    assert.equal(await page.locator("td[aria-current=date]").count(), 1, "today marked");
    const [wide, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(wide <= inner, `${lang} month: no sideways scroll at 320 px (${wide} > ${inner})`);
    assert.deepEqual(await accessibilityProblems(page), []);
    await shot(page, `14-month-${lang}-320`);
    await page.focus("nav.months a[rel=next]");
    await Promise.all([page.waitForURL(/month=\d{4}-\d\d/), page.keyboard.press("Enter")]);
    assert.ok(await page.locator("table.month li:has-text('Open day: meet the coop')").count() >= 1,
              "the first Saturday's open day, in its month");
    await narrow.close();
  }
});

test("an admin adds a source through the form, tests it, saves it and sees its records", async () => {
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const page = await desktop.newPage();
  await page.goto(hub.base + "/admin");
  await page.click("text=Add a source");
  await page.fill("#f-name", "Partner blog");
  await page.fill("#f-id", "partner");
  await page.selectOption("#f-plugin", "rss");
  await page.fill("[data-path=url]", `file://${src}/examples/demo/feeds/no-such-feed.atom`);
  await page.click("text=Test connection");
  await page.waitForSelector(".form-status.error");
  assert.match(await page.textContent(".form-status"), /Connection failed: .*no-such-feed/, "a failed test says why");
  // Saving after a failed test asks first; saying no keeps the form as it was.
  const asked = new Promise((resolve) => page.once("dialog", async (d) => { resolve(d.message()); await d.dismiss(); }));
  await page.click(".source-form button[type=submit]");
  assert.match(await asked, /last connection test failed/);
  assert.equal(await page.locator("#source-partner").count(), 0, "nothing saved");
  // The coop's home page instead of its feed: the hub finds the feed the page names.
  await page.fill("[data-path=url]", `file://${feeds}/index.html`);
  await page.click("text=Test connection");
  await page.waitForSelector(".form-status button.suggest");
  assert.match(await page.textContent(".form-status"), /web page, not a feed/);
  await page.click(".form-status button.suggest");
  assert.equal(await page.inputValue("[data-path=url]"), `file://${src}/examples/demo/feeds/partner-blog.atom`);
  await page.click("text=Test connection");
  await page.waitForFunction(() => /Connection works/.test(document.querySelector(".form-status").textContent));
  assert.ok(await page.locator('[data-path=auth_header][type=password]').count() === 1, "secret fields are masked");
  const hintId = await page.getAttribute("[data-path=url]", "aria-describedby");
  assert.match(await page.textContent("#" + hintId), /^Where to read it: https:\/\//, "what a field is for, from the catalogs");
  assert.ok(await page.locator("details.advanced [data-path=max_entries]").count() === 1, "settings with defaults fold");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "7-admin-form-desktop");
  await page.click(".source-form button[type=submit]");
  await page.waitForSelector("#source-partner");
  assert.match(await page.textContent("#sources .saved"), /Saved “Partner blog”: its first sync has started/);
  await page.waitForFunction(() => /worked/.test(document.querySelector("#source-partner").textContent),
                             null, { timeout: 30000 });
  await page.click("#source-partner >> text=Runs");
  await page.waitForSelector("#source-partner + tr.runs li");
  assert.match(await page.textContent("#source-partner + tr.runs"), /on saving/, "the first run is the save's");
  // "now" when the test runs at the turn of the source's interval (its runs fall on a grid)
  assert.match(await page.textContent("#source-news"), /Next sync (in |now)/, "when the next sync comes");
  // A pause from the admin, for a source of hub.yaml too: kept as an override.
  await page.click("#source-news >> text=Pause");
  await page.waitForFunction(() => /Paused/.test(document.querySelector("#source-news").textContent));
  assert.match(await page.textContent("#source-news"), /changed here: enabled/);
  await page.click("#source-news >> text=Back to hub.yaml's values");
  await page.waitForFunction(() => /Next sync (in |now)/.test(document.querySelector("#source-news").textContent));
  // Services with a manifest are connectors of their own, with only the fields they need.
  await page.click("text=Add a source");
  await page.selectOption("#f-plugin", "loomio");
  assert.equal(await page.locator("[data-path=manifest]").count(), 0);
  assert.deepEqual(await page.$$eval(".schema-form > .field [data-path]", (els) => els.map((e) => e.dataset.path)),
                   ["api_key", "group_id"], "required fields first");
  assert.equal(await page.locator("details.advanced [data-path=base_url]").count(), 1, "the default address folded");
  assert.equal(await page.textContent("label[for=" + await page.getAttribute("[data-path=group_id]", "id") + "]"), "Group number *");
  await shot(page, "7b-admin-loomio-form-desktop");
  // A CSV: after the test, its columns are offered in the columns fields.
  await page.selectOption("#f-plugin", "csv");
  await page.fill("[data-path=url]", `file://${feeds}/rota.csv`);
  await page.click("text=Test connection");
  await page.waitForSelector(".form-status .choices");
  assert.match(await page.textContent(".form-status"), /Columns found: Shift, Starts, Carer/);
  const offered = await page.$eval("[data-path='columns.title']", (input) => [...input.list.options].map((o) => o.value));
  assert.deepEqual(offered, ["Shift", "Starts", "Carer"], "the title field offers the file's columns");
  await shot(page, "7c-admin-csv-columns-desktop");
  await page.click(".source-form >> text=Cancel");
  await openUntil(page, hub.base + "/", "Winter routes");
  assert.equal(await page.textContent(".record:has-text('Winter routes') .source"), "Partner blog", "by its name");
  await desktop.close();
});

test("sync now shows the run's progress live, then its new records", async () => {
  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, storageState: adminState });
  const page = await phone.newPage();
  await page.goto(hub.base + "/admin");
  await page.waitForSelector("#source-rota");
  fs.writeFileSync(path.join(hub.dir, "hold"), "");  // the next run holds after its first record, until "go"
  await page.click("#source-rota >> text=Sync now");
  // The rota holds after its first record: the progress is there to see.
  await page.waitForSelector("#source-rota progress", { timeout: 30000 });
  await page.waitForFunction(() => /1 of 2/.test(document.querySelector("#source-rota .status").textContent),
                             null, { timeout: 30000 });
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "8-sync-progress-phone");
  fs.writeFileSync(path.join(hub.dir, "go"), "");
  await page.waitForFunction(() => !document.querySelector("#source-rota progress"), null, { timeout: 30000 });
  assert.match(await page.textContent("#source-rota"), /up to date/);
  assert.match(await page.textContent("#source-rota"), /worked/, "the run that just ended");
  await page.goto(hub.base + "/");
  assert.match(await page.textContent(".w-tasks"), /Close the co-working space/);
  // The first task names ana: hers is marked, and "only mine" keeps it alone.
  assert.match(await page.textContent(".w-tasks .record.mine"), /Open the co-working space/);
  assert.equal(await page.locator(".w-tasks .record.mine").count(), 1);
  await Promise.all([page.waitForURL(/mine=1/), page.click(".w-tasks .mine-filter")]);
  const mine = await page.textContent(".w-tasks");
  assert.match(mine, /Open the co-working space/);
  assert.doesNotMatch(mine, /Close the co-working space/, "only what names her");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "15-only-mine-phone");
  await phone.close();
});

test("a member puts the agenda in their phone's calendar in two taps, and revokes the link", async () => {
  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, storageState: adminState });
  const page = await phone.newPage();
  await page.goto(hub.base + "/");
  await Promise.all([page.waitForURL(/\/calendar$/), page.click(".w-agenda button:has-text('Add to my calendar')")]);
  const webcal = await page.getAttribute("#subscribe", "href");
  assert.match(webcal, /^webcal:\/\/127\.0\.0\.1:\d+\/feeds\/records\.ics\?kind=event&token=chub_/, "the second tap opens the app");
  const url = await page.inputValue("#calendar-url");
  assert.equal(url, webcal.replace(/^webcal:/, "http:"), "and the address to copy");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "16-calendar-link-phone");
  // What a calendar app gets: ana's events, members' ones too, without a cookie.
  const calendar = await fetch(url);
  assert.equal(calendar.status, 200);
  assert.match(await calendar.text(), /SUMMARY:Members.? coffee/);
  assert.equal((await fetch(hub.base + "/api/v1/me", { headers: { Authorization: "Bearer " + new URL(url).searchParams.get("token") } })).status,
               401, "the link opens the feeds only");
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('Revoke')")]);
  await page.waitForSelector("text=The link is revoked");
  assert.equal((await fetch(url)).status, 401, "a revoked link stops at once, and says so");

  // The calendar page, and the admin page as a member who may not use it, on a 320 px
  // phone in French and Swedish.
  const csrf = await page.getAttribute("body", "data-csrf");
  const made = await page.request.post(hub.base + "/api/v1/users", {
    headers: { "X-CSRF-Token": csrf }, data: { name: "joe", password: password, role: "viewer" } });
  assert.equal(made.status(), 201, await made.text());
  for (const [lang, title, refused] of [["fr", "Mon agenda", /réservée aux éditeurs/], ["sv", "Min kalender", /för kooperativets redaktörer/]]) {
    const narrow = await browser.newContext({ ...contextOptions, viewport: { width: 320, height: 640 }, locale: lang });
    const joe = await narrow.newPage();
    await joe.goto(hub.base + "/login?lang=" + lang);
    await joe.fill("#name", "joe");
    await joe.fill("#password", password);
    await Promise.all([joe.waitForURL(hub.base + "/"), joe.click("#login button[type=submit]")]);
    await Promise.all([joe.waitForURL(/\/calendar$/), joe.click(".w-agenda .subscribe button")]);
    assert.equal(await joe.textContent("h1"), title);
    for (const shown of ["calendar", "admin", "account"]) {
      if (shown === "account") {
        await joe.goto(hub.base + "/account");
        assert.equal(await joe.locator("#password-form input[type=password]").count(), 3);
      }
      if (shown === "admin") {
        const answer = await joe.goto(hub.base + "/admin");
        assert.equal(answer.status(), 403);
        assert.match(await joe.textContent("#refused"), refused, "which role it takes, in the reader's language");
      }
      const [scroll, width] = await joe.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scroll <= width, `${lang} ${shown}: no sideways scroll at 320 px (${scroll} > ${width})`);
      assert.deepEqual(await accessibilityProblems(joe), []);
      await shot(joe, `17-${shown}-${lang}-320`);
    }
    await narrow.close();
  }
  await phone.close();
});

test("an admin makes a share link and an API token; each works until revoked", async () => {
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const page = await desktop.newPage();
  await page.goto(hub.base + "/admin");
  // joe forgot his password: the admin sets a new one, and only the new one signs in.
  await page.click("#users li:has-text('joe') button.reset");
  await page.fill("#users li:has-text('joe') input[type=password]", "a brand new password 2");
  await page.click("#users li:has-text('joe') button.reset");
  await page.waitForFunction(() => /New password set for joe/.test(document.querySelector("#users [role=status]").textContent));
  const signIn = (pw) => fetch(hub.base + "/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
                                                            body: JSON.stringify({ name: "joe", password: pw }) });
  assert.equal((await signIn("a brand new password 2")).status, 200);
  assert.equal((await signIn(password)).status, 401, "the old one no longer");
  // Then joe makes it his own, on a phone in French without JavaScript: his name at the
  // top opens his account page; a wrong current password is said, and changes nothing.
  const noScript = await browser.newContext({ viewport: viewports.phone, locale: "fr", javaScriptEnabled: false });
  const joe = await noScript.newPage();
  await joe.goto(hub.base + "/login?lang=fr");
  await joe.fill("#name", "joe");
  await joe.fill("#password", "a brand new password 2");
  await Promise.all([joe.waitForURL(hub.base + "/"), joe.click("#login button[type=submit]")]);
  await Promise.all([joe.waitForURL(/\/account$/), joe.click("header a.user")]);
  assert.equal(await joe.textContent("h1"), "Votre compte");
  const change = async (current, fresh, repeat) => {
    await joe.fill("#current", current);
    await joe.fill("#password", fresh);
    await joe.fill("#repeat", repeat);
    await Promise.all([joe.waitForLoadState("load"), joe.click("#password-form button[type=submit]")]);
  };
  await change("not my password", "joe's own password 3", "joe's own password 3");
  assert.match(await joe.textContent("[role=alert]"), /rien n'a été changé/);
  await change("a brand new password 2", "joe's own password 3", "joe's own password 3");
  assert.match(await joe.textContent("[role=status]"), /Votre mot de passe est changé/);
  assert.match(await joe.textContent("header"), /joe/, "still signed in on this phone");
  await shot(joe, "11-account-password-fr-phone");
  assert.equal((await signIn("joe's own password 3")).status, 200);
  assert.equal((await signIn("a brand new password 2")).status, 401);
  await noScript.close();
  await page.fill("#sh-name", "the website's agenda");
  await page.selectOption("#sh-kind", "event");
  await page.click("#shares button[type=submit]");
  await page.waitForSelector("#shares .made pre");
  const secret = /share=(share_[\w-]+)/.exec(await page.textContent("#shares .made pre"))[1];
  assert.match(await page.textContent("#shares ul"), /the website's agenda/);
  await page.fill("#k-name", "my phone");
  await page.click("#tokens button[type=submit]");
  await page.waitForSelector("#tokens .made code.secret");
  const token = await page.textContent("#tokens .made code.secret");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "11-admin-secrets-desktop");

  // The share link opens the members' agenda to an embed; the token opens the API.
  const framed = await page.request.get(`${hub.base}/embed/members/1?share=${secret}`);
  assert.equal(framed.status(), 200);
  assert.match(await framed.text(), /Members(&#39;)? coffee/, "a members' event, through the link");
  assert.equal((await page.request.get(`${hub.base}/embed/members/1`)).status(), 403, "not without the link");
  const me = await page.request.get(`${hub.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await me.json()).name, "ana");

  await page.click("#shares li:has-text(\"the website's agenda\") button");
  await page.waitForFunction(() => !/the website's agenda/.test(document.querySelector("#shares ul").textContent));
  assert.equal((await page.request.get(`${hub.base}/embed/members/1?share=${secret}`)).status(), 403, "revoked at once");
  await page.click("#tokens li:has-text(\"my phone\") button");
  await page.waitForFunction(() => !/my phone/.test(document.querySelector("#tokens ul").textContent));
  const after = await page.request.get(`${hub.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status(), 401);
  await desktop.close();
});

test("an admin builds an embed in the admin; a site not yet allowed is told why, then shows it once allowed", async () => {
  // A partner's site on a port of its own, not in hub.yaml, showing what the admin pastes.
  let pasted = "";
  const partner = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner coop</title></head>
<body><main><h1>Partner coop</h1>${pasted}</main></body></html>`);
  });
  await new Promise((resolve) => partner.listen(0, "127.0.0.1", resolve));
  const partnerUrl = `http://127.0.0.1:${partner.address().port}`;
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, storageState: adminState });
  const visitor = await browser.newContext({ viewport: viewports.phone, locale: "en-GB" });
  try {
    const admin = await desktop.newPage();
    await admin.goto(hub.base + "/admin");
    await admin.selectOption("#em-dashboard", "members");
    await admin.selectOption("#em-widget", { label: "Coming up" });
    assert.equal(await admin.inputValue("#em-access"), "share", "a members' widget needs a share link");
    await admin.click("#embeds button.primary");
    await admin.waitForSelector("#em-element");
    const element = await admin.inputValue("#em-element"), iframe = await admin.inputValue("#em-iframe");
    assert.match(element, /<coophub-widget src="http:\/\/127\.0\.0\.1:\d+\/embed\/members\/1\?share=share_[\w-]+"><\/coophub-widget>/);
    assert.match(iframe, /<iframe [^>]*data-coophub-embed/);
    await admin.frameLocator("#embeds iframe.embed-preview").locator(".w-agenda").waitFor();
    assert.match(await admin.frameLocator("#embeds iframe.embed-preview").locator("main").textContent(), /Members.? coffee/,
                 "the live preview");
    await admin.waitForFunction(() => /Coming up/.test(document.querySelector("#shares ul").textContent));
    assert.deepEqual(await accessibilityProblems(admin), []);
    await shot(admin, "20-embed-builder-desktop");

    pasted = element + "\n" + iframe;
    const page = await visitor.newPage();
    await page.goto(partnerUrl + "/");
    await page.waitForFunction(() => /may not show/.test(document.querySelector("coophub-widget")?.shadowRoot?.textContent || ""));
    assert.match(await page.locator("coophub-widget .coophub-embed").textContent(), /This site \(http:\/\/127\.0\.0\.1:\d+\) may not show the coop's widgets yet/);
    await page.frameLocator("iframe[data-coophub-embed]").locator(".refused").waitFor();
    assert.match(await page.frameLocator("iframe[data-coophub-embed]").locator(".refused").textContent(), /Allowed sites/,
                 "the iframe says it too, rather than a blank frame");
    await shot(page, "21-embed-refused-phone");

    await admin.fill("#em-site", partnerUrl + "/news.html");
    await admin.click("#embeds .sites button[type=submit]");
    await admin.waitForFunction((site) => document.querySelector("#em-sites").textContent.includes(site), partnerUrl);
    await page.reload();
    await page.locator("coophub-widget .w-agenda .record").first().waitFor({ timeout: 30000 });
    assert.match(await page.locator("coophub-widget .w-agenda").textContent(), /Members.? coffee/, "allowed at once, no restart");
    await page.frameLocator("iframe[data-coophub-embed]").locator(".w-agenda").waitFor();
    await page.waitForFunction(() => parseInt(document.querySelector("iframe[data-coophub-embed]").style.height, 10) > 150);
    const [frameHeight, contentHeight] = await page.evaluate(() => {
      const f = document.querySelector("iframe[data-coophub-embed]");
      return [f.getBoundingClientRect().height, parseInt(f.style.height, 10)];
    });
    assert.ok(Math.abs(frameHeight - contentHeight) < 2, `the iframe took its content's height (${frameHeight} vs ${contentHeight})`);
    await shot(page, "22-embed-allowed-phone");
  } finally {
    await visitor.close();
    await desktop.close();
    partner.close();
  }
});

test("a member signs out and in again through the sign-in page", async () => {
  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, storageState: adminState });
  const page = await phone.newPage();
  await page.goto(hub.base + "/");
  // The service worker keeps the members' page for offline reading, until signing out:
  // then the next person at this computer finds none of it.
  await underServiceWorker(page);
  assert.match(await keptPages(page), /Riverside members/);
  await page.click("text=Sign out");
  await page.waitForSelector("header >> text=Sign in");
  assert.match(await page.textContent("h1"), /Riverside co-op/, "signed out: the public dashboard");
  assert.doesNotMatch(await keptPages(page), /Riverside members/, "signing out forgets the pages kept");
  await page.click("text=Sign in");
  await page.fill("#name", "ana");
  await page.fill("#password", "wrong password");
  await page.click("#login button[type=submit]");
  await page.waitForFunction(() => /Wrong name or password\./.test(document.getElementById("status").textContent));
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "9-sign-in-phone");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(hub.base + "/"), page.click("#login button[type=submit]")]);
  assert.match(await page.textContent("h1"), /Riverside members/);
  await phone.close();
});

test("a stranger sees public records only", async () => {
  const anonymous = await browser.newContext({ ...contextOptions, viewport: viewports.phone });
  const page = await anonymous.newPage();
  await openUntil(page, hub.base + "/", "General assembly on 12 December");
  const main = await page.textContent("main");
  assert.doesNotMatch(main, /Members.? coffee/, "the calendar is for members");
  assert.equal(await page.locator(".w-sources").count(), 0, "source health is for members");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "4-anonymous-phone");
  await anonymous.close();
});

test("another site embeds the public news as an iframe and as a <coophub-widget>", async () => {
  // No bypassCSP here: the hub's frame-ancestors must let this site frame it.
  const desktop = await browser.newContext({ viewport: viewports.desktop, locale: "en-GB" });
  const page = await desktop.newPage();
  await page.goto(siteUrl + "/");
  const frame = page.frameLocator("#framed");
  await frame.locator(".w-news .record").first().waitFor({ timeout: 30000 });
  assert.match(await frame.locator("main").textContent(), /General assembly on 12 December/);
  const element = page.locator("#element .w-news .record").first();  // playwright pierces the shadow root
  await element.waitFor({ timeout: 30000 });
  const shown = await page.locator("#element .w-news").textContent();
  assert.match(shown, /General assembly on 12 December/);
  assert.match(shown, /23 Nov/, "dates written in the reader's language, with the weekday");
  await shot(page, "10-embed-desktop");
  await desktop.close();
});

test("the dashboard installs as an app, follows a dark system theme, and shows the last page read offline", async () => {
  // A hub of its own, to take away from under the page.
  const own = await startHub(`sources:
  - id: news
    name: News
    plugin: rss
    visibility: public
    config: {url: ${src}/examples/demo/feeds/coop-news.xml}
dashboards:
  - id: public
    title: {en: Riverside co-op, sv: Riverside kooperativ}
    widgets: [{type: news}]
`);
  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "sv", colorScheme: "dark" });
  try {
    const page = await phone.newPage();
    await page.goto(own.base + "/");
    for (let i = 0; i < 40 && !/General assembly/.test(await page.textContent("main")); ++i) {
      await page.waitForTimeout(250);
      await page.goto(own.base + "/");
    }
    assert.match(await page.textContent("main"), /General assembly/, own.log());
    const manifest = await page.evaluate(async () => (await fetch("/manifest.webmanifest")).json());
    assert.equal(manifest.name, "Riverside kooperativ", "named after the public dashboard, in the reader's language");
    assert.equal((await page.request.get(own.base + manifest.icons[1].src)).headers()["content-type"], "image/png");
    await underServiceWorker(page);
    const cdp = await phone.newCDPSession(page);
    assert.deepEqual((await cdp.send("Page.getAppManifest")).errors, [], "chromium reads the manifest");
    // A test browser's context is a private window, where nothing installs: every other
    // reason would be the page's.
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== "in-incognito"), [],
                     "chromium would offer to install it");
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, "rgb(13, 17, 23)", "the dark theme, as the system asks");
    assert.deepEqual(await accessibilityProblems(page), [], "contrast holds in the dark theme too");
    await shot(page, "18-dark-sv-phone");

    assert.match(await keptPages(page), /General assembly/);
    await own.stop();
    await page.reload();
    assert.match(await page.textContent("main .offline"), /Du är offline/, "marked as the page kept, in Swedish");
    assert.match(await page.textContent("main"), /General assembly/, "with what it said");
    await shot(page, "19-offline-sv-phone");
  } finally {
    await phone.close();
    await own.stop();
  }
});
