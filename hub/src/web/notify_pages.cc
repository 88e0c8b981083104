// SPDX-License-Identifier: Apache-2.0
// A member's notifications page and a digest's unsubscribe page; see page.h
// (RenderNotifications, RenderUnsubscribe).
#include "i18n/dates.h"
#include "web/page.h"
#include "web/page_parts.h"

namespace coophub {

using web::Line;
using web::Words;

std::string RenderNotifications(const NotificationsView& v) {
  Words w{v.ctx};
  Html main = El("h1")(w("notify.title")) + Line();
  if (!v.said.empty()) main += El("p").Attr("role", "status").Class("said")(w(v.said)) + Line();
  if (!v.mail) {  // nothing to choose: say so, and the way back
    main += El("p").Class("note")(w("notify.no_mail")) + Line() + El("p")(El("a").Attr("href", "/")(w("nav.back")));
    return web::FramedPage(w, v.ctx, w("notify.title"), nullptr, "narrow", std::move(main));
  }
  // What came to them, newest first, the unread marked (in words too, for screen readers).
  Dates dates(v.ctx.locale.empty() ? v.ctx.lang : v.ctx.locale, v.ctx.zone, w("when.day_time"));
  main += El("h2")(w("notices.title"),
                   v.unread ? Html::Text(" ") + El("span").Class("badge")(std::to_string(v.unread)) : Html()) +
          Line();
  if (v.notices.empty()) {
    main += El("p").Class("empty")(w("notices.none")) + Line();
  } else {
    Html list;
    for (const auto& n : v.notices) {
      Html title = n.url.empty() ? Html(El("strong")(n.title)) : El("a").Attr("href", n.url)(El("strong")(n.title));
      El item("li");
      item.Attr("data-kind", n.kind);
      if (n.unread) item.Class("unread");
      list += item(n.unread ? El("span").Class("dot").Attr("aria-hidden", "true")() +
                                  El("span").Class("visually-hidden")(w("notices.unread") + ": ")
                            : Html(),
                   std::move(title), Line(),
                   El("span").Class("note")(n.detail.empty() ? dates.When(n.created, v.ctx.now)
                                                             : n.detail + " · " + dates.When(n.created, v.ctx.now)));
    }
    main += El("ul").Class("notices")(std::move(list)) + Line();
    if (v.unread)
      main += El("form")
                  .Id("notices-read")
                  .Attr("method", "post")
                  .Attr("action", "/notifications/read")(
                      El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", v.ctx.csrf)(),
                      El("button").Attr("type", "submit")(w("notices.mark_read"))) +
              Line();
  }

  if (v.email.empty())
    main += El("p").Class("error")(w("notify.no_address")) + Line();
  else
    main += El("p")(w("notify.address", {{"email", v.email}})) + Line();

  // How often: the coop's default first, named as such.
  Html choices;
  for (const char* every : {"", "weekly", "monthly", "never"}) {
    std::string id = std::string("digest-") + (*every ? every : "default");
    El radio("input");
    radio.Id(id).Attr("type", "radio").Attr("name", "digest").Attr("value", every);
    if (v.digest == every) radio.Attr("checked", "checked");
    std::string label = *every ? w(std::string("notify.every.") + every)
                               : w("notify.every.default", {{"every", w("notify.every." + v.digest_default)}});
    choices += El("div").Class("choice")(radio(), El("label").Attr("for", id)(label));
  }
  Html alerts;
  for (const auto& [kind, on] : v.alerts) {
    std::string id = "alert-" + kind;
    El box("input");
    box.Id(id).Attr("type", "checkbox").Attr("name", "alert_" + kind).Attr("value", "on");
    if (on) box.Attr("checked", "checked");
    alerts += El("div").Class("choice")(box(), El("label").Attr("for", id)(w("notify.alert." + kind)));
  }
  Html form = El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", v.ctx.csrf)() +
              El("fieldset")(El("legend")(w("notify.digest")), El("p").Class("note")(w("notify.digest_note")),
                             std::move(choices)) +
              El("fieldset")(El("legend")(w("notify.alerts")), std::move(alerts)) +
              El("button").Attr("type", "submit").Class("primary")(w("notify.save"));
  main += El("form").Id("notify").Attr("method", "post").Attr("action", "/notifications")(std::move(form)) + Line();

  main += El("h2")(w("notify.sent")) + Line();
  if (v.sent.empty()) {
    main += El("p").Class("empty")(w("notify.sent_none")) + Line();
  } else {
    Html list;
    for (const auto& s : v.sent) {
      int64_t at = s.sent ? s.sent : s.created;
      list += El("li").Attr("data-status", s.status)(
          El("strong")(s.subject), Line(),
          El("span").Class("note")(dates.When(at, v.ctx.now), " · ", w("notify.status." + s.status)));
    }
    main += El("ul").Class("sent")(std::move(list)) + Line();
  }
  main += El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return web::FramedPage(w, v.ctx, w("notify.title"), nullptr, "narrow", std::move(main));
}

std::string RenderUnsubscribe(const PageContext& ctx, const std::string& state, const std::string& action,
                              const std::string& kind) {
  Words w{ctx};
  // A digest's words, or an alert's, which name the alert as the choices page does.
  auto say = [&](const std::string& key) {
    return kind.empty() ? w("unsubscribe." + key)
                        : w("unsubscribe.alert_" + key, {{"what", w("notify.alert." + kind)}});
  };
  Html main = El("h1")(say("title")) + Line();
  if (state == "bad") {
    main += El("p").Class("error")(w("unsubscribe.bad")) + Line();
  } else if (state == "done") {
    main += El("p").Attr("role", "status").Class("said")(say("done")) + Line();
  } else {
    // A button, not the link itself: mail scanners open links, and must not unsubscribe.
    main +=
        El("p")(say("ask")) + Line() +
        El("form")
            .Id("unsubscribe")
            .Attr("method", "post")
            .Attr("action", action)(
                El("input").Attr("type", "hidden").Attr("name", "List-Unsubscribe").Attr("value", "One-Click")(),
                ctx.csrf.empty() ? Html()
                                 : El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", ctx.csrf)(),
                El("button").Attr("type", "submit").Class("primary")(say("button"))) +
        Line();
  }
  main += El("p")(El("a").Attr("href", "/notifications")(w("unsubscribe.choices")));
  return web::FramedPage(w, ctx, say("title"), nullptr, "narrow", std::move(main));
}

}  // namespace coophub
