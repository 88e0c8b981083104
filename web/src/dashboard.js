// The dashboard, once the hub has rendered it: times, numbers and money in the reader's
// locale; each metric's table drawn as a chart with uPlot (the table stays for screen readers);
// and a notice when new records arrive, from the change feed's server-sent events.
import { localize, formatNumber, absoluteTime, locale, t, wireSignOut, wireLanguage } from "./common.js";

// uPlot is fetched only by a page that has a chart to draw.
async function drawCharts() {
  const figures = document.querySelectorAll("figure.metric");
  if (!figures.length) return;
  const { default: uPlot } = await import("uplot");
  for (const figure of figures) {
    const rows = [...figure.querySelectorAll("tbody tr")];
    const xs = [], ys = [];
    for (const row of rows) {
      const time = Date.parse(row.querySelector("time")?.dateTime || "");
      const value = Number(row.querySelector("data")?.value);
      if (Number.isFinite(time) && Number.isFinite(value)) {
        xs.push(time / 1000);
        ys.push(value);
      }
    }
    if (xs.length < 2) continue;  // one point is a number, not a chart
    const holder = document.createElement("div");
    holder.className = "chart";
    holder.setAttribute("aria-hidden", "true");  // the table says the same, readably
    figure.insertBefore(holder, figure.querySelector("table"));
    figure.querySelector("table").classList.add("visually-hidden");
    const width = Math.max(200, figure.clientWidth || 300);
    // The colours of the theme (light or dark), and the time axis in the reader's
    // language: a span of days says dates, a shorter one says times.
    const style = getComputedStyle(figure);
    const colour = (name) => style.getPropertyValue(name).trim();
    const span = xs[xs.length - 1] - xs[0];
    const tick = new Intl.DateTimeFormat(locale, span > 2 * 86400 ? { day: "numeric", month: "short" }
                                                                   : { hour: "numeric", minute: "2-digit" });
    const axis = { stroke: colour("--muted"), grid: { stroke: colour("--line") }, ticks: { stroke: colour("--line") } };
    new uPlot({
      width, height: 160, legend: { show: false }, cursor: { show: true },
      series: [{ value: (u, v) => (v == null ? "" : absoluteTime(new Date(v * 1000).toISOString())) },
               { stroke: colour("--accent"), width: 2, fill: colour("--soft"), value: (u, v) => formatNumber(v) }],
      axes: [{ ...axis, values: (u, vals) => vals.map((v) => tick.format(new Date(v * 1000))) },
             { ...axis, values: (u, vals) => vals.map(formatNumber) }],
    }, [xs, ys], holder);
  }
}

// New records while the page is open: say so, and offer to show them.
function watchChanges() {
  const head = document.body.dataset.seq;
  if (!head || !window.EventSource || document.body.dataset.offline !== undefined) return;
  const source = new EventSource(`/api/v1/changes?after=${encodeURIComponent(head)}`);
  let count = 0;
  const notice = document.createElement("p");
  notice.className = "live";
  notice.setAttribute("role", "status");
  source.addEventListener("change", () => {
    count += 1;
    notice.textContent = "";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("live.new", { n: count });
    button.addEventListener("click", () => location.reload());
    notice.append(button);
    if (!notice.isConnected) document.getElementById("main").prepend(notice);
  });
  addEventListener("pagehide", () => source.close());
}

// A page the service worker kept, shown while the hub cannot be reached: say so, and when
// it was read.
function markOffline() {
  const kept = document.body.dataset.offline;
  if (kept === undefined) return;
  const note = document.createElement("p");
  note.className = "offline";
  note.setAttribute("role", "status");
  note.textContent = t("offline.note", { when: kept ? absoluteTime(kept) : "" });
  document.getElementById("main").prepend(note);
}

// Installed, or opened again without a network: the service worker keeps the last page.
function keepForOffline() {
  if ("serviceWorker" in navigator && window.isSecureContext)
    navigator.serviceWorker.register("/sw.js").catch(() => {});  // no worker: the page works as before
}

// An embed in another site's iframe tells that page how tall it is, so that the iframe
// fits it (widget.js, on that page, listens): the height only, nothing of the content.
function tellHeight() {
  const main = document.querySelector("main.embed");
  if (!main || window.parent === window || !window.ResizeObserver) return;
  const tell = () => window.parent.postMessage({ coophub: "height", height: Math.ceil(main.getBoundingClientRect().bottom) }, "*");
  new ResizeObserver(tell).observe(main);
  // A page whose script came later than this one asks again.
  addEventListener("message", (event) => {
    if (event.source === window.parent && event.data?.coophub === "height?") tell();
  });
}

markOffline();
keepForOffline();
tellHeight();
localize();
drawCharts();
wireSignOut();
wireLanguage();
watchChanges();
