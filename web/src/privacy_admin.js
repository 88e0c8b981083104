// The admin page's members' data section (docs/privacy.md): the identities members
// claimed that wait for a decision, and erasure requests. A waiting request opens to
// what erasing removes from the hub, by source, and what only each source can remove;
// erasing is a second, explicit click. Everything through /api/v1/identities and
// /api/v1/erasures.
import { api, t, absoluteTime } from "./common.js";

export async function privacySection(h) {
  const section = h("section", { id: "privacy", "aria-labelledby": "privacy-h" },
    h("h2", { id: "privacy-h" }, t("admin.privacy")));
  const status = h("p", { role: "status", "aria-live": "polite" });
  const claims = h("ul", { class: "claims" });
  const erasures = h("ul", { class: "erasures" });

  const act = async (what, done) => {
    try {
      await what();
      await refresh();
      status.textContent = done;  // once the lists say it too
    } catch (e) {
      status.textContent = e.message;
    }
  };

  const claimItem = (i) => h("li", { "data-id": String(i.id) },
    h("strong", {}, i.user), " · ", t(`mydata.kind.${i.kind}`), " · ", h("span", {}, i.value), " ",
    h("button", { type: "button", class: "confirm", onclick: () => act(
      () => api("POST", `/api/v1/identities/${i.id}/confirm`), t("admin.privacy.confirmed", { value: i.value })) },
    t("admin.privacy.confirm"), h("span", { class: "visually-hidden" }, ` ${i.value}`)),
    " ",
    h("button", { type: "button", class: "reject", onclick: () => act(
      () => api("POST", `/api/v1/identities/${i.id}/reject`), t("admin.privacy.rejected", { value: i.value })) },
    t("admin.privacy.reject"), h("span", { class: "visually-hidden" }, ` ${i.value}`)));

  // A waiting request: "Review" loads what erasing removes, then offers the erasure.
  const erasureItem = (e) => {
    const item = h("li", { "data-status": e.status },
      h("strong", {}, e.user), " · ", absoluteTime(e.created), " · ", t(`admin.privacy.status.${e.status}`),
      e.note ? h("span", { class: "note" }, ` · “${e.note}”`) : "",
      e.status === "done" ? ` · ${t("admin.privacy.removed", { n: e.removed })}` : "");
    if (e.status !== "requested") return item;
    const review = h("button", { type: "button", class: "review" }, t("admin.privacy.review"));
    review.addEventListener("click", async () => {
      review.disabled = true;
      const p = await api("GET", `/api/v1/erasures/${e.id}`);
      const rows = (p.records || []).map((s) => h("li", {},
        t("admin.privacy.in_source", { n: s.records, source: s.source_name }), h("br"),
        h("span", { class: "note" }, t("admin.privacy.at_source", { source: s.source_name }))));
      item.append(h("div", { class: "preview" },
        h("p", {}, t("admin.privacy.names", { names: (p.names || []).join(", ") })),
        h("ul", {}, ...(rows.length ? rows : [h("li", { class: "empty" }, t("admin.privacy.no_records"))])),
        h("p", { class: "note" }, t("admin.privacy.account", { user: e.user })),
        h("button", { type: "button", class: "danger erase", onclick: () => act(
          () => api("POST", `/api/v1/erasures/${e.id}/confirm`), t("admin.privacy.erased", { user: e.user })) },
        t("admin.privacy.erase", { user: e.user })), " ",
        h("button", { type: "button", class: "refuse", onclick: () => act(
          () => api("POST", `/api/v1/erasures/${e.id}/reject`), t("admin.privacy.refused")) },
        t("admin.privacy.refuse"))));
    });
    item.append(" ", review);
    return item;
  };

  const refresh = async () => {
    const [c, e] = await Promise.all([api("GET", "/api/v1/identities"), api("GET", "/api/v1/erasures")]);
    claims.replaceChildren(...(c.items.length ? c.items.map(claimItem)
      : [h("li", { class: "empty" }, t("admin.privacy.no_claims"))]));
    erasures.replaceChildren(...(e.items.length ? e.items.map(erasureItem)
      : [h("li", { class: "empty" }, t("admin.privacy.no_erasures"))]));
  };
  await refresh();
  section.append(h("p", { class: "note" }, t("admin.privacy.intro")),
    h("h3", {}, t("admin.privacy.claims")), claims,
    h("h3", {}, t("admin.privacy.erasures")), erasures, status);
  return section;
}
