// The dashboard, once the hub has rendered it: times, numbers and money in the reader's
// locale; each metric's table drawn as a chart with uPlot (the table stays for screen readers);
// and a notice when new records arrive, from the change feed's server-sent events.
import { localize, formatNumber, absoluteTime, t, wireSignOut, wireLanguage } from "./common.js";

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
    new uPlot({
      width, height: 160, legend: { show: false }, cursor: { show: true },
      series: [{ value: (u, v) => (v == null ? "" : absoluteTime(new Date(v * 1000).toISOString())) },
               { stroke: "#0b5cad", width: 2, fill: "rgba(11,92,173,0.08)", value: (u, v) => formatNumber(v) }],
      axes: [{}, { values: (u, vals) => vals.map(formatNumber) }],
    }, [xs, ys], holder);
  }
}

// New records while the page is open: say so, and offer to show them.
function watchChanges() {
  const head = document.body.dataset.seq;
  if (!head || !window.EventSource) return;
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

localize();
drawCharts();
wireSignOut();
wireLanguage();
watchChanges();
