// What the browser tests share: Debian's chromium launched by playwright-core, a
// screenshot of a step in COOPHUB_ARTIFACTS, and axe-core's findings on a page.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const artifacts = process.env.COOPHUB_ARTIFACTS;
const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
// The hub's Content-Security-Policy forbids inline scripts, the way axe-core is put in a
// page; the contexts let the test's own script through (the hub's headers are tested
// elsewhere).
const contextOptions = { bypassCSP: true };

function launch() {
  fs.mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}

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

// name signed in through the sign-in page, in lang, at width x height: the context and
// its page, on the dashboard (which counts as a visit).
async function signIn(browser, base, name, password, { lang = "en", width = 390, height = 844 } = {}) {
  const context = await browser.newContext({ ...contextOptions, viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#name", name);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("#login button[type=submit]")]);
  return { context, page };
}

module.exports = { launch, shot, accessibilityProblems, viewports, contextOptions, signIn };
