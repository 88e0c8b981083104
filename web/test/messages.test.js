// The web code's messages say what the hub's say (hub/src/i18n/i18n_test.cc has the
// same cases): plural rules per language, numbers grouped per language.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const catalog = (lang) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "static", "i18n", lang + ".json"), "utf8"));

test("plurals follow each language's rules, as the hub says them", async () => {
  const { format } = await import("../src/messages.mjs");
  const say = (lang, key, n) => format(catalog(lang)[key], { n }, lang);
  assert.equal(say("fr", "changes.new", 1), "1 nouveau");
  assert.equal(say("fr", "changes.new", 0), "0 nouveau");
  assert.equal(say("fr", "changes.new", 2), "2 nouveaux");
  assert.equal(say("sv", "changes.new", 1), "1 ny");
  assert.equal(say("sv", "changes.new", 0), "0 nya");
  assert.equal(say("en", "sources.records", 1), "1 record");
  assert.equal(say("en", "sources.records", 12345), "12,345 records");
  assert.equal(say("fr", "sources.records", 12345), "12\u202f345 éléments");
  assert.equal(say("sv", "sources.records", 12345), "12\u00a0345 poster");
});

test("plain placeholders, exact matches and select", async () => {
  const { format } = await import("../src/messages.mjs");
  assert.equal(format("{who} read {n, plural, =0 {nothing} one {# post} other {# posts}}", { who: "Ana", n: 0 }),
               "Ana read nothing");
  assert.equal(format("{x, select, a {first {y}} other {rest}}", { x: "a", y: "!" }), "first !");
  assert.equal(format("{x, select, a {first} other {rest}}", { x: "b" }), "rest");
  assert.equal(format("{missing} stays", {}), "{missing} stays");
  assert.equal(format("unclosed {n, plural, one {#", { n: 1 }), "unclosed {n, plural, one {#");
});

test("every plural message of every catalog formats for one and for many", async () => {
  const { format } = await import("../src/messages.mjs");
  for (const file of fs.readdirSync(path.join(__dirname, "..", "static", "i18n"))) {
    const lang = file.replace(/\.json$/, "");
    for (const [key, text] of Object.entries(catalog(lang))) {
      if (!/, (plural|select),/.test(text)) continue;
      for (const n of [1, 7]) {
        // n, and a stand-in for every other placeholder ({when}, {name}).
        const args = new Proxy({ n }, { has: () => true, get: (o, k) => (k in o ? o[k] : "x") });
        const said = format(text, args, lang);
        assert.doesNotMatch(said, /[{}#]/, `${lang} ${key}: ${said}`);
      }
    }
  }
});
