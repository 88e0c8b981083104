// SPDX-License-Identifier: Apache-2.0
// What reaches members: their choices (/api/v1/me/notifications and /notifications),
// the one-click unsubscribe of a digest (RFC 8058), and the outbox for admins.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/accounts_api.h"
#include "api/handlers.h"
#include "base/timeutil.h"
#include "notify/outbox.h"
#include "notify/postman.h"
#include "web/page.h"

namespace coophub {
namespace {

constexpr int kSentShown = 20;     // messages listed on a member's page
constexpr int kNoticesShown = 50;  // notifications listed there

ApiResponse NoMail() {
  return Problem(404, "Mail is not set up", "add a mail: section to hub.yaml (smtp_url, from; docs/mail.md)");
}

json MailJson(const notify::Mail& m, bool with_error) {
  json j = {{"id", m.id},
            {"kind", m.kind},
            {"subject", m.subject},
            {"status", m.status},
            {"attempts", m.attempts},
            {"created", FormatRfc3339(m.created_ms / 1000)},
            {"sent", m.sent_ms ? json(FormatRfc3339(m.sent_ms / 1000)) : json(nullptr)}};
  if (with_error) {
    j["user_id"] = m.user_id;
    j["to"] = m.to;
    j["code"] = m.code;
    j["error"] = m.error;
    j["next"] = m.status == "queued" ? json(FormatRfc3339(m.next_ms / 1000)) : json(nullptr);
  }
  return j;
}

std::string DefaultEvery(const Services& hub) { return hub.config.mail ? hub.config.mail->digest : "weekly"; }

// What a member's notifications show, read once: their choices, their address, and
// what was sent to them lately.
struct Choices {
  notify::Prefs prefs;
  User user;
  std::vector<notify::Mail> sent;       // newest first
  std::vector<notify::Notice> notices;  // newest first
  int64_t unread = 0;
};

Result<Choices> ReadChoices(const Services& hub, const Principal& who) {
  Choices c;
  auto prefs = hub.outbox->GetPrefs(who.user_id);
  if (!prefs.ok()) return prefs.status();
  c.prefs = std::move(*prefs);
  auto user = hub.accounts->GetUser(who.user_id);
  if (!user.ok()) return user.status();
  c.user = std::move(*user);
  auto sent = hub.outbox->List(who.user_id, "", kSentShown);
  if (!sent.ok()) return sent.status();
  c.sent = std::move(*sent);
  auto notices = hub.outbox->Notices(who.user_id, kNoticesShown);
  if (!notices.ok()) return notices.status();
  c.notices = std::move(*notices);
  auto unread = hub.outbox->Unread(who.user_id);
  if (!unread.ok()) return unread.status();
  c.unread = *unread;
  return c;
}

json NoticeJson(const notify::Notice& n) {
  return {{"id", n.id},
          {"kind", n.kind},
          {"title", n.title},
          {"detail", n.detail},
          {"url", n.url},
          {"created", FormatRfc3339(n.created_ms / 1000)},
          {"read", n.read_ms ? json(FormatRfc3339(n.read_ms / 1000)) : json(nullptr)}};
}

json ChoicesJson(const Services& hub, const Choices& c) {
  json alerts = json::object();
  for (const auto& k : notify::AlertKinds()) alerts[k] = !c.prefs.alerts_off.count(k);
  json messages = json::array();
  for (const auto& m : c.sent) messages.push_back(MailJson(m, false));
  return json{{"digest", c.prefs.digest ? json(notify::EveryName(*c.prefs.digest)) : json(nullptr)},
              {"digest_default", DefaultEvery(hub)},
              {"alerts", alerts},
              {"email", c.user.email},
              {"mail", hub.config.mail.has_value()},
              {"messages", messages}};
}

ApiResponse ChoicesAnswer(const Services& hub, const Principal& who) {
  auto c = ReadChoices(hub, who);
  if (!c.ok()) return FromStatus(c.status());
  return Json(200, ChoicesJson(hub, *c));
}

// Applies {digest, alerts} to the caller's choices; Invalid names what is wrong.
Status ChangeChoices(const Services& hub, const Principal& who, const json& body) {
  auto prefs = hub.outbox->GetPrefs(who.user_id);
  if (!prefs.ok()) return prefs.status();
  std::optional<notify::Every> digest = prefs->digest;
  std::set<std::string> off = prefs->alerts_off;
  std::string what;
  if (body.contains("digest")) {
    const json& d = body["digest"];
    if (d.is_null() || d == "default") {
      digest.reset();
    } else if (auto e = d.is_string() ? notify::ParseEvery(d.get<std::string>()) : std::nullopt) {
      digest = e;
    } else {
      return Status::Invalid("digest: \"" + d.dump().substr(0, 40) + "\" is not never, weekly, monthly or default");
    }
    what += "digest " + (digest ? std::string(notify::EveryName(*digest)) : std::string("default"));
  }
  if (body.contains("alerts")) {
    const json& a = body["alerts"];
    if (!a.is_object()) return Status::Invalid("alerts: must be {kind: true|false}");
    for (const auto& [kind, on] : a.items()) {
      const auto& kinds = notify::AlertKinds();
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
        return Status::Invalid("alerts." + kind + ": no such alert (shifts, offers, decisions, sources)");
      if (!on.is_boolean()) return Status::Invalid("alerts." + kind + ": must be true or false");
      if (on.get<bool>())
        off.erase(kind);
      else
        off.insert(kind);
      what += (what.empty() ? "" : ", ") + kind + (on.get<bool>() ? " on" : " off");
    }
  }
  if (Status s = hub.outbox->SetChoices(who.user_id, digest, off, NowMs()); !s.ok()) return s;
  Audit(hub, who, "notify.choices", "user " + who.name, what);
  return Status::Ok();
}

ApiResponse NotificationsPageFor(const Services& hub, const ApiRequest& req, const Principal& who,
                                 const std::string& said) {
  auto c = ReadChoices(hub, who);
  if (!c.ok()) return FromStatus(c.status());
  NotificationsView v;
  v.ctx = Context(hub, req, who, "/notifications");
  v.mail = hub.config.mail.has_value();
  v.email = c->user.email;
  v.digest = c->prefs.digest ? notify::EveryName(*c->prefs.digest) : "";
  v.digest_default = DefaultEvery(hub);
  for (const auto& k : notify::AlertKinds()) v.alerts.emplace_back(k, !c->prefs.alerts_off.count(k));
  for (const auto& m : c->sent) v.sent.push_back({m.kind, m.subject, m.status, m.created_ms / 1000, m.sent_ms / 1000});
  for (const auto& n : c->notices)
    v.notices.push_back({n.id, n.kind, n.title, n.detail, n.url, n.created_ms / 1000, n.read_ms == 0});
  v.unread = c->unread;
  v.said = said;
  return HtmlPage(hub, req, v.ctx, RenderNotifications(v));
}

// The alert kind an unsubscribe link stops ("" the digest); nullopt for no such kind.
std::optional<std::string> LinkKind(const ApiRequest& req) {
  std::string k = Param(req, "k");
  const auto& kinds = notify::AlertKinds();
  if (!k.empty() && std::find(kinds.begin(), kinds.end(), k) == kinds.end()) return std::nullopt;
  return k;
}

// The user an unsubscribe link is for, when its signature is the hub's for what it stops.
std::optional<int64_t> SignedUser(const Services& hub, const ApiRequest& req) {
  std::string u = Param(req, "u"), sig = Param(req, "s");
  auto kind = LinkKind(req);
  if (u.empty() || u.size() > 18 || u.find_first_not_of("0123456789") != std::string::npos || sig.empty() || !kind)
    return std::nullopt;
  auto key = hub.outbox->LinkKey();
  if (!key.ok()) return std::nullopt;
  int64_t id = std::stoll(u);
  std::string want = notify::UnsubscribeSignature(*key, id, kind->empty() ? "digest" : "alert." + *kind);
  // In constant time: a forger learns nothing from how long the answer took.
  if (want.size() != sig.size() || sodium_memcmp(want.data(), sig.data(), want.size()) != 0) return std::nullopt;
  return id;
}

}  // namespace

ApiResponse MyNotifications(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.outbox) return NoMail();
  return ChoicesAnswer(hub, who);
}

ApiResponse PutMyNotifications(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (!hub.outbox) return NoMail();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  if (Status s = ChangeChoices(hub, who, *body); !s.ok()) {
    if (s.code() == Status::Code::kInvalid) return Problem(400, "Bad choices", s.message());
    return FromStatus(s);
  }
  return ChoicesAnswer(hub, who);
}

ApiResponse NotificationsPage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"lang"})) return *bad;
  if (who.role == Role::kAnonymous) return SignInFirst("/notifications");
  if (!hub.outbox) {  // the page says the hub sends no mail yet
    NotificationsView v;
    v.ctx = Context(hub, req, who, "/notifications");
    return HtmlPage(hub, req, v.ctx, RenderNotifications(v));
  }
  return NotificationsPageFor(hub, req, who, "");
}

ApiResponse NotificationsForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(403, "Sign in on the page",
                   "the /notifications form is for a signed-in browser; an API client uses PUT "
                   "/api/v1/me/notifications");
  if (!hub.outbox) return NoMail();
  // The form's fields: digest, and alert_KIND=on for each box that is ticked (a box
  // left empty sends nothing: that alert is off).
  auto form = ReadFormBody(req);
  json change = {{"digest", form["digest"].empty() ? "default" : form["digest"]}, {"alerts", json::object()}};
  for (const auto& k : notify::AlertKinds()) change["alerts"][k] = form.count("alert_" + k) > 0;
  if (Status s = ChangeChoices(hub, who, change); !s.ok()) {
    if (s.code() == Status::Code::kInvalid) return Problem(400, "Bad choices", s.message());
    return FromStatus(s);
  }
  return NotificationsPageFor(hub, req, who, "notify.saved");
}

ApiResponse UnsubscribePage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"u", "s", "k", "lang"})) return *bad;
  if (!hub.outbox) return NoMail();
  PageContext c = Context(hub, req, who, "/unsubscribe");
  bool good = SignedUser(hub, req).has_value();
  std::string kind = LinkKind(req).value_or("");
  std::string action =
      "/unsubscribe?u=" + Param(req, "u") + (kind.empty() ? "" : "&k=" + kind) + "&s=" + Param(req, "s");
  ApiResponse page = HtmlPage(hub, req, c, RenderUnsubscribe(c, good ? "ask" : "bad", action, kind));
  if (!good) page.status = 404;
  return page;
}

// RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the link, no cookie,
// no sign-in; the signature is the authority. The page's button posts the same.
ApiResponse Unsubscribe(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"u", "s", "k", "lang"})) return *bad;
  if (!hub.outbox) return NoMail();
  auto user = SignedUser(hub, req);
  PageContext c = Context(hub, req, who, "/unsubscribe");
  if (!user) {
    ApiResponse page = HtmlPage(hub, req, c, RenderUnsubscribe(c, "bad", ""));
    page.status = 404;
    return page;
  }
  std::string kind = LinkKind(req).value_or("");
  auto prefs = hub.outbox->GetPrefs(*user);
  if (!prefs.ok()) return FromStatus(prefs.status());
  std::optional<notify::Every> digest = kind.empty() ? notify::Every::kNever : prefs->digest;
  std::set<std::string> off = prefs->alerts_off;
  if (!kind.empty()) off.insert(kind);
  if (Status s = hub.outbox->SetChoices(*user, digest, off, NowMs()); !s.ok()) return FromStatus(s);
  if (hub.accounts)
    (void)hub.accounts->Audit("user " + std::to_string(*user), "notify.unsubscribe",
                              kind.empty() ? "digest" : "alerts " + kind, "one-click link");
  return HtmlPage(hub, req, c, RenderUnsubscribe(c, "done", "", kind));
}

ApiResponse MyNotices(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"limit"})) return *bad;
  if (!hub.outbox) return NoMail();
  int limit = kNoticesShown;
  if (std::string l = Param(req, "limit"); !l.empty()) {
    if (l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos || std::stoi(l) < 1 ||
        std::stoi(l) > 200)
      return Problem(400, "Bad limit", "limit must be a whole number from 1 to 200");
    limit = std::stoi(l);
  }
  auto notices = hub.outbox->Notices(who.user_id, limit);
  if (!notices.ok()) return FromStatus(notices.status());
  auto unread = hub.outbox->Unread(who.user_id);
  if (!unread.ok()) return FromStatus(unread.status());
  json items = json::array();
  for (const auto& n : *notices) items.push_back(NoticeJson(n));
  return Json(200, {{"items", items}, {"unread", *unread}});
}

// {"id": N} marks that one read; {} or {"id": 0} all of the caller's.
ApiResponse ReadMyNotices(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (!hub.outbox) return NoMail();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  int64_t id = 0;
  if (body->contains("id")) {
    if (!(*body)["id"].is_number_integer() || (*body)["id"].get<int64_t>() < 0)
      return Problem(400, "Bad id", "id must be a notification's id (a whole number), or 0 for all");
    id = (*body)["id"];
  }
  if (Status s = hub.outbox->MarkRead(who.user_id, id, NowMs()); !s.ok()) return FromStatus(s);
  auto unread = hub.outbox->Unread(who.user_id);
  if (!unread.ok()) return FromStatus(unread.status());
  return Json(200, {{"unread", *unread}});
}

ApiResponse ReadNoticesForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(403, "Sign in on the page",
                   "the /notifications/read form is for a signed-in browser; an API client uses POST "
                   "/api/v1/me/notices/read");
  if (!hub.outbox) return NoMail();
  if (Status s = hub.outbox->MarkRead(who.user_id, 0, NowMs()); !s.ok()) return FromStatus(s);
  return NotificationsPageFor(hub, req, who, "notices.marked");
}

ApiResponse ListOutbox(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {"status", "limit", "user"})) return *bad;
  if (!hub.outbox) return NoMail();
  std::string status = Param(req, "status");
  if (!status.empty() && status != "queued" && status != "sending" && status != "sent" && status != "failed")
    return Problem(400, "Bad status", "status is queued, sending, sent or failed");
  int limit = 50;
  if (std::string l = Param(req, "limit"); !l.empty()) {
    if (l.size() > 4 || l.find_first_not_of("0123456789") != std::string::npos || std::stoi(l) < 1 ||
        std::stoi(l) > 500)
      return Problem(400, "Bad limit", "limit is a number from 1 to 500");
    limit = std::stoi(l);
  }
  int64_t user = 0;
  if (std::string u = Param(req, "user"); !u.empty()) {
    if (u.size() > 18 || u.find_first_not_of("0123456789") != std::string::npos)
      return Problem(400, "Bad user", "user is a user's id");
    user = std::stoll(u);
  }
  auto items = hub.outbox->List(user, status, limit);
  if (!items.ok()) return FromStatus(items.status());
  auto counts = hub.outbox->Counts();
  if (!counts.ok()) return FromStatus(counts.status());
  // How far the alerts have read the change feed (null: they have not begun).
  auto alerts = hub.outbox->Mark("alerts.seq");
  if (!alerts.ok()) return FromStatus(alerts.status());
  json out = {{"items", json::array()},
              {"counts", json::object()},
              {"alerts_seq", *alerts ? json(**alerts) : json(nullptr)},
              {"head_seq", hub.store.LastSeq()}};
  for (const auto& m : *items) out["items"].push_back(MailJson(m, true));
  for (const auto& [s, n] : *counts) out["counts"][s] = n;
  return Json(200, out);
}

ApiResponse RetryMail(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.outbox) return NoMail();
  if (p[0].empty() || p[0].size() > 18 || p[0].find_first_not_of("0123456789") != std::string::npos)
    return Problem(400, "Bad id", "the id is a message's number in the outbox");
  int64_t id = std::stoll(p[0]);
  if (Status s = hub.outbox->Requeue(id, NowMs()); !s.ok()) {
    if (s.code() == Status::Code::kInvalid) return Problem(409, "Not waiting", s.message());
    return FromStatus(s);
  }
  Audit(hub, who, "mail.retry", "message " + std::to_string(id));
  if (hub.postman) hub.postman->Wake();
  return Json(202, {{"id", id}, {"status", "queued"}});
}

// "Send me a test message": one message to the caller's own address, through the outbox.
ApiResponse SendTestMail(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.outbox || !hub.config.mail) return NoMail();
  auto user = hub.accounts->GetUser(who.user_id);
  if (!user.ok()) return FromStatus(user.status());
  if (user->email.empty())
    return Problem(409, "No address", "your account has no e-mail address: set one (PATCH /api/v1/users/{id})");
  std::string lang = who.lang.empty() ? "en" : who.lang;
  mail::Message message;
  message.from = mail::SenderOf(*hub.config.mail);
  message.to = {{user->name, user->email}};
  message.subject = hub.catalogs.Text(lang, "mail.test.subject");
  message.text = hub.catalogs.Text(lang, "mail.test.body", {{"server", hub.config.mail->smtp_url}});
  int64_t now = NowMs();
  std::string key = "test." + std::to_string(who.user_id) + "." + std::to_string(now);
  auto id = hub.outbox->Add(notify::Compose(who.user_id, "test", key, message, now / 1000), now);
  if (!id.ok()) return FromStatus(id.status());
  if (!*id) return Problem(409, "Already queued", "a test message was queued this very millisecond: try again");
  Audit(hub, who, "mail.test", "user " + who.name);
  if (hub.postman) hub.postman->Wake();
  return Json(202, {{"id", **id}, {"status", "queued"}});
}

}  // namespace coophub

namespace coophub {

// The digests due now, queued by this hub (with {"user": NAME}: that member's, due or
// not) and sent by its postman at once: what an admin's "send the digests now" does,
// in the hub's own process.
ApiResponse SendDigests(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.postman) return NoMail();
  std::string user;
  if (!req.body.empty()) {
    auto body = ReadJsonBody(req);
    if (!body.ok()) return Problem(400, "Bad body", body.status().message());
    if (body->contains("user")) {
      if (!(*body)["user"].is_string()) return Problem(400, "Bad user", "user is an account's name");
      user = (*body)["user"].get<std::string>();
      auto users = hub.accounts->ListUsers();
      if (!users.ok()) return FromStatus(users.status());
      if (std::none_of(users->begin(), users->end(), [&](const User& u) { return u.name == user; }))
        return Problem(404, "No such user", "no account named \"" + user.substr(0, 64) + "\"");
    }
  }
  notify::QueueReport r = hub.postman->Queue(NowUnix(), user, /*force=*/!user.empty());
  Audit(hub, who, "mail.digests", user.empty() ? "every member" : "user " + user, std::to_string(r.queued) + " queued");
  hub.postman->Wake();
  return Json(200, {{"queued", r.queued}, {"nothing", r.nothing}, {"no_address", r.no_address}, {"errors", r.errors}});
}

}  // namespace coophub
