// SPDX-License-Identifier: Apache-2.0
// A member's own data (/mydata); see page.h (RenderMyData).
#include "base/timeutil.h"
#include "i18n/dates.h"
#include "web/page.h"
#include "web/page_parts.h"

namespace coophub {

using web::Line;
using web::Words;

namespace {

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A hidden CSRF field and an action, for each of the page's forms (all post to /mydata).
Html FormHead(const PageContext& ctx, const char* action) {
  return El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", ctx.csrf)() +
         El("input").Attr("type", "hidden").Attr("name", "action").Attr("value", action)();
}

}  // namespace

std::string RenderMyData(const MyDataView& v) {
  Words w{v.ctx};
  const json& d = v.data;
  Dates dates(v.ctx.locale.empty() ? v.ctx.lang : v.ctx.locale, v.ctx.zone, w("when.day_time"));
  auto when = [&](const std::string& rfc3339) -> std::string {
    auto s = ParseRfc3339(rfc3339);
    return s ? dates.When(*s, v.ctx.now) : rfc3339;
  };
  Html main = El("h1")(w("mydata.title")) + Line() + El("p").Class("note")(w("mydata.intro")) + Line();
  if (!v.said.empty()) main += El("p").Attr("role", "status").Class("said")(w(v.said)) + Line();
  if (!v.error.empty()) main += El("p").Attr("role", "alert").Class("error")(v.error) + Line();

  // What the hub keeps about the account.
  const json& a = d.contains("account") ? d["account"] : json::object();
  auto row = [](const std::string& term, const std::string& value) {
    return El("dt")(term) + El("dd")(value.empty() ? std::string("—") : value);
  };
  Html facts =
      row(w("mydata.name"), Str(a, "name")) + row(w("mydata.role"), w("role." + Str(a, "role"))) +
      row(w("mydata.email"), Str(a, "email")) + row(w("mydata.since"), when(Str(a, "created"))) +
      row(w("mydata.sessions"), std::to_string(d.value("sessions", json::array()).size())) +
      row(w("mydata.tokens"),
          std::to_string(d.contains("tokens") && d["tokens"].contains("items") ? d["tokens"]["items"].size() : 0)) +
      row(w("mydata.audit"), std::to_string(d.value("audit", json::array()).size()));
  main += El("h2")(w("mydata.kept")) + Line() + El("dl").Class("facts")(std::move(facts)) + Line();

  // Identities: what links records to them.
  main += El("h2")(w("mydata.identities")) + Line() + El("p").Class("note")(w("mydata.identities_note")) + Line();
  Html ids;
  for (const auto& i : d.value("identities", json::array())) {
    std::string status = Str(i, "status");
    ids += El("li").Attr("data-status", status)(
        El("strong")(Str(i, "value")), " · ", w("mydata.kind." + Str(i, "kind")), " · ",
        El("span").Class("badge")(w("mydata.status." + status)), " ",
        El("form")
            .Class("inline")
            .Attr("method", "post")
            .Attr("action", "/mydata")(
                FormHead(v.ctx, "withdraw"),
                El("input").Attr("type", "hidden").Attr("name", "id").Attr("value", std::to_string(i.value("id", 0)))(),
                El("button").Attr("type", "submit")(w("mydata.withdraw"),
                                                    El("span").Class("visually-hidden")(" " + Str(i, "value")))));
  }
  if (!ids.empty()) main += El("ul").Class("identities")(std::move(ids)) + Line();
  Html kinds;
  for (const char* k : {"email", "handle", "directory"})
    kinds += El("option").Attr("value", k)(w(std::string("mydata.kind.") + k));
  main += El("form")
              .Id("claim")
              .Attr("method", "post")
              .Attr("action", "/mydata")(
                  FormHead(v.ctx, "claim"), El("label").Attr("for", "claim-kind")(w("mydata.claim_kind")),
                  El("select").Id("claim-kind").Attr("name", "kind")(std::move(kinds)),
                  El("label").Attr("for", "claim-value")(w("mydata.claim_value")),
                  El("input").Id("claim-value").Attr("name", "value").Attr("autocomplete", "off").Flag("required")(),
                  El("button").Attr("type", "submit")(w("mydata.claim"))) +
          Line();

  // The records that name them, a page at a time.
  main += El("h2")(w("mydata.records")) + Line();
  const json& records = d.contains("records") ? d["records"]["items"] : json::array();
  if (records.empty()) {
    main += El("p").Class("empty")(w("mydata.no_records")) + Line();
  } else {
    Html list;
    for (const auto& r : records) {
      std::string title = Str(r, "title").empty() ? w("mydata.untitled") : Str(r, "title");
      Html head = Str(r, "url").empty() ? Html(El("strong")(title)) : El("a").Attr("href", Str(r, "url"))(title);
      list += El("li").Attr("data-visibility", Str(r, "visibility"))(
          std::move(head), Line(),
          El("span").Class("note")(Str(r, "source_name"), Str(r, "time").empty() ? "" : " · " + when(Str(r, "time")),
                                   " · ", w("mydata.seen_by." + Str(r, "visibility")), " · ",
                                   Str(r, "retention") == "source" || Str(r, "retention").empty()
                                       ? w("mydata.kept_source")
                                       : w("mydata.kept_for", {{"time", Str(r, "retention")}})));
    }
    main += El("ul").Class("records")(std::move(list)) + Line();
    if (!v.more.empty()) main += El("p")(El("a").Attr("href", v.more)(w("mydata.more"))) + Line();
  }

  // Export: one archive of it all, built in the background.
  main += El("h2")(w("mydata.export")) + Line() + El("p").Class("note")(w("mydata.export_note")) + Line();
  Html exports;
  for (const auto& e : d.value("exports", json::array())) {
    std::string status = Str(e, "status");
    Html what = El("span").Class("badge")(w("mydata.export." + status));
    if (status == "ready")
      what += Html::Text(" ") +
              El("a")
                  .Attr("href", "/api/v1/me/exports/" + std::to_string(e.value("id", 0)) + "/archive")
                  .Attr("download", "")(w("mydata.download"), " (" + std::to_string(e.value("records", 0)) + ")");
    if (status == "failed") what += Html::Text(" " + Str(e, "error"));
    exports += El("li").Attr("data-status", status)(when(Str(e, "created")), " · ", std::move(what));
  }
  if (!exports.empty()) main += El("ul").Class("exports")(std::move(exports)) + Line();
  main += El("form")
              .Id("export")
              .Attr("method", "post")
              .Attr("action", "/mydata")(FormHead(v.ctx, "export"),
                                         El("button").Attr("type", "submit").Class("primary")(w("mydata.export_now"))) +
          Line();

  // Erasure: asked here, carried out by an admin.
  main += El("h2")(w("mydata.erasure")) + Line();
  if (d.contains("erasure") && d["erasure"].is_object()) {
    main += El("p").Attr("data-status", Str(d["erasure"], "status"))(
                w("mydata.erasure_open", {{"when", when(Str(d["erasure"], "created"))}})) +
            Line();
  } else {
    main += El("p").Class("note")(w("mydata.erasure_note")) + Line() +
            El("form")
                .Id("erase")
                .Attr("method", "post")
                .Attr("action", "/mydata")(
                    FormHead(v.ctx, "erase"), El("label").Attr("for", "erase-note")(w("mydata.erasure_why")),
                    El("textarea").Id("erase-note").Attr("name", "note").Attr("rows", "2")(),
                    El("button").Attr("type", "submit").Class("danger")(w("mydata.erasure_ask"))) +
            Line();
  }
  main += El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return web::FramedPage(w, v.ctx, w("mydata.title"), nullptr, "narrow", std::move(main));
}

}  // namespace coophub
