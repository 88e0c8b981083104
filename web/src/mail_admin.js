// The admin page's mail section: whether mail is set up, what the outbox holds (counts
// by status), the messages that could not be delivered with the server's answer and a
// button to send each again, and "send me a test message". Everything through /api/v1;
// a hub without a mail: section says how to add one.
import { api, t, absoluteTime } from "./common.js";

export async function mailSection(h) {
  const section = h("section", { id: "mail", "aria-labelledby": "mail-h" }, h("h2", { id: "mail-h" }, t("admin.mail")));
  const status = h("p", { role: "status", "aria-live": "polite" });
  let outbox;
  try {
    outbox = await api("GET", "/api/v1/mail/outbox?status=failed&limit=20");
  } catch (e) {
    if (e.status !== 404) throw e;
    section.append(h("p", { class: "note" }, t("admin.mail.none")));
    return section;
  }
  const counts = h("p", { class: "counts" });
  const failed = h("ul", { class: "failed-mail" });
  const show = (o) => {
    const c = o.counts || {};
    counts.textContent = t("admin.mail.counts", { sent: c.sent || 0, queued: (c.queued || 0) + (c.sending || 0), failed: c.failed || 0 });
    if (!o.items.length) {
      failed.replaceChildren(h("li", { class: "empty" }, t("admin.mail.no_failed")));
      return;
    }
    failed.replaceChildren(...o.items.map((m) => h("li", { "data-id": m.id },
      h("strong", {}, m.to), " · ", m.subject, h("br"),
      h("span", { class: "note" }, absoluteTime(m.created), " · ", m.error || t("admin.mail.failed")), " ",
      h("button", { type: "button", onclick: async () => {
        try {
          await api("POST", `/api/v1/mail/outbox/${m.id}/retry`);
          status.textContent = t("admin.mail.retried", { to: m.to });
          show(await api("GET", "/api/v1/mail/outbox?status=failed&limit=20"));
        } catch (e) {
          status.textContent = e.message;
        }
      } }, t("admin.mail.retry")))));
  };
  show(outbox);
  const test = h("button", { type: "button", id: "mail-test", onclick: async () => {
    try {
      await api("POST", "/api/v1/mail/test");
      status.textContent = t("admin.mail.test.done");
    } catch (e) {
      status.textContent = e.message;
    }
  } }, t("admin.mail.test"));
  section.append(counts, h("h3", {}, t("admin.mail.failed_list")), failed, h("p", {}, test), status);
  return section;
}
