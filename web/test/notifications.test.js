// A member's mail choices in a real browser, on a 320 px phone, in French and Swedish:
// the page Mail from the hub (/notifications) reached from the account page, its form
// saved (a plain form) and read back, and a digest's unsubscribe link, which asks
// first and then stops the digests. No mail server is needed to choose. axe-core on
// each page; nothing scrolls sideways.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { startHub, firstAdmin } = require("./hub.cjs");
const { launch, shot, accessibilityProblems, contextOptions, signIn } = require("./browser.cjs");

const password = "a long password 1";
let hub, browser, admin;

before(async () => {
  // A mail: section whose server is never reached: choosing needs none.
  hub = await startHub("mail:\n  smtp_url: smtp://127.0.0.1:9\n  from: hub@riverside.example\n" +
                       "  hub_url: https://hub.riverside.example\n");
  browser = await launch();
  admin = await firstAdmin(hub, password);
});

after(async () => {
  if (browser) await browser.close();
  if (hub) await hub.stop();
});

async function member(name, lang) {
  const made = await fetch(`${hub.base}/api/v1/users`, {
    method: "POST", headers: { ...admin, "Content-Type": "application/json" },
    body: JSON.stringify({ name, password, email: `${name}@riverside.example` }) });
  assert.equal(made.status, 201, await made.text());
  return signedIn(name, lang);
}

// name signed in on a 320 px phone; the sign-in shows the dashboard (a visit).
function signedIn(name, lang) {
  return signIn(browser, hub.base, name, password, { lang, width: 320, height: 640 });
}

async function fits(page, what) {
  const [wide, room] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(wide <= room, `${what}: no sideways scroll at 320 px (${wide} > ${room})`);
  assert.deepEqual(await accessibilityProblems(page), [], what);
}

test("members choose their mail on a phone, in French and Swedish, and a digest's link unsubscribes", async () => {
  for (const [name, lang, title, monthly, saved] of [
    ["ana", "fr", "Courriels du hub", "Chaque mois", "Enregistré."],
    ["sven", "sv", "E-post från hubben", "Varje månad", "Sparat."]]) {
    const { context, page } = await member(name, lang);
    await page.goto(`${hub.base}/account?lang=${lang}`);
    await Promise.all([page.waitForURL(`${hub.base}/notifications`), page.click(`a[href="/notifications"]`)]);
    assert.equal(await page.textContent("h1"), title);
    assert.ok((await page.textContent("main")).includes(`${name}@riverside.example`), "the address mail goes to");
    assert.ok(await page.isChecked("#digest-default"), "the coop's default until they choose");
    await fits(page, `${lang} /notifications`);
    await shot(page, `n1-notifications-${lang}-320`);

    // Monthly, and no offers by mail.
    await page.click(`label:has-text("${monthly}")`);
    await page.uncheck("#alert-offers");
    await Promise.all([page.waitForLoadState(), page.click("#notify button[type=submit]")]);
    assert.equal(await page.textContent("[role=status]"), saved);
    await page.goto(`${hub.base}/notifications`);  // read back from the store, not the form
    assert.ok(await page.isChecked("#digest-monthly"));
    assert.ok(!(await page.isChecked("#alert-offers")));
    assert.ok(await page.isChecked("#alert-shifts"));
    await fits(page, `${lang} /notifications saved`);
    await shot(page, `n2-notifications-saved-${lang}-320`);

    // A link that is not the hub's says so.
    await page.goto(`${hub.base}/unsubscribe?u=2&s=forged&lang=${lang}`);
    assert.ok(await page.locator(".error").count(), "a forged link is refused");
    await fits(page, `${lang} /unsubscribe refused`);
    await context.close();
  }
});

// The link a digest to user carries, signed as the hub signs it (HMAC-SHA256 under the
// key it keeps in its store, read here by Debian's python3 from the SQLite file).
function unsubscribeLink(user) {
  const db = `${hub.dir}/data/coophub.db`;
  const key = require("node:child_process").execFileSync("/usr/bin/python3", ["-c",
    "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(" +
    "\"SELECT value FROM hub_keys WHERE name = 'mail_links'\").fetchone()[0])", db]).toString().trim();
  const sig = require("node:crypto").createHmac("sha256", key).update(`unsubscribe:digest:${user}`).digest("base64url");
  return `/unsubscribe?u=${user}&s=${sig}`;
}

test("the unsubscribe page asks first, then stops the digests", async () => {
  const users = await (await fetch(`${hub.base}/api/v1/users`, { headers: admin })).json();
  const ana = users.items.find((u) => u.name === "ana");
  // Ana has looked at the dashboard (the sign-in above): asking for her digest makes the
  // hub's link key, though nothing changed and nothing is sent.
  const sent = await fetch(`${hub.base}/api/v1/mail/digests`, {
    method: "POST", headers: { ...admin, "Content-Type": "application/json" }, body: JSON.stringify({ user: "ana" }) });
  const said = await sent.text();
  assert.equal(sent.status, 200, said);
  assert.equal(JSON.parse(said).queued, 0, "nothing changed: no digest");
  const context = await browser.newContext({ ...contextOptions, viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await page.goto(`${hub.base}${unsubscribeLink(ana.id)}&lang=sv`);
  assert.equal(await page.textContent("h1"), "Sluta få sammanfattningar");
  assert.ok(await page.locator("#unsubscribe button[type=submit]").count(), "a button: opening the link changes nothing");
  await fits(page, "sv /unsubscribe");
  await shot(page, "n3-unsubscribe-sv-320");
  // Clicked without being signed in, as from a mail app's browser.
  await Promise.all([page.waitForLoadState(), page.click("#unsubscribe button[type=submit]")]);
  assert.ok((await page.textContent("[role=status]")).startsWith("Klart"), await page.textContent("main"));
  await fits(page, "sv /unsubscribe done");
  await shot(page, "n4-unsubscribed-sv-320");
  await context.close();
  // Ana, signed in, finds no more digests chosen.
  const { context: again, page: mine } = await signedIn("ana", "fr");
  await mine.goto(`${hub.base}/notifications`);
  assert.ok(await mine.isChecked("#digest-never"), "no more digests");
  await again.close();
});

test("an admin gives members their addresses and sends a test message from the admin page", async () => {
  const context = await browser.newContext({ ...contextOptions, viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${hub.base}/login?lang=en`);
  await page.fill("#name", "admin");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${hub.base}/`), page.click("#login button[type=submit]")]);
  await page.goto(`${hub.base}/admin`);
  await page.waitForSelector("#mail h2");
  assert.equal(await page.textContent("#mail h2"), "Mail");
  assert.match(await page.textContent("#mail .counts"), /could not be delivered/);
  // The admin has no address yet: the test message says so, and what to do.
  await page.click("#mail-test");
  await page.waitForFunction(() => document.querySelector("#mail [role=status]").textContent !== "");
  assert.match(await page.textContent("#mail [role=status]"), /no e-mail address/);
  // Their address, given in the accounts list, is kept at once.
  const mine = page.locator('input[aria-label="E-mail of admin"]');
  await mine.fill("admin@riverside.example");
  await mine.dispatchEvent("change");
  await page.waitForFunction(() => document.querySelector("#users [role=status]").textContent === "Saved.");
  await page.click("#mail-test");
  await page.waitForFunction(() => document.querySelector("#mail [role=status]").textContent.startsWith("Queued"));
  const users = await (await fetch(`${hub.base}/api/v1/users`, { headers: admin })).json();
  assert.equal(users.items.find((u) => u.name === "admin").email, "admin@riverside.example", "read back from the store");
  const queued = await (await fetch(`${hub.base}/api/v1/mail/outbox`, { headers: admin })).json();
  assert.ok(queued.items.some((m) => m.kind === "test" && m.to === "admin@riverside.example"), JSON.stringify(queued));
  assert.deepEqual(await accessibilityProblems(page), [], "the admin page with its mail section");
  await shot(page, "n5-admin-mail-en");
  await context.close();
});
