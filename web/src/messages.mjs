// The catalogs' messages (web/static/i18n/LANG.json) said as the hub's Catalogs::Text
// says them; no DOM here, so that node tests it (web/test/messages.test.js) with the
// cases of the hub's own test.

// A message in lang: {name} swapped, and ICU's plural and
// select ("{n, plural, =0 {none} one {# record} other {# records}}") chosen by the
// language's plural rules (Intl.PluralRules), the number (#) grouped by Intl.
export function format(text, args = {}, lang = "en") {
  let out = "";
  for (let i = 0; i < text.length;) {
    const open = text.indexOf("{", i);
    if (open < 0) return out + text.slice(i);
    const close = closing(text, open);
    if (close < 0) return out + text.slice(i);
    out += text.slice(i, open);
    const m = /^(\w+)(?:, *(plural|select) *,([\s\S]*))?$/.exec(text.slice(open + 1, close));
    if (!m) out += text.slice(open, close + 1);
    else if (!m[2]) out += m[1] in args ? String(args[m[1]]) : text.slice(open, close + 1);
    else out += choose(m[2], m[3], args[m[1]], args, lang);
    i = close + 1;
  }
  return out;
}

// The index of the "}" that closes the "{" at open; -1 if none does.
function closing(text, open) {
  for (let depth = 0, i = open; i < text.length; ++i) {
    if (text[i] === "{") ++depth;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

function choose(type, cases, value, args, lang) {
  const options = {};
  for (let i = 0; i < cases.length;) {
    const m = /^\s*(=?[\w-]+)\s*\{/.exec(cases.slice(i));
    if (!m) break;
    const open = i + m[0].length - 1, close = closing(cases, open);
    if (close < 0) break;
    options[m[1]] = cases.slice(open + 1, close);
    i = close + 1;
  }
  let chosen;
  if (type === "select") {
    chosen = options[String(value)] ?? options.other;
  } else {
    const n = Number(value);
    chosen = options[`=${n}`] ?? options[new Intl.PluralRules(lang).select(n)] ?? options.other;
    if (chosen !== undefined) chosen = chosen.replace(/#/g, () => new Intl.NumberFormat(lang).format(n));
  }
  return chosen === undefined ? String(value) : format(chosen, args, lang);
}
