// The admin page's backups section: the backups in backup.dir, newest first (when, size,
// records), "Back up now" with its progress while it runs, and what retention keeps.
// Everything through /api/v1/backups; a hub without a backup: section says how to add
// one (docs/operations.md).
import { api, t, absoluteTime, formatNumber } from "./common.js";

// 987654321 → "942 MB", in the reader's numbers.
function size(bytes) {
  const mb = bytes / (1 << 20);
  return mb >= 1 ? `${formatNumber(Math.round(mb))} MB` : `${formatNumber(Math.max(1, Math.round(bytes / 1024)))} KB`;
}

export async function backupsSection(h) {
  const section = h("section", { id: "backups", "aria-labelledby": "backups-h" },
    h("h2", { id: "backups-h" }, t("admin.backups")));
  const status = h("p", { role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "backups" });
  const keeps = h("p", { class: "note" });
  const now = h("button", { type: "button", id: "backup-now" }, t("admin.backups.now"));
  const progress = h("progress", { max: "100", hidden: "", "aria-label": t("admin.backups.progress") });

  const show = (b) => {
    const r = b.retention || {};
    const sources = (r.sources || []).map((s) => t("admin.backups.source_keeps", { source: s.id, keep: s.retention }));
    keeps.textContent = [t("admin.backups.keeps", { runs: r.runs, audit: r.audit }), ...sources].join(" ");
    if (!b.configured) return;
    list.replaceChildren(...(b.items.length ? b.items.map((i) => h("li", {},
      i.problem ? h("span", {}, i.name, " · ", i.problem)
        : h("span", {}, h("strong", {}, absoluteTime(i.created)), " · ", size(i.bytes), " · ",
          t("admin.backups.records", { n: i.records })))) : [h("li", { class: "empty" }, t("admin.backups.none_yet"))]));
    now.disabled = b.running;
    progress.hidden = !b.running;
    if (b.progress && b.progress.total) progress.value = Math.floor(100 * b.progress.done / b.progress.total);
    else progress.removeAttribute("value");  // indeterminate until the copy says how far
    if (b.running) status.textContent = t("admin.backups.running");
    else if (b.last_error) status.textContent = t("admin.backups.failed", { error: b.last_error });
  };

  // While one runs, the section asks every second, and says when it is done.
  const follow = async () => {
    for (let i = 0; i < 3600; i++) {
      const b = await api("GET", "/api/v1/backups");
      show(b);
      if (!b.running) {
        if (!b.last_error) status.textContent = t("admin.backups.done");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  const first = await api("GET", "/api/v1/backups");
  if (!first.configured) {
    show(first);
    section.append(h("p", { class: "note" }, t("admin.backups.not_set")), keeps);
    return section;
  }
  now.addEventListener("click", async () => {
    try {
      show(await api("POST", "/api/v1/backups"));
      await follow();
    } catch (e) {
      status.textContent = e.message;
    }
  });
  show(first);
  section.append(h("p", { class: "note" }, t("admin.backups.where", { dir: first.dir, every: first.every, keep: first.keep })),
    list, h("p", {}, now, " ", progress), status, keeps);
  if (first.running) follow();
  return section;
}
