// What every page's code shares: the reader's language and words, Intl formatting of
// times, numbers and money, and calls to the hub's API with the session's CSRF token.

// The page's language: the hub sets it from ?lang=, the cookie or Accept-Language; in an
// embed on another site, that site's own language.
export const lang = document.body?.dataset.lang || document.documentElement.lang || navigator.language || "en";

// The words of the interface in the page's language, as the hub embedded them.
let catalog = null;
export function t(key, args = {}) {
  if (!catalog) {
    const node = document.getElementById("coophub-words");
    catalog = node ? JSON.parse(node.textContent) : {};
  }
  const text = catalog[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in args ? String(args[name]) : m));
}

const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
const numbers = new Intl.NumberFormat(lang);

// "in 3 days", "5 minutes ago": the nearest unit.
export function relativeTime(date, now = Date.now()) {
  const s = Math.round((date.getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 60) return relative.format(0, "second");
  if (a < 3600) return relative.format(Math.round(s / 60), "minute");
  if (a < 86400) return relative.format(Math.round(s / 3600), "hour");
  return relative.format(Math.round(s / 86400), "day");
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
    return new Intl.NumberFormat(lang, { style: "currency", currency }).format(n);
  } catch {
    return `${numbers.format(n)} ${currency}`;
  }
}

// Re-formats what the hub rendered: <time datetime> and <data class="money|number">.
export function localize(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll("time[datetime]")) {
    const when = new Date(el.dateTime);
    if (Number.isNaN(when.getTime())) continue;
    const absolute = absoluteTime(el.dateTime);
    el.textContent = when.getTime() > now ? `${relativeTime(when, now)} · ${absolute}` : relativeTime(when, now);
    el.title = absolute;
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
