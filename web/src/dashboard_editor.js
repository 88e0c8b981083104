// The admin's dashboard editor: each dashboard's title, who sees it and its widgets
// (type, title, sources, limit, who sees it), in order. Saved with PUT
// /api/v1/dashboards/{id}; "hub.yaml" shows the same dashboard as text to paste
// under dashboards: in hub.yaml; a changed hub.yaml dashboard can go back to the file's.
import { api, t } from "./common.js";

const roles = ["anonymous", "viewer", "editor", "admin"];

export async function dashboardEditor(h) {
  const section = h("section", { id: "dashboards", "aria-labelledby": "dash-h" }, h("h2", { id: "dash-h" }, t("nav.dashboards")));
  const body = h("div");
  const refresh = async () => {
    const list = await api("GET", "/api/v1/dashboards");
    body.replaceChildren(...list.items.map((d) => editor(h, d, list.widget_types, refresh)));
  };
  await refresh();
  section.append(body);
  return section;
}

function select(h, id, options, selected, label) {
  return h("select", { id, "aria-label": label }, options.map((o) => h("option", { value: o, selected: o === selected }, t("role." + o))));
}

function widgetRow(h, w, types, index) {
  const p = `d${index}-${Math.random().toString(36).slice(2, 7)}`;
  const type = h("select", { class: "w-type", "aria-label": t("editor.type") },
    types.map((x) => h("option", { value: x.type, selected: x.type === w.type }, t("widget." + x.type))));
  const title = h("input", { class: "w-title", value: w.title || "", "aria-label": t("editor.title"), placeholder: t("widget." + w.type) });
  const sources = h("input", { class: "w-sources", value: (w.sources || []).join(", "), "aria-label": t("editor.sources"), placeholder: t("editor.allsources") });
  const limit = h("input", { class: "w-limit", type: "number", min: "1", max: "500", value: w.limit || "", "aria-label": t("editor.limit"), size: "4" });
  const role = select(h, p + "-role", roles, w.role || "anonymous", t("editor.role"));
  role.classList.add("w-role");
  const row = h("li", { class: "widget-row" }, type, title, sources, limit, role);
  const move = (delta) => {
    const to = delta < 0 ? row.previousElementSibling : row.nextElementSibling?.nextElementSibling;
    row.parentNode.insertBefore(row, to || (delta < 0 ? row.parentNode.firstChild : null));
  };
  row.append(h("button", { type: "button", "aria-label": t("editor.up"), onclick: () => move(-1) }, "↑"),
             h("button", { type: "button", "aria-label": t("editor.down"), onclick: () => move(1) }, "↓"),
             h("button", { type: "button", class: "danger", "aria-label": t("editor.remove"), onclick: () => row.remove() }, "×"));
  if (w.kind) row.dataset.kind = w.kind;
  if (w.q) row.dataset.q = w.q;
  return row;
}

function editor(h, d, types, refresh) {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const title = h("input", { id: `dt-${d.id}`, value: d.title || "" });
  const role = select(h, `dr-${d.id}`, roles, d.role, t("editor.role"));
  const rows = h("ol", { class: "widget-rows" }, d.widgets.map((w, i) => widgetRow(h, w, types, i)));
  const value = () => ({
    title: title.value.trim() || undefined,
    role: role.value,
    widgets: [...rows.children].map((r) => {
      const w = { type: r.querySelector(".w-type").value };
      const wt = r.querySelector(".w-title").value.trim();
      const ws = r.querySelector(".w-sources").value.split(",").map((s) => s.trim()).filter(Boolean);
      const wl = Number(r.querySelector(".w-limit").value);
      const wr = r.querySelector(".w-role").value;
      if (wt) w.title = wt;
      if (ws.length) w.sources = ws;
      if (wl) w.limit = wl;
      if (wr !== "anonymous") w.role = wr;
      if (r.dataset.kind) w.kind = r.dataset.kind;
      if (r.dataset.q) w.q = r.dataset.q;
      return w;
    }),
  });
  const yaml = h("pre", { class: "yaml", hidden: true });
  const form = h("form", { class: "dashboard-form" },
    h("h3", {}, d.title || d.id, " ", h("small", { class: "note" }, `${d.id} · ${t("editor.origin." + d.origin.replace(/[^a-z]+/g, "-"))}`)),
    h("label", { for: `dt-${d.id}` }, t("editor.dtitle")), title,
    h("label", { for: `dr-${d.id}` }, t("editor.role")), role,
    h("p", { class: "note" }, t("editor.widgets")), rows,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => rows.append(widgetRow(h, { type: "news" }, types, rows.children.length)) }, t("editor.add")), " ",
      h("button", { type: "submit", class: "primary" }, t("admin.save")), " ",
      h("button", { type: "button", onclick: async () => {
        yaml.textContent = await api("GET", `/api/v1/dashboards/${encodeURIComponent(d.id)}?format=yaml`).catch((e) => e.message);
        yaml.hidden = !yaml.hidden;
      } }, t("editor.yaml")),
      d.origin.includes("changed") ? h("button", { type: "button", onclick: async () => {
        await api("DELETE", `/api/v1/dashboards/${encodeURIComponent(d.id)}`).then(refresh, (e) => (status.textContent = e.message));
      } }, t("editor.revert")) : null),
    status, yaml);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PUT", `/api/v1/dashboards/${encodeURIComponent(d.id)}`, value());
      status.textContent = t("admin.saved");
      status.classList.remove("error");
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
    }
  });
  return form;
}
