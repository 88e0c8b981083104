// SPDX-License-Identifier: Apache-2.0
// The postman; see postman.h.
#include "notify/postman.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <coophub/encoding.hpp>

#include "base/text.h"
#include "base/timeutil.h"
#include "dashboards/widgets.h"

namespace coophub::notify {
namespace {

constexpr int64_t kDigestCheckMs = 5 * 60 * 1000;  // how often due digests are looked for
constexpr int64_t kPollMs = 5000;                  // and the outbox, for what other replicas queued
constexpr int64_t kAlertPollMs = 2000;             // and what raises alerts: changes, offers, runs
constexpr int64_t kDecisionCheckS = 5 * 60;        // decisions come within 48 h of closing as time passes
constexpr int kChangePage = 1000;
constexpr size_t kDigestBatch = 500;  // members' digests written in one transaction
constexpr Role kReaders[] = {Role::kViewer, Role::kEditor, Role::kAdmin};

}  // namespace

SmtpSendRequest SmtpRequest(const mail::MailConfig& mail) {
  SmtpSendRequest req;
  req.url = mail.smtp_url;
  switch (mail.starttls) {
    case mail::MailConfig::StartTls::kRequired:
      req.starttls = SmtpSendRequest::Tls::kRequired;
      break;
    case mail::MailConfig::StartTls::kOptional:
      req.starttls = SmtpSendRequest::Tls::kIfOffered;
      break;
    case mail::MailConfig::StartTls::kOff:
      req.starttls = SmtpSendRequest::Tls::kOff;
      break;
  }
  req.username = mail.username;
  req.password = mail.password;
  req.from = mail.from;
  return req;
}

Mail Compose(int64_t user_id, const std::string& kind, const std::string& key, const mail::Message& m, int64_t now) {
  Mail out;
  out.user_id = user_id;
  out.kind = kind;
  out.key = key;
  out.to = m.to.empty() ? std::string() : m.to[0].email;
  out.subject = m.subject;
  out.message = mail::Render(m, now, key, "coophub-" + key);
  return out;
}

std::string UnsubscribeSignature(const std::string& key, int64_t user, const std::string& what) {
  return Base64Encode(HmacSha256(key, "unsubscribe:" + what + ":" + std::to_string(user)), /*url_safe=*/true);
}

Postman::Postman(Store& store, Accounts& accounts, Outbox& outbox, const Catalogs& catalogs, PostmanSettings settings)
    : store_(store), accounts_(accounts), outbox_(outbox), catalogs_(catalogs), settings_(std::move(settings)) {}

Postman::~Postman() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Postman::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Postman::Wake() {
  {
    MutexLock lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Postman::Loop() {
  int64_t next_digests = 0, next_alerts = 0;
  std::set<std::string> said;  // errors already logged: a store away is said once, not every 2 s
  for (;;) {
    if (NowMs() >= next_alerts) {
      AlertReport r = Alert(NowUnix());
      if (r.raised) spdlog::info("mail: {} alert(s) raised", r.raised);
      for (const auto& e : r.errors)
        if (said.insert(e).second) spdlog::warn("mail: {}", e);
      if (r.errors.empty()) said.clear();
      next_alerts = NowMs() + kAlertPollMs;
    }
    if (NowMs() >= next_digests) {
      QueueReport r = Queue(NowUnix());
      if (r.queued) spdlog::info("mail: {} digest(s) queued", r.queued);
      for (const auto& e : r.errors) spdlog::warn("mail: {}", e);
      next_digests = NowMs() + kDigestCheckMs;
    }
    SendDue();
    int64_t wake = std::min({next_digests, next_alerts, NowMs() + kPollMs});
    if (auto due = outbox_.NextDue(); due.ok() && *due) wake = std::min(wake, std::max(**due, NowMs() + 1));
    MutexLock lock(mu_);
    while (!stopping_ && !woken_ && NowMs() < wake)
      lock.WaitFor(cv_, std::chrono::milliseconds(std::max<int64_t>(1, wake - NowMs())));
    if (stopping_) return;
    woken_ = false;
  }
}

QueueReport Postman::Queue(int64_t now, const std::string& only, bool force) {
  QueueReport report;
  auto users = accounts_.ListUsers();
  auto prefs = outbox_.AllPrefs();
  auto stats = store_.Stats();
  auto runs = store_.LatestRuns();  // for editors' failing sources: read once a round
  for (const Status& s : {users.status(), prefs.status(), stats.status(), runs.status()})
    if (!s.ok()) {
      report.errors.push_back("digests: " + s.message());
      return report;
    }
  int64_t head = store_.LastSeq();
  DigestCache cache;  // this round's: members with the same window read it once
  std::vector<DigestWrite> batch;
  auto flush = [&] {
    if (batch.empty()) return;
    auto queued = outbox_.RecordDigests(batch, now * 1000);
    if (queued.ok())
      report.queued += *queued;
    else
      report.errors.push_back("digests: " + queued.status().message() + " (" + std::to_string(batch.size()) +
                              " members' digests not kept: they go in the next round)");
    batch.clear();
  };
  for (const User& u : *users) {
    if (!only.empty() && u.name != only) continue;
    auto mine = prefs->find(u.id);
    auto r =
        QueueOne(u, mine != prefs->end() ? mine->second : Prefs(), now, head, *stats, *runs, force, &cache, &batch);
    if (batch.size() >= kDigestBatch) flush();
    if (!r.ok()) {
      report.errors.push_back("the digest of " + u.name + ": " + r.status().message());
      continue;
    }
    switch (*r) {
      case Outcome::kQueued:  // counted as the batch is kept
        break;
      case Outcome::kNothing:
        ++report.nothing;
        break;
      case Outcome::kNoAddress:
        ++report.no_address;
        break;
      case Outcome::kNotDue:
        break;
    }
  }
  flush();
  if (report.queued) Wake();
  return report;
}

Result<Postman::Outcome> Postman::QueueOne(const User& user, const Prefs& prefs, int64_t now, int64_t head,
                                           const std::vector<SourceStats>& stats,
                                           const std::map<std::string, SourceRuns>& runs, bool force,
                                           DigestCache* cache, std::vector<DigestWrite>* batch) {
  Every every = prefs.digest.value_or(ParseEvery(settings_.mail.digest).value_or(Every::kWeekly));
  if (every == Every::kNever) return Outcome::kNotDue;  // forced or not: they said no
  std::string period = DigestPeriod(every, now, settings_.zone, settings_.mail.digest_hour);
  if (period == prefs.digest_period && !force) return Outcome::kNotDue;
  if (user.email.empty()) return Outcome::kNoAddress;

  // What they saw last: their last visit, or their last digest, whichever is newer.
  auto visit = accounts_.GetVisit(user.id);
  if (!visit.ok()) return visit.status();
  int64_t since_seq = prefs.digest_seq, since_time = prefs.digest_s;
  if (*visit && (*visit)->head > since_seq) {
    since_seq = (*visit)->head;
    since_time = (*visit)->time;
  }
  if (since_seq < 0) {  // never a visit nor a digest: from now on, what changes is news
    batch->push_back({std::nullopt, user.id, head, now, period});
    return Outcome::kNothing;
  }
  auto key = outbox_.LinkKey();
  if (!key.ok()) return key.status();
  DigestFor d;
  d.user = user;
  d.lang = user.lang.empty() ? "en" : user.lang;
  d.visibilities = settings_.visible_to(user.role);
  d.since_seq = since_seq;
  d.since_time = since_time;
  for (const auto& s : stats)
    if (s.first_seq > since_seq) d.added_sources.insert(s.source);
  if (settings_.waiting) d.waiting = settings_.waiting(user, d.lang);
  if (user.role >= Role::kEditor)  // the alerts of failing sources, batched here too
    for (const auto& [source, r] : runs)
      if (r.last.status == "failed" && r.failures >= settings_.mail.alert_failures)
        d.failing.push_back(
            {catalogs_.Text(d.lang, "alert.failing", {{"source", source}, {"n", std::to_string(r.failures)}}),
             Utf8Prefix(r.last.message, 200)});
  d.every = every;
  d.now = now;
  d.zone = settings_.zone;
  d.coop = mail::SenderOf(settings_.mail).name;
  d.hub_url = settings_.hub_url;
  d.unsubscribe_url =
      settings_.hub_url + "/unsubscribe?u=" + std::to_string(user.id) + "&s=" + UnsubscribeSignature(*key, user.id);
  d.prefs_url = settings_.hub_url + "/notifications";
  d.cache = cache;
  auto digest = BuildDigest(store_, catalogs_, d);
  if (!digest.ok()) return digest.status();
  DigestWrite write{std::nullopt, user.id, head, now, period};
  if (*digest) {
    mail::Message& m = (*digest)->message;
    m.from = mail::SenderOf(settings_.mail);
    m.to = {{user.name, user.email}};
    std::string id = "digest." + std::to_string(user.id) + "." + period + (force ? "." + std::to_string(now) : "");
    write.mail = Compose(user.id, "digest", id, m, now);
  }
  batch->push_back(std::move(write));
  return *digest ? Outcome::kQueued : Outcome::kNothing;
}

int Postman::SendDue() {
  int sent = 0;
  for (;;) {
    {
      MutexLock lock(mu_);
      if (stopping_) return sent;
    }
    auto m = outbox_.Claim(settings_.replica, NowMs(), settings_.mail.per_minute, settings_.lease_ms);
    if (!m.ok()) {
      spdlog::warn("mail: the outbox cannot be read: {}", m.status().message());
      return sent;
    }
    if (!*m) return sent;
    SendOne(**m);
    ++sent;
  }
}

void Postman::SendOne(const Mail& m) {
  SmtpSendRequest req = SmtpRequest(settings_.mail);
  req.to = {m.to};
  req.message = m.message;
  SmtpSendResult r = SmtpSend(req);
  int64_t now = NowMs();
  Status s;
  if (r.sent) {
    s = outbox_.Sent(m.id, r.code, now);
  } else {
    std::optional<int64_t> next = r.retry ? RetryAt(m.attempts, m.created_ms, now) : std::nullopt;
    if (next)
      spdlog::warn("mail: message {} to user {} not sent (attempt {}), trying again later: {}", m.id, m.user_id,
                   m.attempts, r.error);
    else
      spdlog::warn("mail: message {} to user {} failed: {}", m.id, m.user_id, r.error);
    s = outbox_.Attempted(m.id, r.code, r.error, next, now);
  }
  if (!s.ok()) spdlog::warn("mail: what came of message {} was not kept: {}", m.id, s.message());
}

Result<Postman::Delivered> Postman::Deliver(const notify::Alert& a, const User& user, const Prefs& prefs, int64_t now) {
  if (prefs.alerts_off.count(a.kind)) return Delivered::kOff;
  std::string lang = user.lang.empty() ? "en" : user.lang;
  AlertText text = Describe(a, catalogs_, lang, settings_.zone, now);
  // The mail first, the notice after, each once by the alert's key: a crash between the
  // two leaves the round's mark where it was, and the next round adds what is missing.
  if (!user.email.empty()) {
    auto key = outbox_.LinkKey();
    if (!key.ok()) return key.status();
    std::string stop = settings_.hub_url + "/unsubscribe?u=" + std::to_string(user.id) + "&k=" + a.kind +
                       "&s=" + UnsubscribeSignature(*key, user.id, "alert." + a.kind);
    mail::Message m = AlertMessage(a, text, catalogs_, lang, mail::SenderOf(settings_.mail).name, settings_.hub_url,
                                   stop, settings_.hub_url + "/notifications");
    m.from = mail::SenderOf(settings_.mail);
    m.to = {{user.name, user.email}};
    auto added = outbox_.Add(Compose(user.id, "alert", a.key, m, now), now * 1000);
    if (!added.ok()) return added.status();
  }
  std::string where = a.url.rfind("https://", 0) == 0 || a.url.rfind("http://", 0) == 0 ? a.url
                      : a.path.empty()                                                  ? "/"
                                                                                        : a.path;
  auto listed = outbox_.AddNotice({0, user.id, a.kind, a.key, text.title, text.detail, where, now * 1000, 0});
  if (!listed.ok()) return listed.status();
  return *listed ? Delivered::kNew : Delivered::kThere;
}

AlertReport Postman::Alert(int64_t now) {
  AlertReport report;
  auto users = accounts_.ListUsers();
  auto prefs = outbox_.AllPrefs();
  for (const Status& s : {users.status(), prefs.status()})
    if (!s.ok()) {
      report.errors.push_back("alerts: " + s.message());
      return report;
    }
  std::map<int64_t, const User*> by_id;
  for (const User& u : *users) by_id[u.id] = &u;
  const Prefs none;
  auto deliver = [&](const std::vector<notify::Alert>& alerts) {
    bool ok = true;
    for (const auto& a : alerts) {
      auto u = by_id.find(a.user_id);
      if (u == by_id.end()) continue;
      auto p = prefs->find(a.user_id);
      auto d = Deliver(a, *u->second, p == prefs->end() ? none : p->second, now);
      if (!d.ok()) {
        report.errors.push_back("the alert " + a.key + ": " + d.status().message());
        ok = false;
      } else if (*d == Delivered::kNew) {
        ++report.raised;
      }
    }
    return ok;
  };
  std::map<Role, Roster> rosters;
  for (Role role : kReaders) {
    std::vector<User> of_role;
    for (const User& u : *users)
      if (u.role == role) of_role.push_back(u);
    rosters.emplace(role, Roster(of_role));
  }

  // Shifts: the change feed since the last round, read as each role may read it.
  int64_t head = store_.LastSeq();
  int64_t last_head;
  {
    MutexLock lock(mu_);
    last_head = alerts_head_;
  }
  bool seq_moved = head != last_head;
  if (seq_moved) {
    auto mark = outbox_.Mark("alerts.seq");
    if (!mark.ok()) {
      report.errors.push_back("alerts: " + mark.status().message());
      return report;
    }
    bool ok = true;
    if (*mark) {
      for (Role role : kReaders) {
        const Roster& roster = rosters.at(role);
        if (roster.users().empty()) continue;
        std::vector<std::string> visible = settings_.visible_to(role);
        for (int64_t after = **mark; ok && after < head;) {
          auto page = store_.ListChanges(after, visible, kChangePage);
          if (!page.ok()) {
            report.errors.push_back("alerts: the change feed: " + page.status().message());
            ok = false;
            break;
          }
          for (const auto& [seq, text] : page->items)
            ok &= deliver(ShiftAlerts(json::parse(text, nullptr, false), roster, now));
          if (page->count < kChangePage) break;
          after = page->last_seq;
        }
      }
    }
    if (ok) {  // what was read is done; on an error the next round reads it again
      if (Status s = outbox_.Raise("alerts.seq", head); !s.ok()) report.errors.push_back("alerts: " + s.message());
      MutexLock lock(mu_);
      alerts_head_ = head;
    }
  }

  // Decisions closing within 48 hours: when the data changed, and as time passes.
  bool look = seq_moved;
  {
    MutexLock lock(mu_);
    if (now - decisions_at_ >= kDecisionCheckS) look = true;
    if (look) decisions_at_ = now;
  }
  if (look) {
    for (Role role : kReaders) {
      const Roster& roster = rosters.at(role);
      if (roster.users().empty()) continue;
      WidgetContext ctx;
      ctx.visibilities = settings_.visible_to(role);
      ctx.now = now;
      WidgetConfig widget;
      widget.type = "decisions";
      widget.limit = 100;
      auto open = LoadWidget(store_, widget, ctx);
      if (!open.ok()) {
        report.errors.push_back("alerts: decisions: " + open.status().message());
        break;
      }
      std::vector<const User*> readers;
      for (const User& u : roster.users()) readers.push_back(&u);
      for (const auto& rec : open->records) {
        std::string memo =
            "decision." + std::to_string(static_cast<int>(role)) + "." + std::to_string(rec.value("uid", int64_t{0}));
        {
          MutexLock lock(mu_);
          if (raised_.count(memo)) continue;
        }
        auto alerts = ClosingAlerts(rec, readers, now);
        if (alerts.empty()) continue;  // not within 48 h yet
        if (deliver(alerts)) {
          MutexLock lock(mu_);
          raised_.insert(memo);
        }
      }
    }
  }

  // Offers of work, by offer id since the last round's.
  if (settings_.offers_since) {
    auto mark = outbox_.Mark("alerts.offer");
    if (!mark.ok()) {
      report.errors.push_back("alerts: " + mark.status().message());
    } else {
      auto news = settings_.offers_since(mark->value_or(0));
      int64_t upto = mark->value_or(0);
      bool ok = true;
      Roster all(*users);
      for (const auto& o : news) {
        if (*mark) ok &= deliver(OfferAlerts(o, all));  // the first round only marks
        if (!ok) break;
        upto = std::max(upto, o.id);
      }
      if (ok && (upto > mark->value_or(0) || !*mark))
        if (Status s = outbox_.Raise("alerts.offer", upto); !s.ok()) report.errors.push_back("alerts: " + s.message());
    }
  }

  // Sources failing again and again: to editors and admins, once a streak.
  auto runs = store_.LatestRuns();
  if (!runs.ok()) {
    report.errors.push_back("alerts: the runs: " + runs.status().message());
  } else {
    for (const auto& [source, r] : *runs) {
      if (r.last.status != "failed" || r.failures < settings_.mail.alert_failures) continue;
      std::string memo = "source." + source + "." + std::to_string(r.last_success_ms);
      {
        MutexLock lock(mu_);
        if (raised_.count(memo)) continue;
      }
      if (deliver(FailingAlerts(source, r.failures, r.last_success_ms, r.last.message, *users))) {
        MutexLock lock(mu_);
        raised_.insert(memo);
      }
    }
  }
  if (report.raised) Wake();
  return report;
}

}  // namespace coophub::notify
