// The embed builder of the admin page: pick a dashboard and one of its widgets by name,
// whether it shows public records or members' ones through a new share link, see it
// live, and copy the code for the coop's website (a <coophub-widget>, or an iframe
// that sizes itself). Beside it, the sites allowed to embed: hub.yaml's, and the
// admin's own, added and removed here and applied at once (PUT /api/v1/embed/origins).
import { api, t, lang } from "./common.js";

const notEmbeddable = new Set(["changes", "sources"]);  // the reader's own visits; the hub's health
const roleRank = { anonymous: 0, viewer: 1, editor: 2, admin: 3 };

// A title of hub.yaml or the API: one string, or one per language.
function text(title) {
  if (!title || typeof title === "string") return title || "";
  return title[lang] ?? title.en ?? Object.values(title)[0] ?? "";
}

export async function embedBuilder(h, { isAdmin }) {
  const section = h("section", { id: "embeds", "aria-labelledby": "embeds-h" },
                    h("h2", { id: "embeds-h" }, t("embed.title")), h("p", { class: "note" }, t("embed.about")));
  const { items: dashboards, widget_types: types } = await api("GET", "/api/v1/dashboards");
  const kindOf = Object.fromEntries(types.map((x) => [x.type, x.kind]));

  const dashboard = h("select", { id: "em-dashboard" },
                      dashboards.map((d) => h("option", { value: d.id }, text(d.title) || d.id)));
  const widget = h("select", { id: "em-widget" });
  const access = h("select", { id: "em-access" });
  const current = () => {
    const d = dashboards.find((x) => x.id === dashboard.value);
    const n = Number(widget.value);
    return { d, n, w: d?.widgets[n] };
  };
  // Who may see what the widget shows decides whether it needs a share link.
  const needsShare = () => {
    const { d, w } = current();
    return !!w && (roleRank[d.role] > 0 || roleRank[w.role || "anonymous"] > 0);
  };
  const fillAccess = () => {
    const share = needsShare();
    access.replaceChildren(
      h("option", { value: "public", disabled: share }, t("embed.access.public")),
      h("option", { value: "share", selected: share }, t("embed.access.share")));
  };
  const fillWidgets = () => {
    const { d } = current();
    widget.replaceChildren(...(d?.widgets || []).map((w, i) =>
      h("option", { value: String(i), disabled: notEmbeddable.has(w.type) }, text(w.title) || t("widget." + w.type))));
    const first = [...widget.options].find((o) => !o.disabled);
    if (first) widget.value = first.value;
    fillAccess();
  };
  dashboard.addEventListener("change", fillWidgets);
  widget.addEventListener("change", fillAccess);
  fillWidgets();

  const status = h("p", { role: "status", "aria-live": "polite" });
  const result = h("div", { class: "embed-result" });
  const form = h("form", { class: "embed-form" },
    h("div", { class: "field" }, h("label", { for: "em-dashboard" }, t("embed.dashboard")), dashboard),
    h("div", { class: "field" }, h("label", { for: "em-widget" }, t("embed.widget")), widget),
    h("div", { class: "field" }, h("label", { for: "em-access" }, t("embed.access")), access),
    h("p", {}, h("button", { type: "submit", class: "primary" }, t("embed.make"))), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { d, n, w } = current();
    if (!w) return;
    let src = `${location.origin}/embed/${encodeURIComponent(d.id)}/${n}`;
    status.textContent = "";
    status.classList.remove("error");
    if (access.value === "share") {
      // A link for this widget alone: its kind, members' records at most.
      const name = `${text(d.title) || d.id} · ${text(w.title) || t("widget." + w.type)}`.slice(0, 100);
      const kind = w.type === "records" ? w.kind : kindOf[w.type];
      try {
        const made = await api("POST", "/api/v1/shares", { name, visibility: "members", kind: kind || undefined });
        src += `?share=${made.secret}`;
        status.textContent = t("embed.share.made", { name });
        document.dispatchEvent(new Event("coophub:shares"));
      } catch (e) {
        status.textContent = e.message;
        status.classList.add("error");
        return;
      }
    }
    result.replaceChildren(...code(h, src, text(w.title) || t("widget." + w.type)));
  });

  section.append(form, result, await sitesPart(h, isAdmin));
  return section;
}

// The code to paste, and the widget as it will look.
function code(h, src, title) {
  const script = `<script src="${location.origin}/static/widget.js" defer></script>`;
  const element = `${script}\n<coophub-widget src="${src}"></coophub-widget>`;
  const iframe = `${script}\n<iframe src="${src}" title="${title.replace(/"/g, "&quot;")}" ` +
                 `style="width: 100%; border: 0" data-coophub-embed></iframe>`;
  const snippet = (id, label, value) => {
    const area = h("textarea", { id, readonly: true, rows: "3", class: "snippet" });
    area.value = value;
    const said = h("span", { role: "status", class: "note" });
    return h("div", { class: "field" }, h("label", { for: id }, label), area,
      h("p", {}, h("button", { type: "button", onclick: async () => {
        area.select();
        try {
          await navigator.clipboard.writeText(value);
          said.textContent = t("embed.copied");
        } catch {
          said.textContent = t("embed.copy.hand");  // no clipboard here: it is selected, to copy by hand
        }
      } }, t("embed.copy")), " ", said));
  };
  const preview = h("iframe", { src, title: t("embed.preview"), class: "embed-preview", "data-coophub-embed": true });
  return [snippet("em-element", t("embed.code.element"), element), snippet("em-iframe", t("embed.code.iframe"), iframe),
          h("h3", {}, t("embed.preview")), preview];
}

// The sites allowed to embed: hub.yaml's (changed there), the admin's (here).
async function sitesPart(h, isAdmin) {
  const list = h("ul", { class: "secrets", id: "em-sites" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  let mine = [];
  const show = (items) => {
    mine = items.filter((o) => o.from === "admin").map((o) => o.origin);
    list.replaceChildren(...items.map((o) => h("li", {}, h("strong", {}, o.origin), " · ",
      o.from === "hub.yaml" ? t("embed.site.yaml") : t("embed.site.by", { name: o.added_by || "" }),
      isAdmin && o.from === "admin"
        ? [" ", h("button", { type: "button", class: "danger", onclick: () => save(mine.filter((x) => x !== o.origin)) },
                  t("embed.site.remove"))]
        : null)));
    if (!items.length) list.append(h("li", { class: "empty" }, t("embed.sites.none")));
  };
  const save = async (origins) => {
    try {
      show((await api("PUT", "/api/v1/embed/origins", { origins })).items);
      status.textContent = t("embed.sites.saved");
      status.classList.remove("error");
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
    }
  };
  show((await api("GET", "/api/v1/embed/origins")).items);
  const part = h("div", { class: "sites" }, h("h3", {}, t("embed.sites")), h("p", { class: "note" }, t("embed.sites.about")), list);
  if (isAdmin) {
    const site = h("input", { id: "em-site", type: "url", required: true, placeholder: "https://coop.example", autocomplete: "off" });
    const add = h("form", { class: "inline-form" }, h("label", { for: "em-site" }, t("embed.site.label")), site,
                  h("button", { type: "submit" }, t("embed.site.add")));
    add.addEventListener("submit", async (event) => {
      event.preventDefault();
      let origin = site.value.trim();
      try {
        origin = new URL(origin).origin;  // a page's address will do: its site is what counts
      } catch {}
      await save([...mine, origin]);
      if (!status.classList.contains("error")) site.value = "";
    });
    part.append(add);
  }
  part.append(status);
  return part;
}
