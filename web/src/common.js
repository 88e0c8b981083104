import { makeDates, timeText } from "./when.js";
import { format as formatMessage } from "./messages.mjs";

// What every page's code shares: the reader's language and words, Intl formatting of
// times, numbers and money, and calls to the hub's API with the session's CSRF token.

// The page's language: the hub sets it from ?lang=, the cookie or Accept-Language; in an
// embed on another site, that site's own language.
export const lang = document.body?.dataset.lang || document.documentElement.lang || navigator.language || "en";

// The words of the interface in the page's language, as the hub embedded them.
let catalog = null;
function words() {
  if (!catalog) {
    const node = document.getElementById("coophub-words");
    catalog = node ? JSON.parse(node.textContent) : {};
  }
  return catalog;
}
export function t(key, args = {}) {
  return formatMessage(words()[key] ?? key, args, lang);
}
// Whether the catalog has words for key (else a caller falls back to its own text).
export function hasText(key) {
  return Object.hasOwn(words(), key);
}


// How times and numbers are written: the browser's variant of the language ("en-GB").
export const locale = document.body?.dataset.locale || lang;
export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// The hub writes every time in the reader's zone as it knows it (the cookie set here, or
// ?tz=), so that the words are the same with and without JavaScript. A page it wrote in
// another zone (a first visit, a trip) is loaded once more in this one: through the
// cookie at the top, through ?tz= in a frame (where cookies may be blocked). Where that
// cannot help (a zone the hub does not know), localize() says the times with Intl.
function reloadInZone() {
  const written = document.body?.dataset.tz;
  if (!written || written === zone) return false;
  document.cookie = `coophub_tz=${zone}; Path=/; Max-Age=31536000; SameSite=Lax`;  // IANA names need no escaping
  if (!document.querySelector("main time[datetime]")) return false;  // nothing to say again
  const url = new URL(location.href);
  if (url.searchParams.get("tz") === zone) return false;
  let tried = zone;
  try {
    tried = sessionStorage.getItem("coophub_tz");
    sessionStorage.setItem("coophub_tz", zone);
  } catch {}  // no storage: no reload that could repeat
  if (tried === zone) return false;
  if (window.top === window && document.cookie.split("; ").includes(`coophub_tz=${zone}`)) {
    location.reload();
  } else {
    url.searchParams.set("tz", zone);
    location.replace(url);
  }
  return true;
}
const reloading = reloadInZone();

const dayTime = t("when.day_time");  // an embed on another site has no words: the default
const datesFor = new Map();  // by locale: an embed's sections say which the hub wrote
function dates(forLocale = locale) {
  if (!datesFor.has(forLocale))
    datesFor.set(forLocale, makeDates(forLocale, zone, dayTime.includes("{day}") ? dayTime : "{day} {time}"));
  return datesFor.get(forLocale);
}

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
const numbers = new Intl.NumberFormat(locale);

// "in 3 days", "yesterday 18:00": a date as the dashboard says it (when.js).
export function relativeTime(date, now = Date.now()) {
  return dates().when(date.getTime(), now);
}

// A date-only value ("2026-12-12") stays a date; an instant gets the reader's time zone.
export function absoluteTime(text) {
  if (/^\d{4}-\d\d-\d\d$/.test(text)) return dateOnly.format(new Date(text + "T00:00:00"));
  return dateTime.format(new Date(text));
}

export function formatNumber(value) {
  const n = Number(value);
  return Number.isFinite(n) ? numbers.format(n) : value;
}

// A decimal string in a currency; an unknown currency code keeps the plain number.
export function formatMoney(value, currency) {
  const n = Number(value);
  if (!Number.isFinite(n)) return `${value} ${currency}`;
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(n);
  } catch {
    return `${numbers.format(n)} ${currency}`;
  }
}

// Re-formats what the hub rendered: <time datetime> only when it was written in another
// zone than the browser's (data-tz), and <data class="money|number"> with Intl.
export function localize(root = document) {
  if (reloading) return;
  const now = Date.now();
  for (const el of root.querySelectorAll("time[datetime]")) {
    if (!("day" in el.dataset) && !Number.isNaN(Date.parse(el.dateTime))) el.title = absoluteTime(el.dateTime);
    const written = el.closest("[data-tz]");
    if (!written || written.dataset.tz === zone) continue;  // the hub's words already
    el.textContent = timeText(el, dates(written.dataset.locale || locale), now);
  }
  for (const el of root.querySelectorAll("data.money")) el.textContent = formatMoney(el.value, el.dataset.currency);
  for (const el of root.querySelectorAll("data.number")) el.textContent = formatNumber(el.value);
}

// A call to the hub's API. Resolves to the parsed JSON (null for 204); rejects with an
// Error whose message is the problem's detail, which says what to do.
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const csrf = document.body.dataset.csrf;
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Error(t("login.noanswer"));
  }
  if (r.status === 204) return null;
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json().catch(() => null) : await r.text();
  if (!r.ok) {
    const e = new Error((data && data.detail) || `${r.status} ${r.statusText}`);
    e.status = r.status;
    e.problem = data;
    if (r.headers.has("Retry-After")) e.retryAfter = Number(r.headers.get("Retry-After"));
    throw e;
  }
  return data;
}

// Signs out through the API (a session write carries the CSRF token), then reloads.
export function wireSignOut() {
  for (const form of document.querySelectorAll('form[action="/logout"]'))
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await api("POST", "/api/v1/logout").catch(() => {});
      location.assign("/");
    });
}

// A signed-in reader's language choice is kept in their account too (PATCH /api/v1/me),
// so it follows them to every device; the form then goes on as it would without
// JavaScript, and the page comes back in the new language.
export function wireLanguage() {
  const form = document.querySelector("form.lang");
  if (!form || !document.body.dataset.role) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await api("PATCH", "/api/v1/me", { lang: form.elements.namedItem("lang").value }).catch(() => {});
    form.submit();
  });
}
