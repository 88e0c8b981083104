// SPDX-License-Identifier: Apache-2.0
// The pages of matching for members: an offer's link, their work, their matching
// profile; see page.h (RenderOffer, RenderWork, RenderProfile).
#include <cstdio>

#include "i18n/dates.h"
#include "web/page.h"
#include "web/page_parts.h"

namespace coophub {
namespace {

using web::Line;
using web::Words;

std::string Number(const json& v) {
  if (!v.is_number()) return "";
  double d = v.get<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, d == static_cast<int64_t>(d) ? "%.0f" : "%.1f", d);
  return buf;
}

// One of matching's reasons in the reader's words; "" for one not worth saying.
std::string Reason(const Words& w, const std::string& code, const json& value) {
  if (code == "skills") {
    std::string list;
    for (const auto& s : value.is_array() ? value : json::array())
      if (s.is_object() && s.contains("name"))
        list += (list.empty() ? "" : ", ") + s.value("name", std::string()) + " " + Number(s.value("level", json(0))) +
                "/5";
    return list.empty() ? "" : w("offer.reason.skills", {{"skills", list}});
  }
  if (code == "distance") return value.is_number() ? w("offer.reason.distance", {{"km", Number(value)}}) : "";
  if (code == "continuity")
    return value.is_number() && value.get<int>() > 0 ? w("offer.reason.continuity", {{"n", Number(value)}}) : "";
  if (code == "language" && value.is_string()) return w("offer.reason.language", {{"lang", value.get<std::string>()}});
  if (code == "certificate" && value.is_string())
    return w("offer.reason.certificate", {{"name", value.get<std::string>()}});
  if (code == "preference" && value.is_string())
    return w("offer.reason.preference", {{"name", value.get<std::string>()}});
  return "";
}

Html AnswerForm(const Words& w, const std::string& action, const std::string& csrf) {
  El reason("input");
  reason.Id("reason").Attr("name", "reason").Attr("type", "text").Attr("maxlength", "500").Attr("autocomplete", "off");
  // A signed-in reader's browser sends its session along: then the form carries the
  // session's CSRF token, as every form of the hub does.
  Html hidden;
  if (!csrf.empty()) hidden = El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", csrf)();
  return El("form")
      .Id("answer")
      .Attr("method", "post")
      .Attr("action", action)(
          std::move(hidden),
          El("button")
              .Attr("type", "submit")
              .Attr("name", "answer")
              .Attr("value", "accept")
              .Class("primary")(w("offer.accept")),
          Line(), El("label").Attr("for", "reason")(w("offer.reason")), reason(),
          El("button").Attr("type", "submit").Attr("name", "answer").Attr("value", "decline")(w("offer.decline")));
}

// Why them, as a list; empty when nothing is worth saying.
Html WhyList(const Words& w, const std::vector<std::pair<std::string, json>>& reasons) {
  Html why;
  for (const auto& [code, value] : reasons)
    if (std::string said = Reason(w, code, value); !said.empty()) why += El("li")(said);
  return why.empty() ? why : El("ul").Class("why")(std::move(why));
}

}  // namespace

// Each piece of work: what, when, where, why, and its answer form. The forms post to
// /work, the page that says what came of it.
Html web::WorkList(const Words& w, const PageContext& c, const std::vector<WorkItem>& items) {
  Dates dates(c.locale.empty() ? c.lang : c.locale, c.zone, w("when.day_time"));
  Html list;
  for (const auto& item : items) {
    std::string key = item.offer ? "o" + std::to_string(item.offer) : "r" + std::to_string(item.request);
    std::string meta = dates.Range(item.start, item.end, c.now);
    if (!item.area.empty()) meta += " · " + w("work.area", {{"area", item.area}});
    El reason("input");
    reason.Id("reason-" + key).Attr("name", "reason").Attr("type", "text").Attr("maxlength", "500");
    Html form =
        El("form")
            .Class("answer")
            .Attr("method", "post")
            .Attr("action", "/work")(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", c.csrf)(),
                                     El("input")
                                         .Attr("type", "hidden")
                                         .Attr("name", item.offer ? "offer" : "request")
                                         .Attr("value", std::to_string(item.offer ? item.offer : item.request))(),
                                     El("button")
                                         .Attr("type", "submit")
                                         .Attr("name", "answer")
                                         .Attr("value", "accept")
                                         .Class("primary")(w(item.offer ? "offer.accept" : "work.take")),
                                     El("details")(El("summary")(w("offer.decline")),
                                                   El("label").Attr("for", "reason-" + key)(w("work.reason")), reason(),
                                                   El("button")
                                                       .Attr("type", "submit")
                                                       .Attr("name", "answer")
                                                       .Attr("value", "decline")(w("work.decline"))));
    Html head = El("h3")(item.title);
    if (item.offer) head += El("p").Class("offered")(w("work.offered", {{"by", item.offered_by}}));
    list += El("li")
                .Class(item.offer ? "work-item offer" : "work-item fit")
                .Id("work-" + key)(head, El("p").Class("meta")(meta), WhyList(w, item.reasons), form) +
            Line();
  }
  return El("ul").Class("work")(Line(), list);
}

std::string RenderWork(const WorkView& v) {
  Words w{v.ctx};
  Html main = El("h1")(w("work.title")) + Line() + El("p")(w("work.intro")) + Line();
  if (!v.said.empty()) main += El("p").Attr("role", "status").Class("said")(w(v.said)) + Line();
  if (!v.matched) {
    main += El("p").Class("empty")(w("work.nobody")) + Line();
  } else {
    if (!v.problem.empty()) main += El("p").Class("error")(w("work.problem", {{"problem", v.problem}})) + Line();
    main += v.items.empty() ? El("p").Class("empty")(w("work.none")) : web::WorkList(w, v.ctx, v.items);
    main += Line();
  }
  main +=
      El("p")(El("a").Attr("href", "/profile")(w("profile.title")), " · ", El("a").Attr("href", "/")(w("nav.back")));
  return web::FramedPage(w, v.ctx, w("work.title"), nullptr, "narrow", std::move(main));
}

std::string RenderProfile(const ProfileView& v) {
  Words w{v.ctx};
  Html main = El("h1")(w("profile.title")) + Line() + El("p")(w("profile.intro")) + Line();
  if (!v.said.empty()) main += El("p").Attr("role", "status").Class("said")(w(v.said)) + Line();
  if (!v.error.empty()) main += El("p").Attr("role", "alert").Class("error")(v.error) + Line();
  if (!v.matched) {
    main += El("p").Class("empty")(w("work.nobody")) + Line() + El("p")(El("a").Attr("href", "/")(w("nav.back")));
    return web::FramedPage(w, v.ctx, w("profile.title"), nullptr, "narrow", std::move(main));
  }
  if (!v.problem.empty()) main += El("p").Class("error")(w("work.problem", {{"problem", v.problem}})) + Line();
  Html fields = El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", v.ctx.csrf)();
  Html fixed;
  for (const auto& f : v.fields) {
    std::string id = "f-" + f.name;
    Html about = El("p").Class("note").Id(id + "-why")(w("profile.why." + f.name));
    if (!f.editable) {
      fixed += El("dt")(w("profile.field." + f.name)) + El("dd")(f.value.empty() ? w("profile.none") : f.value, about);
      continue;
    }
    El input("input");
    input.Id(id).Attr("name", f.name).Attr("value", f.value).Attr("maxlength", "500").Attr("autocomplete", "off");
    input.Attr("aria-describedby", id + "-why");
    if (f.name == "max_km") input.Attr("inputmode", "decimal");
    Html field = El("label").Attr("for", id)(w("profile.field." + f.name)) + input() + about;
    if (f.edited)
      field += El("p").Class("note source")(
          w("profile.source", {{"value", f.source_value.empty() ? w("profile.none") : f.source_value}}), " ",
          El("button")
              .Attr("type", "submit")
              .Attr("name", "reset")
              .Attr("value", f.name)
              .Class("link")(w("profile.reset")));
    fields += El("div").Class("field")(field);
  }
  fields += El("button").Attr("type", "submit").Class("primary")(w("profile.save"));
  main += El("form").Id("profile").Attr("method", "post").Attr("action", "/profile")(std::move(fields)) + Line();
  if (!fixed.empty()) main += El("dl").Class("fixed")(std::move(fixed)) + Line();
  char hours[32];
  std::snprintf(hours, sizeof hours, "%g", v.hours_4w);
  main += El("h2")(w("profile.uses")) + Line() +
          El("ul").Class("uses")(El("li")(w("profile.uses.history", {{"hours", hours}})),
                                 El("li")(w("profile.uses.private")), El("li")(w("profile.uses.offers"))) +
          Line() +
          El("p")(El("a").Attr("href", "/work")(w("work.title")), " · ", El("a").Attr("href", "/")(w("nav.back")));
  return web::FramedPage(w, v.ctx, w("profile.title"), nullptr, "narrow", std::move(main));
}

std::string RenderOffer(const OfferView& o) {
  Words w{o.ctx};
  Html main = El("h1")(w("offer.title")) + Line();
  if (!o.said.empty()) main += El("p").Attr("role", "status").Class("said")(w(o.said)) + Line();
  if (o.status == "unknown") {
    main += El("p").Class("error")(w("offer.unknown")) + Line();
    return web::FramedPage(w, o.ctx, w("offer.title"), nullptr, "narrow", std::move(main));
  }
  Dates dates(o.ctx.locale.empty() ? o.ctx.lang : o.ctx.locale, o.ctx.zone, w("when.day_time"));
  Html facts = El("dt")(w("offer.what")) + El("dd")(o.title) + El("dt")(w("offer.when")) +
               El("dd")(dates.Range(o.start, o.end, o.ctx.now));
  if (!o.area.empty()) facts += El("dt")(w("offer.area")) + El("dd")(o.area);
  main += El("dl").Class("offer")(std::move(facts)) + Line();
  if (Html why = WhyList(w, o.reasons); !why.empty()) main += El("h2")(w("offer.why")) + why + Line();
  if (o.status == "offered") {
    main += AnswerForm(w, o.action, o.ctx.csrf) + Line();
  } else if (o.said.empty()) {  // what became of it, when nothing was just done
    main += El("p").Attr("role", "status")(w("offer.status." + o.status)) + Line();
  }
  return web::FramedPage(w, o.ctx, w("offer.title"), nullptr, "narrow", std::move(main));
}

}  // namespace coophub
