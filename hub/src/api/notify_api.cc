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

constexpr int kSentShown = 20;  // messages listed on a member's page

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
  std::vector<notify::Mail> sent;  // newest first
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
  return c;
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
  v.said = said;
  return HtmlPage(hub, req, v.ctx, RenderNotifications(v));
}

// The user an unsubscribe link is for, when its signature is the hub's.
std::optional<int64_t> SignedUser(const Services& hub, const ApiRequest& req) {
  std::string u = Param(req, "u"), sig = Param(req, "s");
  if (u.empty() || u.size() > 18 || u.find_first_not_of("0123456789") != std::string::npos || sig.empty())
    return std::nullopt;
  auto key = hub.outbox->LinkKey();
  if (!key.ok()) return std::nullopt;
  int64_t id = std::stoll(u);
  std::string want = notify::UnsubscribeSignature(*key, id);
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
  if (auto bad = CheckParams(req, {"u", "s", "lang"})) return *bad;
  if (!hub.outbox) return NoMail();
  PageContext c = Context(hub, req, who, "/unsubscribe");
  bool good = SignedUser(hub, req).has_value();
  std::string action = "/unsubscribe?u=" + Param(req, "u") + "&s=" + Param(req, "s");
  ApiResponse page = HtmlPage(hub, req, c, RenderUnsubscribe(c, good ? "ask" : "bad", action));
  if (!good) page.status = 404;
  return page;
}

// RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the link, no cookie,
// no sign-in; the signature is the authority. The page's button posts the same.
ApiResponse Unsubscribe(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"u", "s", "lang"})) return *bad;
  if (!hub.outbox) return NoMail();
  auto user = SignedUser(hub, req);
  PageContext c = Context(hub, req, who, "/unsubscribe");
  if (!user) {
    ApiResponse page = HtmlPage(hub, req, c, RenderUnsubscribe(c, "bad", ""));
    page.status = 404;
    return page;
  }
  auto prefs = hub.outbox->GetPrefs(*user);
  if (!prefs.ok()) return FromStatus(prefs.status());
  if (Status s = hub.outbox->SetChoices(*user, notify::Every::kNever, prefs->alerts_off, NowMs()); !s.ok())
    return FromStatus(s);
  if (hub.accounts)
    (void)hub.accounts->Audit("user " + std::to_string(*user), "notify.unsubscribe", "digest", "one-click link");
  return HtmlPage(hub, req, c, RenderUnsubscribe(c, "done", ""));
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
  json out = {{"items", json::array()}, {"counts", json::object()}};
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
