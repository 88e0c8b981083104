// SPDX-License-Identifier: Apache-2.0
// Alerts; see alerts.h.
#include "notify/alerts.h"

#include <algorithm>

#include "base/text.h"
#include "base/timeutil.h"
#include "dashboards/widgets.h"
#include "i18n/dates.h"
#include "notify/letter.h"

namespace coophub::notify {
namespace {

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t TimeOf(const json& j, const char* key) { return ParseRfc3339(Str(j, key)).value_or(0); }

std::string PlaceOf(const json& record) {
  auto loc = record.find("location");
  return loc != record.end() ? Str(*loc, "name") : std::string();
}

bool Shift(const std::string& kind) { return kind == "event" || kind == "task"; }

std::string Key(const char* kind, int64_t user, const std::string& rest) {
  return std::string("alert.") + kind + "." + std::to_string(user) + "." + rest;
}

}  // namespace

Roster::Roster(const std::vector<User>& users) : users_(users) {
  for (size_t i = 0; i < users_.size(); ++i) {
    std::string lower = users_[i].name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    by_name_.emplace(std::move(lower), i);
  }
}

std::vector<const User*> Roster::Named(const json& people) const {
  std::vector<const User*> out;
  for (const auto& name : NamesIn(people)) {
    auto [from, to] = by_name_.equal_range(name);
    for (auto it = from; it != to; ++it)
      if (std::find(out.begin(), out.end(), &users_[it->second]) == out.end()) out.push_back(&users_[it->second]);
  }
  return out;
}

std::vector<Alert> ShiftAlerts(const json& item, const Roster& roster, int64_t now) {
  std::vector<Alert> out;
  std::string op = Str(item, "op");
  int64_t seq = item.value("seq", int64_t{0});
  Alert a;
  a.kind = "shifts";
  std::string id;  // what the key names
  const json* people = nullptr;
  if (op == "upsert") {
    const json& rec = item["record"];
    if (!Shift(Str(rec, "kind")) || item.value("created", true)) return out;  // new is no change
    a.title = Str(rec, "title");
    a.start = TimeOf(rec, "time");
    a.end = TimeOf(rec, "end");
    a.place = PlaceOf(rec);
    a.url = Str(rec, "url");
    // iCalendar's STATUS, or a spreadsheet's status column, however it is capitalised.
    std::string status;
    if (auto data = rec.find("data"); data != rec.end() && data->is_object())
      for (const auto& [k, v] : data->items())
        if (v.is_string() && (k == "status" || k == "Status" || k == "STATUS")) status = v.get<std::string>();
    for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const json prev = item.value("previous", json());
    bool moved = prev.is_object() && (Str(prev, "time") != Str(rec, "time") || Str(prev, "end") != Str(rec, "end") ||
                                      Str(prev, "place") != a.place);
    if (status == "CANCELLED") {
      a.what = "alert.cancelled";
      id = std::to_string(rec.value("uid", int64_t{0})) + ".cancelled";  // once, whatever changes after
    } else if (moved) {
      a.what = "alert.moved";
      if (Str(prev, "time") != Str(rec, "time")) a.was = TimeOf(prev, "time");
      id = std::to_string(rec.value("uid", int64_t{0})) + "." + std::to_string(seq);
    } else {
      return out;  // its words changed, not when or where: the digest says so
    }
    people = rec.contains("people") ? &rec["people"] : nullptr;
  } else if (op == "delete") {
    if (!Shift(Str(item, "kind")) || !item.contains("was")) return out;
    const json& was = item["was"];
    a.what = "alert.removed";
    a.title = Str(item, "title");
    a.start = TimeOf(was, "time");
    id = Str(item, "source") + "/" + Str(item, "stream") + "/" + Str(item, "id") + "." + std::to_string(seq);
    people = was.contains("people") ? &was["people"] : nullptr;
  } else {
    return out;
  }
  if (!people || std::max({a.start, a.end, a.was}) < now - kPastAlertS) return out;
  for (const User* u : roster.Named(*people)) {
    Alert mine = a;
    mine.user_id = u->id;
    mine.key = Key("shifts", u->id, id);
    out.push_back(std::move(mine));
  }
  return out;
}

std::vector<Alert> ClosingAlerts(const json& decision, const std::vector<const User*>& readers, int64_t now) {
  std::vector<Alert> out;
  int64_t end = TimeOf(decision, "end");
  if (end <= now || end > now + kClosingAlertS) return out;
  Alert a;
  a.kind = "decisions";
  a.what = "alert.closing";
  a.title = Str(decision, "title");
  a.end = end;
  a.url = Str(decision, "url");
  // A decision that names its voters is theirs to vote on; one that names none, everyone's.
  std::vector<std::string> voters;
  if (auto p = decision.find("people"); p != decision.end()) voters = NamesIn(*p);
  std::string uid = std::to_string(decision.value("uid", int64_t{0}));
  for (const User* u : readers) {
    if (!voters.empty()) {
      std::string lower = u->name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (std::find(voters.begin(), voters.end(), lower) == voters.end()) continue;
    }
    Alert mine = a;
    mine.user_id = u->id;
    mine.key = Key("decisions", u->id, uid);
    out.push_back(std::move(mine));
  }
  return out;
}

std::vector<Alert> FailingAlerts(const std::string& source, int failures, int64_t last_success_ms,
                                 const std::string& message, const std::vector<User>& users) {
  std::vector<Alert> out;
  for (const User& u : users) {
    if (u.role < Role::kEditor) continue;
    Alert a;
    a.user_id = u.id;
    a.kind = "sources";
    a.what = "alert.failing";
    a.title = source;
    a.failures = failures;
    a.note = message;
    a.path = "/admin";
    a.key = Key("sources", u.id, source + "." + std::to_string(last_success_ms));  // once a streak
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Alert> OfferAlerts(const OfferNews& offer, const Roster& roster) {
  std::vector<Alert> out;
  for (const User* u : roster.Named(json::array({offer.account}))) {
    Alert a;
    a.user_id = u->id;
    a.kind = "offers";
    a.what = "alert.offer";
    a.title = offer.title;
    a.start = offer.start;
    a.end = offer.end;
    a.place = offer.area;
    a.path = "/work";
    a.key = Key("offers", u->id, std::to_string(offer.id));
    out.push_back(std::move(a));
  }
  return out;
}

AlertText Describe(const Alert& a, const Catalogs& catalogs, const std::string& lang, const std::string& zone,
                   int64_t now) {
  auto T = [&](const std::string& key, const std::map<std::string, std::string>& args) {
    return catalogs.Text(lang, key, args);
  };
  Dates dates(lang, zone, catalogs.Text(lang, "when.day_time"));
  std::string title = a.title.empty() ? T("kind.event", {}) : a.title;
  AlertText t;
  if (a.what == "alert.failing") {
    t.title = T(a.what, {{"source", title}, {"n", std::to_string(a.failures)}});
    t.detail = a.note.size() > 300 ? Utf8Prefix(a.note, 300) + "\u2026" : a.note;
    return t;
  }
  t.title = T(a.what, {{"title", title}});
  std::vector<std::string> parts;
  if (a.what == "alert.closing") {
    parts.push_back(T("digest.closes", {{"when", dates.When(a.end, now)}}));
  } else if (a.start) {
    parts.push_back(a.end > a.start ? dates.Range(a.start, a.end, now) : dates.When(a.start, now));
  }
  if (a.was) parts.push_back(T("alert.was", {{"when", dates.When(a.was, now)}}));
  if (!a.place.empty()) parts.push_back(a.place);
  for (const auto& p : parts) t.detail += (t.detail.empty() ? "" : " · ") + p;
  return t;
}

mail::Message AlertMessage(const Alert& a, const AlertText& text, const Catalogs& catalogs, const std::string& lang,
                           const std::string& coop, const std::string& hub_url, const std::string& stop_url,
                           const std::string& prefs_url) {
  Letter w(catalogs, lang);
  std::string link = a.url.rfind("https://", 0) == 0 || a.url.rfind("http://", 0) == 0
                         ? a.url
                         : hub_url + (a.path.empty() ? "/" : a.path);
  w.Paragraph(text.title);
  if (!text.detail.empty()) w.Paragraph(text.detail);
  w.Button(w.T("alert.open"), link);
  w.Small(w.T("alert.why." + a.kind, {{"coop", coop}}), w.T("alert.stop"), stop_url);
  mail::Message m;
  m.subject = text.title;
  m.text = w.text() + w.T("digest.choices") + ": " + prefs_url + "\n";
  m.html = w.html();
  m.headers.emplace_back("List-Unsubscribe", "<" + stop_url + ">");
  m.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  m.headers.emplace_back("Auto-Submitted", "auto-generated");
  return m;
}

}  // namespace coophub::notify
