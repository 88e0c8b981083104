// Matching in a real browser, both sides: a coordinator on the admin page sees the open
// requests and a request's candidates with their reasons, and offers it to one; that
// carer, signed in on a phone, finds the offer on their dashboard and takes it there;
// the coordinator's list no longer has it. Then the carer turns down a request that fits
// them, in Catalan, with JavaScript off. The hub serves examples/matching (the generated
// home-care coop), made smaller. axe-core on each page; no sideways scroll on the phone.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { startHub } = require("./hub.cjs");
const { launch, shot, accessibilityProblems, viewports, contextOptions } = require("./browser.cjs");

const src = process.env.COOPHUB_SOURCE_DIR;
const example = `${src}/examples/matching`;
const password = "a long password 1";
let hub, browser, admin;

// The example's hub.yaml with its paths made absolute and fewer people and visits.
function exampleConfig() {
  return require("node:fs").readFileSync(`${example}/hub.yaml`, "utf8")
    .replaceAll("exec:./carecoop.py", `exec:${example}/carecoop.py`)
    .replace("postcodes: postcodes.csv", `postcodes: ${example}/postcodes.csv`)
    .replaceAll(/config: \{stream: (\w+)\}/g, "config: {stream: $1, people: 200, requests: 40}");
}

before(async () => {
  hub = await startHub(exampleConfig());
  browser = await launch();
  // The first admin, made through the setup link's API.
  const code = hub.setupLink.split("#code=")[1];
  const made = await fetch(`${hub.base}/api/v1/setup`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                         body: JSON.stringify({ code, name: "coordinator", password }) });
  assert.equal(made.status, 200, await made.text());
});

after(async () => {
  if (browser) await browser.close();
  if (hub) await hub.stop();
});

async function signIn(context, name) {
  const page = await context.newPage();
  await page.goto(`${hub.base}/login`);
  await page.fill("#name", name);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${hub.base}/`), page.click("#login button[type=submit]")]);
  return page;
}

// The admin's matching section once the three sources have synced (bounded).
async function openMatching(page) {
  let seen = "";
  for (let i = 0; i < 60; ++i) {
    await page.goto(`${hub.base}/admin`);
    await page.waitForSelector("#admin section, #admin-loading.error");
    seen = await page.textContent("main");
    const text = (await page.locator("#matching").count()) ? await page.textContent("#matching") : "";
    if (/200 people/.test(text) && (await page.locator("#matching table.requests").count())) return;
    await page.waitForTimeout(500);
  }
  assert.fail(`the admin never showed matching over 200 people: ${seen}\n${hub.log()}`);
}

test("a coordinator offers a request; the carer takes it from their dashboard on a phone", async () => {
  const desktop = await browser.newContext({ ...contextOptions, viewport: viewports.desktop, locale: "en-GB" });
  admin = await signIn(desktop, "coordinator");
  await openMatching(admin);
  assert.match(await admin.textContent("#matching"), /200 people · \d+ open requests/);
  assert.deepEqual(await accessibilityProblems(admin), []);
  // The first request that somebody can take: its candidates, best first, with reasons.
  const rows = admin.locator("#matching table.requests tbody tr:has(button)");
  let panel = null, request = "";
  for (let i = 0; i < (await rows.count()) && !panel; ++i) {
    const row = rows.nth(i);
    await row.locator("button").click();
    const shown = admin.locator("#matching div.candidates").last();
    await shown.waitFor();
    if (await shown.locator("table.candidates").count()) {
      panel = shown;
      request = (await row.getAttribute("id")).replace("request-", "");
    }
  }
  assert.ok(panel, "no open request has a candidate");
  assert.match(await panel.textContent("tbody tr:first-child"), /km away/, "reasons in words");
  const scores = await panel.locator("tbody td.num").allTextContents();
  const numbers = scores.map((x) => Number(x.replace(",", ".")));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), "best first");
  const carer = (await panel.locator("tbody th").first().textContent()).trim();
  await panel.locator("tbody input[type=checkbox]").first().check();
  await panel.locator("button.primary").click();
  await panel.locator(".made").waitFor();
  assert.match(await panel.textContent(".made"), /1 offer sent/);
  const link = await panel.locator(".made input").inputValue();
  assert.match(link, /\/offer\/of_/, "the offer's own page, to pass on");
  assert.match(await panel.textContent(".offers"), new RegExp(`${carer} · waiting`));
  await shot(admin, "m1-admin-offer");

  // The carer: their account is the person's account field (read as the coordinator).
  const csrf = await admin.getAttribute("body", "data-csrf");
  const offers = await (await admin.request.get(`${hub.base}/api/v1/requests/${request}/offers`)).json();
  const person = offers.items[0].person;
  const record = await (await admin.request.get(`${hub.base}/api/v1/records/${person}`)).json();
  const account = record.data.account;
  const user = await admin.request.post(`${hub.base}/api/v1/users`, { headers: { "X-CSRF-Token": csrf },
                                                                     data: { name: account, password } });
  assert.equal(user.status(), 201, await user.text());

  const phone = await browser.newContext({ ...contextOptions, viewport: viewports.phone, locale: "en-GB" });
  const page = await signIn(phone, account);
  const work = page.locator("section.w-work");
  assert.match(await work.textContent("h2"), /Work for you/);
  const offer = work.locator("li.offer").first();
  assert.match(await offer.textContent(), /Offered to you by coordinator/);
  assert.doesNotMatch(await work.textContent(), /41\.\d{3}/, "no coordinate on the page");
  assert.deepEqual(await accessibilityProblems(page), []);
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `the dashboard on a phone: no sideways scroll (${scroll} > ${width})`);
  await shot(page, "m2-dashboard-work-phone");
  await Promise.all([page.waitForURL(/\/work$/), offer.locator("button[value=accept]").click()]);
  assert.match(await page.textContent("[role=status]"), /It is yours/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "m3-work-taken-phone");

  // Their profile and work pages fit a 320 px phone in French and Swedish.
  const narrow = await browser.newContext({ ...contextOptions, viewport: { width: 320, height: 640 },
                                            storageState: await phone.storageState() });
  const small = await narrow.newPage();
  for (const [lang, title] of [["fr", "Votre profil de mise en relation"], ["sv", "Din matchningsprofil"]]) {
    for (const where of ["profile", "work"]) {
      await small.goto(`${hub.base}/${where}?lang=${lang}`);
      if (where === "profile") {
        assert.equal(await small.textContent("h1"), title);
        assert.ok(await small.locator("#profile input[name=skills]").count() === 1, "the skills to correct");
      }
      const [wide, fits] = await small.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(wide <= fits, `${lang} /${where}: no sideways scroll at 320 px (${wide} > ${fits})`);
      assert.deepEqual(await accessibilityProblems(small), []);
      await shot(small, `m5-${where}-${lang}-320`);
    }
  }
  await narrow.close();

  // The coordinator's list no longer has it open.
  await admin.reload();
  await admin.waitForSelector("#matching");
  assert.equal(await admin.locator(`#request-${request}`).count(), 0, "a taken request is still listed as open");
  await phone.close();
});

test("a carer turns a request down in Catalan, without JavaScript", async () => {
  // A carer who can take an open request that nobody was offered yet.
  const get = async (path) => (await admin.request.get(hub.base + path)).json();
  const taken = new Set((await get("/api/v1/users")).items.map((u) => u.name));
  let request = 0, account = "";
  for (const r of (await get("/api/v1/matching/requests?limit=40")).items) {
    if (r.problem || (await get(`/api/v1/requests/${r.uid}/offers`)).items.length) continue;
    for (const c of (await get(`/api/v1/requests/${r.uid}/candidates?limit=5`)).items) {
      const name = (await get(`/api/v1/records/${c.person.uid}`)).data.account;
      if (!taken.has(name)) [request, account] = [r.uid, name];
      if (account) break;
    }
    if (account) break;
  }
  assert.ok(account, "no open request has a candidate without an account yet");
  const csrf = await admin.getAttribute("body", "data-csrf");
  const user = await admin.request.post(`${hub.base}/api/v1/users`, { headers: { "X-CSRF-Token": csrf },
                                                                     data: { name: account, password } });
  assert.equal(user.status(), 201, await user.text());

  const noScript = await browser.newContext({ viewport: viewports.phone, locale: "ca", javaScriptEnabled: false });
  const page = await signIn(noScript, account);
  await page.goto(`${hub.base}/work?lang=ca`);
  assert.equal(await page.textContent("h1"), "Feina per a tu");
  const fit = page.locator(`#work-r${request}`);
  assert.equal(await fit.count(), 1, `request ${request} is not on the carer's /work`);
  assert.match(await fit.textContent(), /a prop de 080\d\d/, "the area, in Catalan");
  await fit.locator("summary").click();
  await fit.locator("input[name=reason]").fill("Massa lluny a peu");
  await Promise.all([page.waitForLoadState("load"), fit.locator("button[value=decline]").click()]);
  assert.match(await page.textContent("[role=status]"), /Has dit que no/);
  assert.equal(await page.locator(`#work-r${request}`).count(), 0, "what was turned down is listed again");
  const answers = await get(`/api/v1/requests/${request}/offers`);
  assert.deepEqual(answers.items.map((o) => [o.status, o.reason]), [["declined", "Massa lluny a peu"]]);
  await shot(page, "m4-work-declined-ca");  // axe-core needs a script: the page is checked with one above
  await noScript.close();
});
