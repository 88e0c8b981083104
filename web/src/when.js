// Times as the reader says them: the rule of hub/src/i18n/dates.h, in the browser. The
// hub renders every time in the reader's zone already; this re-renders them only when
// the browser's zone is another (a first visit, a trip), with the same words: Intl is
// built on the same ICU data as the hub's.
//   "in 20 minutes", "today 14:00", "tomorrow 09:00", "Monday 18:00" (within the coming
//   week), "Mon, 12 Jan 14:00"; behind: "5 minutes ago", "3 hours ago" (today),
//   "yesterday 18:00", "Fri, 27 Nov".

export function makeDates(locale, zone, dayTime = "{day} {time}") {
  const safe = (options) => {
    try {
      return new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    } catch {
      return new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" });
    }
  };
  const civil = safe({ year: "numeric", month: "numeric", day: "numeric" });
  const timeFormat = safe({ hour: "numeric", minute: "2-digit" });
  const weekdayFormat = safe({ weekday: "long" });
  const dateFormat = safe({ weekday: "short", day: "numeric", month: "short" });
  const dateYearFormat = safe({ weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });

  // The civil day of an instant in the zone, as a day number; and its year.
  function day(ms) {
    const parts = Object.fromEntries(civil.formatToParts(ms).map((p) => [p.type, p.value]));
    return { n: Date.UTC(+parts.year, +parts.month - 1, +parts.day) / 86400000, year: +parts.year };
  }
  const daysFrom = (now, t) => day(t).n - day(now).n;
  const time = (t) => timeFormat.format(t);
  const date = (t, now) => (day(t).year === day(now).year ? dateFormat : dateYearFormat).format(t);
  const join = (d, t) => dayTime.replace("{day}", d).replace("{time}", t);
  function dayWord(days, t, now) {
    if (days >= -1 && days <= 1) return relative.format(days, "day");
    if (days >= 2 && days <= 6) return weekdayFormat.format(t);
    return date(t, now);
  }

  function when(t, now) {
    const ahead = t - now;
    const minutes = Math.trunc(Math.abs(ahead) / 60000);
    const days = daysFrom(now, t);
    if (minutes === 0) return relative.format(0, "second");
    if (minutes < 60) return relative.format(ahead > 0 ? minutes : -minutes, "minute");
    if (ahead < 0 && days === 0) return relative.format(-Math.trunc(-ahead / 3600000), "hour");
    if (ahead < 0 && days < -1) return date(t, now);
    return join(dayWord(days, t, now), time(t));
  }

  // An all-day date ("2026-12-12"): a day, no zone.
  function whenDate(text, now) {
    const [y, m, d] = text.split("-").map(Number);
    const noon = Date.UTC(y, m - 1, d, 12);
    const days = Date.UTC(y, m - 1, d) / 86400000 - day(now).n;
    const utc = (options) => new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" });
    if (days >= -1 && days <= 1) return relative.format(days, "day");
    if (days >= 2 && days <= 6) return utc({ weekday: "long" }).format(noon);
    const sameYear = y === day(now).year;
    return utc({ weekday: "short", day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) }).format(noon);
  }

  function range(start, end, now) {
    if (end <= start) return when(start, now);
    const first = join(dayWord(daysFrom(now, start), start, now), time(start));
    if (daysFrom(start, end - 1000) === 0) return `${first}–${time(end)}`;
    return `${first} – ${join(dayWord(daysFrom(now, end), end, now), time(end))}`;
  }

  return { when, whenDate, range, daysFrom, time };
}

// A <time> the hub rendered, as the same rule says it in dates: an instant, an all-day
// date (data-day) or a start and end (data-end).
export function timeText(el, dates, now = Date.now()) {
  if ("day" in el.dataset) return dates.whenDate(el.dateTime, now);
  const start = Date.parse(el.dateTime);
  if (Number.isNaN(start)) return el.textContent;
  const end = Date.parse(el.dataset.end || "");
  return Number.isNaN(end) ? dates.when(start, now) : dates.range(start, end, now);
}
