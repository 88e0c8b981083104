// The admin page: sources (status, the last failure with its hint, sync now with live
// progress, run history with logs, add or edit with a form made from the plugin's JSON
// Schema and "Test connection" first), matching (matching_admin.js), dashboards, embeds,
// share links, users and API tokens. Everything
// goes through /api/v1, as any other client would.
import { api, t, localize, wireSignOut, wireLanguage, relativeTime, locale } from "./common.js";
import { schemaForm, formValue, fieldTitle } from "./schema_form.js";
import { dashboardEditor } from "./dashboard_editor.js";
import { embedBuilder } from "./embed_builder.js";
import { matchingSection } from "./matching_admin.js";
import { mailSection } from "./mail_admin.js";
import { backupsSection } from "./backups_admin.js";
import { privacySection } from "./privacy_admin.js";

const root = document.getElementById("admin");
// What a source's items may look like (config.h, SourceIcons and SourceColors).
const sourceIcons = ["news", "calendar", "table", "vote", "money", "chat", "code", "people", "heart", "file", "link", "plug"];
const sourceColors = ["blue", "green", "orange", "purple", "red", "teal", "pink", "brown"];
const isAdmin = document.body.dataset.role === "admin";

// h("p", {class: "x", onclick: f}, "text", child): an element.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c.nodeType ? c : String(c));
  return el;
}

// A status line that screen readers announce; .error for failures.
function say(node, text, ok = true) {
  node.textContent = text;
  node.classList.toggle("error", !ok);
}

function ago(iso) {
  return iso ? relativeTime(new Date(iso)) : "–";
}

// ------------------------------------------------------------------------ sources

function sourceStatus(s) {
  const cell = h("td", { class: "status" });
  const fresh = { fresh: t("admin.fresh"), stale: t("admin.stale"), never: t("fresh.never") }[s.freshness] || s.freshness;
  cell.append(h("span", { class: `dot ${s.freshness}` }, fresh));
  if (s.running) {
    const p = s.progress || {};
    const bar = h("progress", { max: p.total > 0 ? p.total : false, value: p.total > 0 ? p.done : false,
                                "aria-label": t("admin.syncing", { id: s.id }) });
    cell.append(" ", bar, " ", h("span", { class: "progress-text" },
      p.total > 0 ? t("admin.progress", { done: p.done, total: p.total }) : t("admin.running", { done: p.done || 0 })));
  } else if (s.queued) {
    cell.append(" ", t("admin.queued"));
  }
  const run = s.last_run;
  if (run && (run.status === "failed" || run.status === "lost")) cell.append(h("p", { class: "reason" }, run.message));
  if (!s.enabled) cell.append(h("p", { class: "next paused" }, t("admin.paused")));
  else if (!s.running && !s.queued && s.next_run)
    cell.append(h("p", { class: "next" }, t(s.consecutive_failures > 0 ? "admin.next.retry" : "admin.next.sync",
      { when: ago(s.next_run), n: s.consecutive_failures || 0 })));
  return cell;
}

// Pause or resume: enabled through PATCH (for a hub.yaml source, kept as an override).
function pauseButton(s, refresh) {
  return h("button", { type: "button", "aria-pressed": String(!s.enabled), onclick: async () => {
    await api("PATCH", `/api/v1/sources/${encodeURIComponent(s.id)}`, { enabled: !s.enabled }).catch((e) => alert(e.message));
    refresh(s.id);  // a resumed source syncs at once: follow it
  } }, t(s.enabled ? "admin.pause" : "admin.resume"));
}

// The source as hub.yaml would have it, as a file to download.
function exportLink(s) {
  return h("a", { class: "button", href: `/api/v1/sources/${encodeURIComponent(s.id)}?format=yaml`,
                  download: `${s.id}.yaml` }, t("admin.export"));
}

function sourceRow(s, refresh) {
  const actions = h("td", { class: "actions" });
  const row = h("tr", { id: `source-${s.id}` },
    h("th", { scope: "row" }, s.name || s.id, " ", h("code", { class: "id" }, s.id)), h("td", {}, s.plugin), h("td", { class: "num" }, String(s.records)),
    sourceStatus(s),
    h("td", {}, s.last_run ? `${t("run." + s.last_run.status)} · ${ago(s.last_run.finished || s.last_run.started)}` : "–"),
    actions);
  const sync = h("button", { type: "button", disabled: !s.enabled, onclick: () => syncNow(s.id, row, refresh) }, t("admin.sync"));
  actions.append(sync, " ", pauseButton(s, refresh), " ",
    h("button", { type: "button", onclick: () => showRuns(s.id, row) }, t("admin.runs")),
    " ", h("button", { type: "button", onclick: () => editSource(s.id, refresh) }, t("admin.edit")), " ", exportLink(s));
  if (s.managed_by === "api") {
    actions.append(" ", h("button", { type: "button", class: "danger", onclick: async () => {
        if (!confirm(t("admin.delete.confirm", { id: s.id }))) return;
        await api("DELETE", `/api/v1/sources/${encodeURIComponent(s.id)}`).catch((e) => alert(e.message));
        refresh();
      } }, t("admin.delete")));
  } else {
    const name = row.querySelector("th");
    name.append(h("span", { class: "note" }, t("admin.inyaml")));
    if (s.overridden && s.overridden.length) {
      name.append(" ", h("span", { class: "note" }, t("admin.overridden", { fields: s.overridden.join(", ") })), " ",
        h("button", { type: "button", class: "link", onclick: async () => {
          await api("DELETE", `/api/v1/sources/${encodeURIComponent(s.id)}/override`).catch((e) => alert(e.message));
          refresh(s.id);
        } }, t("admin.override.clear")));
    }
  }
  return row;
}

// Sync now, then follow the source's events until its run is over.
async function syncNow(id, row, refresh) {
  const status = row.querySelector("td.status");
  try {
    await api("POST", `/api/v1/sources/${encodeURIComponent(id)}/sync`);
  } catch (e) {
    status.append(h("p", { class: "reason" }, e.message));
    return;
  }
  watchSource(id, row, refresh);
}

// Called once the run is queued or running, so the first event that shows neither means
// it is over, even when it ended before the stream opened (a short run often does).
function watchSource(id, row, refresh) {
  const events = new EventSource(`/api/v1/sources/${encodeURIComponent(id)}/events`);
  events.addEventListener("source", (e) => {
    const s = JSON.parse(e.data);
    row.querySelector("td.status").replaceWith(sourceStatus(s));
    if (!s.running && !s.queued) {  // the run is over: show its outcome with the new counts
      events.close();
      refresh(id);
    }
  });
  events.addEventListener("error", () => events.close());
}

// A run's log lines in the reader's local time; a line the same as the one before it
// (a retried request failing alike) is written once, with how many times it came.
const logTime = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
export function logText(lines) {
  const out = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (last && last.level === l.level && last.message === l.message) {
      last.times++;
      continue;
    }
    out.push({ ...l, times: 1 });
  }
  return out.map((l) => `${l.time ? logTime.format(new Date(l.time)) : ""} ${l.level} ${l.message}` +
                        (l.times > 1 ? ` (${t("admin.log.times", { n: l.times })})` : "")).join("\n");
}

async function showRuns(id, row) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("runs")) return next.remove();
  const cell = h("td", { colspan: "6" }, t("loading"));
  row.after(h("tr", { class: "runs" }, cell));
  try {
    const runs = await api("GET", `/api/v1/sources/${encodeURIComponent(id)}/runs`);
    const list = h("ol", { class: "runs" });
    for (const r of runs.items) {
      const log = h("pre", { class: "log", hidden: true });
      const more = h("button", { type: "button", class: "link", onclick: async () => {
        if (!log.hidden) return (log.hidden = true);
        const full = await api("GET", `/api/v1/runs/${r.id}`);
        log.textContent = full.log.length ? logText(full.log) : t("admin.nolog");
        log.hidden = false;
      } }, t("admin.log"));
      list.append(h("li", { class: `run ${r.status}` },
        h("strong", {}, t("run." + r.status)), ` · ${ago(r.started)} · ${t("trigger." + r.trigger)} · `,
        t("admin.run.records", { n: r.records }), r.message ? h("p", { class: "reason" }, r.message) : null, more, log));
    }
    cell.replaceChildren(h("h3", {}, t("admin.runs.of", { id })), runs.items.length ? list : t("admin.noruns"));
  } catch (e) {
    cell.textContent = e.message;
  }
}

let plugins = null;
async function loadPlugins() {
  if (!plugins) plugins = (await api("GET", "/api/v1/plugins")).items.filter((p) => p.ok);
  return plugins;
}

// The connector an existing source was made with: a preset (loomio: http-json with
// manifest loomio) when its config holds the preset's values, else the plugin itself.
function connectorOf(list, source) {
  const fits = (p) => (p.plugin || p.name) === source.plugin &&
    Object.entries(p.preset || {}).every(([k, v]) => (source.config || {})[k] === v);
  return list.find((p) => p.preset && fits(p)) || list.find((p) => !p.preset && fits(p)) || list[0];
}

// The add / edit form: name, id, connector, schedule, then the connector's own fields.
// A hub.yaml source keeps its config in the file: only its name and schedule change
// here (kept as overrides). Save after a failed test asks first.
async function sourceForm(existing, onSaved) {
  const panel = document.getElementById("source-form");
  panel.replaceChildren(h("p", { role: "status" }, t("loading")));
  panel.hidden = false;
  const fromFile = existing && existing.managed_by === "hub.yaml";
  const list = fromFile ? [] : (await loadPlugins()).slice().sort((a, b) => a.name.localeCompare(b.name));
  const form = h("form", { class: "source-form", novalidate: true });
  const status = h("p", { role: "status", "aria-live": "polite", class: "form-status" });
  const idInput = h("input", { id: "f-id", name: "id", required: true, pattern: "[A-Za-z0-9_-]{1,64}",
                               value: existing ? existing.id : "", disabled: !!existing });
  const nameInput = h("input", { id: "f-name", name: "name", maxlength: "80", value: existing ? existing.name || "" : "",
                                 "aria-describedby": "f-name-hint" });
  const chosen = existing && !fromFile ? connectorOf(list, existing) : list[0];
  const pluginSelect = h("select", { id: "f-plugin", name: "plugin", disabled: !!existing },
    list.map((p) => h("option", { value: p.name, selected: p === chosen }, `${p.name}: ${p.description}`)));
  const visibility = h("select", { id: "f-visibility", disabled: fromFile },
    ["public", "members", "admins"].map((v) => h("option", { value: v, selected: (existing ? existing.visibility : "members") === v }, t("vis." + v))));
  const every = h("input", { id: "f-every", value: existing ? `${Math.round(existing.every_s / 60)}m` : "15m", size: "6" });
  // How long its records are kept: "source" (while the source has them) or 90d, 1y…
  const retention = h("input", { id: "f-retention", value: existing ? existing.retention || "source" : "source", size: "8",
                                 disabled: fromFile, "aria-describedby": "f-retention-hint" });
  // How its items look: an icon and a colour, or the defaults (by connector, by id).
  const look = (id, values, word, dflt) => h("select", { id, disabled: fromFile },
    h("option", { value: "" }, t(dflt)),
    values.map((v) => h("option", { value: v, selected: existing?.[word] === v }, t(`${word}.${v}`))));
  const icon = look("f-icon", sourceIcons, "icon", "admin.f.icon.default");
  const color = look("f-color", sourceColors, "color", "admin.f.color.default");
  const fields = h("div", { class: "plugin-fields" });
  const connector = () => list.find((p) => p.name === pluginSelect.value);
  const render = () => {
    const p = connector();
    const docs = p.docs ? h("p", { class: "hint" }, h("a", { href: p.docs, target: "_blank", rel: "noopener" }, t("admin.docs"))) : null;
    fields.replaceChildren(schemaForm(p.spec, existing ? existing.config || {} : {}, existing ? existing.secrets_set || [] : []),
                           docs || "");
  };
  if (!fromFile) {
    pluginSelect.addEventListener("change", render);
    render();
  }
  // The config to send: the preset's values, the form's fields, and (when editing with a
  // preset's smaller form) the stored fields the form does not show.
  const config = () => {
    const p = connector();
    const shown = new Set(Object.keys(p.spec.properties || {}));
    const kept = {};
    if (existing && p.preset)
      for (const [k, v] of Object.entries(existing.config || {})) if (!shown.has(k)) kept[k] = v;
    return { ...kept, ...(p.preset || {}), ...formValue(fields) };
  };
  const body = () => fromFile
    ? { name: nameInput.value.trim(), every: every.value.trim() }
    : { id: idInput.value.trim(), name: nameInput.value.trim(), plugin: connector().plugin || connector().name,
        visibility: visibility.value, every: every.value.trim(), icon: icon.value, color: color.value,
        retention: retention.value.trim() || "source", config: config() };
  let tested = null;  // null: not tested; else the last test's outcome
  const test = h("button", { type: "button", onclick: async () => {
    say(status, t("admin.testing"));
    try {
      const b = body();
      const r = await api("POST", "/api/v1/sources/check", { plugin: b.plugin, config: b.config });
      tested = r.ok;
      say(status, r.ok ? t("admin.test.ok", { message: r.message }) : t("admin.test.failed", { message: r.message }), r.ok);
      if (r.suggest) status.append(" ", suggestButton(r.suggest));
      if (r.choices) offerChoices(r.choices);
    } catch (e) {
      tested = false;
      say(status, e.message, false);
    }
  } }, t("admin.test"));
  // Values the test found (a CSV's columns): each field they are for offers them as it is
  // filled in, and the form says which were found.
  const offerChoices = (choices) => {
    for (const [path, values] of Object.entries(choices)) {
      const id = `choices-${path.replace(/\W/g, "-")}`;
      document.getElementById(id)?.remove();
      const list = h("datalist", { id }, values.map((v) => h("option", { value: v })));
      form.append(list);
      for (const input of fields.querySelectorAll("input[data-path]"))
        if (input.dataset.path === path || input.dataset.path.startsWith(path + ".")) input.setAttribute("list", id);
      status.append(" ", h("span", { class: "choices" }, t("admin.choices", { field: fieldTitle(path, {}), values: values.join(", ") })));
    }
  };
  // A fix the connector proposes (a web page's own feed): one click puts it in the form.
  const suggestButton = (suggest) => h("button", { type: "button", class: "suggest", onclick: () => {
    for (const [k, v] of Object.entries(suggest)) {
      const input = fields.querySelector(`[data-path="${CSS.escape(k)}"]`);
      if (input) input.value = String(v);
    }
    tested = null;
    say(status, t("admin.suggest.used"));
  } }, t("admin.suggest", { value: Object.values(suggest).join(", ") }));
  form.addEventListener("input", () => (tested = null));  // a failed test says nothing of changed fields
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (tested === false && !confirm(t("admin.save.failedtest"))) return;
    say(status, t("admin.saving"));
    try {
      const b = body();
      if (fromFile) await api("PATCH", `/api/v1/sources/${encodeURIComponent(existing.id)}`, b);
      else if (existing) await api("PATCH", `/api/v1/sources/${encodeURIComponent(existing.id)}`,
                                   { config: b.config, name: b.name, visibility: b.visibility, every: b.every,
                                     icon: b.icon, color: b.color, retention: b.retention });
      else await api("POST", "/api/v1/sources", b);
      panel.hidden = true;
      onSaved(existing ? existing.id : b.id, existing ? "admin.saved.source" : "admin.saved.new");
    } catch (e) {
      say(status, e.message, false);
    }
  });
  form.append(...[
    h("h3", {}, existing ? t("admin.edit.title", { id: existing.id }) : t("admin.add.title")),
    h("label", { for: "f-name" }, t("admin.f.name")), nameInput,
    h("p", { id: "f-name-hint", class: "hint" }, t("admin.f.name.hint")),
    h("label", { for: "f-id" }, t("admin.f.id")), idInput,
    fromFile ? h("p", { class: "note" }, t("admin.inyaml.form")) : [h("label", { for: "f-plugin" }, t("admin.f.plugin")), pluginSelect],
    h("label", { for: "f-visibility" }, t("admin.f.visibility")), visibility,
    h("label", { for: "f-every" }, t("admin.f.every")), every,
    h("label", { for: "f-retention" }, t("admin.f.retention")), retention,
    h("p", { id: "f-retention-hint", class: "hint" }, t("admin.f.retention.hint")),
    fromFile ? null : [h("label", { for: "f-icon" }, t("admin.f.icon")), icon, h("label", { for: "f-color" }, t("admin.f.color")), color],
    fields,
    h("div", { class: "buttons" }, fromFile ? null : [test, " "], h("button", { type: "submit", class: "primary" }, t("admin.save")), " ",
      h("button", { type: "button", onclick: () => (panel.hidden = true) }, t("admin.cancel"))),
    status].flat());
  panel.replaceChildren(form);
  (existing ? nameInput : idInput).focus();
}

async function editSource(id, refresh) {
  const s = await api("GET", `/api/v1/sources/${encodeURIComponent(id)}`);
  sourceForm(s, refresh);
}

async function sourcesSection() {
  const section = h("section", { id: "sources", "aria-labelledby": "sources-h" }, h("h2", { id: "sources-h" }, t("widget.sources")));
  const table = h("table", { class: "sources" },
    h("thead", {}, h("tr", {}, ["admin.col.source", "admin.col.plugin", "admin.col.records", "admin.col.status",
                                "admin.col.lastrun", "admin.col.actions"].map((k) => h("th", { scope: "col" }, t(k))))));
  const tbody = h("tbody");
  table.append(tbody);
  const saved = h("p", { role: "status", "aria-live": "polite", class: "saved" });
  const refresh = async (watch, savedKey) => {
    const sources = await api("GET", "/api/v1/sources");
    tbody.replaceChildren(...sources.items.map((s) => sourceRow(s, refresh)));
    const named = sources.items.find((x) => x.id === watch);
    if (savedKey && named) say(saved, t(savedKey, { name: named.name || named.id }));
    if (typeof watch === "string") {
      const row = document.getElementById(`source-${watch}`);
      const s = sources.items.find((x) => x.id === watch);
      if (row && s && (s.running || s.queued)) watchSource(watch, row, refresh);
    }
  };
  await refresh();
  const add = h("button", { type: "button", class: "primary", onclick: () => sourceForm(null, refresh) }, t("admin.add"));
  section.append(saved, h("div", { class: "table-wrap" }, table), add, h("div", { id: "source-form", hidden: true }));
  return section;
}

// ------------------------------------------------------------------ users, tokens

async function usersSection() {
  const section = h("section", { id: "users", "aria-labelledby": "users-h" }, h("h2", { id: "users-h" }, t("admin.users")));
  const list = h("ul", { class: "users" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const refresh = async () => {
    const users = await api("GET", "/api/v1/users");
    list.replaceChildren(...users.items.map((u) => {
      const role = h("select", { "aria-label": t("admin.role.of", { name: u.name }), onchange: async () => {
        try {
          await api("PATCH", `/api/v1/users/${u.id}`, { role: role.value });
          say(status, t("admin.saved"));
        } catch (e) {
          say(status, e.message, false);
          refresh();
        }
      } }, ["viewer", "editor", "admin"].map((r) => h("option", { value: r, selected: u.role === r }, t("role." + r))));
      // A new password for someone who forgot theirs: set here, told to them in person.
      const fresh = h("input", { type: "password", minlength: "10", autocomplete: "new-password", hidden: true,
                                 "aria-label": t("admin.user.password.of", { name: u.name }) });
      const reset = h("button", { type: "button", class: "reset", onclick: async () => {
        if (fresh.hidden) {
          fresh.hidden = false;
          reset.textContent = t("admin.user.password.set");
          return fresh.focus();
        }
        try {
          await api("PATCH", `/api/v1/users/${u.id}`, { password: fresh.value });
          say(status, t("admin.user.password.done", { name: u.name }));
          fresh.value = "";
          fresh.hidden = true;
          reset.textContent = t("admin.user.password");
        } catch (e) {
          say(status, e.message, false);
        }
      } }, t("admin.user.password"));
      // Where the hub's mail to them goes ("" none): saved as soon as it is changed.
      const email = h("input", { type: "email", value: u.email || "", placeholder: t("admin.user.email"), autocomplete: "off",
                                 "aria-label": t("admin.user.email.of", { name: u.name }), onchange: async () => {
        try {
          await api("PATCH", `/api/v1/users/${u.id}`, { email: email.value.trim() });
          say(status, t("admin.saved"));
        } catch (e) {
          say(status, e.message, false);
        }
      } });
      return h("li", {}, h("strong", {}, u.name), " ", role, " ", email, " ", fresh, " ", reset, " ", h("button", { type: "button", class: "danger", onclick: async () => {
        if (!confirm(t("admin.user.remove.confirm", { name: u.name }))) return;
        await api("DELETE", `/api/v1/users/${u.id}`).then(refresh, (e) => say(status, e.message, false));
      } }, t("admin.delete")));
    }));
  };
  const form = h("form", { class: "inline-form" });
  const name = h("input", { id: "u-name", required: true, autocomplete: "off" });
  const password = h("input", { id: "u-password", type: "password", required: true, minlength: "10", autocomplete: "new-password" });
  const role = h("select", { id: "u-role" }, ["viewer", "editor", "admin"].map((r) => h("option", { value: r }, t("role." + r))));
  const address = h("input", { id: "u-email", type: "email", autocomplete: "off" });
  form.append(h("label", { for: "u-name" }, t("login.name")), name, h("label", { for: "u-password" }, t("login.password")), password,
              h("label", { for: "u-role" }, t("admin.f.role")), role, h("label", { for: "u-email" }, t("admin.user.email")), address,
              h("button", { type: "submit" }, t("admin.user.add")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = { name: name.value.trim(), password: password.value, role: role.value };
      if (address.value.trim()) made.email = address.value.trim();
      await api("POST", "/api/v1/users", made);
      form.reset();
      say(status, t("admin.saved"));
      refresh();
    } catch (e) {
      say(status, e.message, false);
    }
  });
  await refresh();
  section.append(list, form, status);
  return section;
}

// A list of things with a secret shown once (API tokens, share links): each listed
// with a revoke button, and a form that makes one. spec: id, title, about?, path (GET
// lists, POST makes, DELETE path/{id} revokes), describe(item) -> text, fields ([label
// text, input]), body() -> what to POST, made(answer) -> nodes showing the new secret,
// button (the form's submit text).
async function secretsSection(spec) {
  const section = h("section", { id: spec.id, "aria-labelledby": spec.id + "-h" }, h("h2", { id: spec.id + "-h" }, spec.title),
                    spec.about ? h("p", { class: "note" }, spec.about) : null);
  const list = h("ul", { class: "secrets" });
  const shown = h("div", { role: "status", "aria-live": "polite", class: "made" });
  const refresh = async () => {
    const items = (await api("GET", spec.path)).items;
    list.replaceChildren(...items.map((item) => h("li", {}, h("strong", {}, item.name), ` · ${spec.describe(item)} `,
      h("button", { type: "button", class: "danger", onclick: async () => {
        await api("DELETE", `${spec.path}/${item.id}`).then(refresh, (e) => say(shown, e.message, false));
      } }, t("admin.token.revoke")))));
  };
  const form = h("form", { class: "inline-form" },
    spec.fields.flatMap(([label, input]) => [h("label", { for: input.id }, label), input]),
    h("button", { type: "submit" }, spec.button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api("POST", spec.path, spec.body());
      form.reset();
      await refresh();  // listed before the secret shows, so what is shown is also listed
      shown.replaceChildren(...spec.made(made));
      shown.classList.remove("error");
    } catch (e) {
      say(shown, e.message, false);
    }
  });
  await refresh();
  document.addEventListener(`coophub:${spec.id}`, refresh);  // made elsewhere (the embed builder)
  section.append(list, form, shown);
  return section;
}

function tokensSection() {
  const name = h("input", { id: "k-name", required: true, autocomplete: "off" });
  const scope = h("select", { id: "k-scope" }, ["read", "write", "admin"].map((s) => h("option", { value: s }, t("scope." + s))));
  const days = h("input", { id: "k-days", type: "number", min: "1", max: "365", value: "90" });
  return secretsSection({
    id: "tokens", title: t("admin.tokens"), path: "/api/v1/tokens", button: t("admin.token.create"),
    describe: (k) => `${k.scope} · ${t("admin.token.expires", { when: ago(k.expires) })}`,
    fields: [[t("admin.token.name"), name], [t("admin.token.scope"), scope], [t("admin.token.days"), days]],
    body: () => ({ name: name.value.trim(), scope: scope.value, expires_days: Number(days.value) }),
    made: (m) => [t("admin.token.once"), " ", h("code", { class: "secret" }, m.token)],
  });
}

// A share link, and the two ways to embed a widget with it.
function sharesSection() {
  const name = h("input", { id: "sh-name", required: true, autocomplete: "off" });
  const vis = h("select", { id: "sh-vis" }, ["public", "members"].concat(isAdmin ? ["admins"] : [])
    .map((v) => h("option", { value: v, selected: v === "members" }, t("vis." + v))));
  const source = h("input", { id: "sh-source", placeholder: t("editor.allsources"), size: "12" });
  const kind = h("select", { id: "sh-kind" }, h("option", { value: "" }, t("admin.share.anykind")),
    ["post", "event", "decision", "task", "message", "transaction", "resource", "person", "metric", "other"]
      .map((k) => h("option", { value: k }, t("kind." + k))));
  return secretsSection({
    id: "shares", title: t("admin.shares"), about: t("admin.shares.about"), path: "/api/v1/shares",
    button: t("admin.share.create"),
    describe: (s) => [t("vis." + s.visibility), s.source, s.kind && t("kind." + s.kind), s.created_by].filter(Boolean).join(" · "),
    fields: [[t("admin.token.name"), name], [t("admin.f.visibility"), vis], [t("admin.col.source"), source],
             [t("admin.share.kind"), kind]],
    body: () => ({ name: name.value.trim(), visibility: vis.value, source: source.value.trim() || undefined,
                   kind: kind.value || undefined }),
    made: (m) => {
      const src = `${location.origin}/embed/DASHBOARD/N?share=${m.secret}`;
      return [h("p", {}, t("admin.token.once")),
              h("pre", { class: "yaml" }, `<iframe src="${src}" title="coophub"></iframe>\n\n` +
                `<script src="${location.origin}/static/widget.js" defer></script>\n<coophub-widget src="${src}"></coophub-widget>`),
              h("p", { class: "note" }, t("admin.share.how"))];
    },
  });
}

// ------------------------------------------------------------------------- start

async function start() {
  wireSignOut();
  wireLanguage();
  const loading = document.getElementById("admin-loading");
  try {
    const parts = [await sourcesSection()];
    const matching = await matchingSection(h);  // null: matching is not set up
    if (matching) parts.push(matching);
    if (isAdmin) parts.push(await dashboardEditor(h));
    parts.push(await embedBuilder(h, { isAdmin }));
    parts.push(await sharesSection());
    if (isAdmin) parts.push(await usersSection());
    if (isAdmin) parts.push(await mailSection(h));
    if (isAdmin) parts.push(await backupsSection(h));
    if (isAdmin) parts.push(await privacySection(h));
    parts.push(await tokensSection());
    root.replaceChildren(...parts);
    loading.remove();
    localize(root);
  } catch (e) {
    say(loading, e.message, false);
  }
}

start();
