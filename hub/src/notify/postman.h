// SPDX-License-Identifier: Apache-2.0
//
// The postman: queues each member's digest when its period turns over, and hands the
// outbox to the SMTP server, one claimed message at a time, within the per-minute
// limit, retrying what may go later (no answer, a 4xx) with backoff and failing what
// will not (a 5xx), for admins to see. On a store replicas share, each replica runs one;
// the outbox's keys and claims make each message queued once and sent once. Its thread
// runs from Start until it is destroyed; Queue and SendDue also run on the caller's
// thread (the command line).
#pragma once

#include <condition_variable>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accounts/accounts.h"
#include "base/mutex.h"
#include "i18n/i18n.h"
#include "mail/mail.h"
#include "notify/alerts.h"
#include "notify/digest.h"
#include "notify/outbox.h"
#include "runtime/http_client.h"
#include "store/store.h"

namespace coophub::notify {

struct PostmanSettings {
  mail::MailConfig mail;             // its password already resolved
  std::string hub_url;               // mail.hub_url, or the hub's own address
  std::string zone;                  // the coop's time zone
  std::string replica;               // names this process in claims
  int64_t lease_ms = 5 * 60 * 1000;  // a claim older than this was its replica's last act
  // What each role may read (the API's rule), and the offers waiting for a member.
  std::function<std::vector<std::string>(Role)> visible_to;
  std::function<std::vector<WaitingLine>(const User&, const std::string& lang)> waiting;
  // Offers of work made after offer id `after` and still open, oldest first (unset: no
  // matching).
  std::function<std::vector<OfferNews>(int64_t after)> offers_since;
};

struct AlertReport {
  int raised = 0;  // alerts listed for their members (and queued, for those with an address)
  std::vector<std::string> errors;
};

struct QueueReport {
  int queued = 0;      // digests queued
  int nothing = 0;     // members due with nothing new
  int no_address = 0;  // members without an e-mail address
  std::vector<std::string> errors;
};

// The signature in the one-click link that ends user's digests (what: "digest") or
// alerts of a kind ("alert.shifts").
std::string UnsubscribeSignature(const std::string& key, int64_t user, const std::string& what = "digest");

// How the hub hands a message to mail's server (password: resolved); the caller sets
// to and message.
SmtpSendRequest SmtpRequest(const mail::MailConfig& mail);
// m as it goes into the outbox: rendered at now (unix seconds) with key as its
// Message-ID's local part, to its first recipient.
Mail Compose(int64_t user_id, const std::string& kind, const std::string& key, const mail::Message& m, int64_t now);

class Postman {
 public:
  Postman(Store& store, Accounts& accounts, Outbox& outbox, const Catalogs& catalogs, PostmanSettings settings);
  ~Postman();
  Postman(const Postman&) = delete;
  Postman& operator=(const Postman&) = delete;

  void Start();  // the thread: digests every few minutes, the outbox as it fills
  void Wake();   // something was queued here: send without waiting

  // Queues the digests due at now (unix seconds). only: that member alone ("" all);
  // force: theirs now, due or not (coophub digest send --user).
  QueueReport Queue(int64_t now, const std::string& only = "", bool force = false);
  // Sends what is due, until nothing is or the limit says wait. Returns how many went.
  int SendDue();
  // Raises the alerts of what happened since the last round (alerts.h), at now (unix
  // seconds): lists each for its member and queues its mail. The first round on a
  // store only marks where alerts begin: what came before is no news.
  AlertReport Alert(int64_t now);

 private:
  void Loop();
  enum class Outcome { kQueued, kNothing, kNoAddress, kNotDue };
  // One member's digest, when due (or forced): what to write goes into batch.
  Result<Outcome> QueueOne(const User& user, const Prefs& prefs, int64_t now, int64_t head,
                           const std::vector<SourceStats>& stats, const std::map<std::string, SourceRuns>& runs,
                           bool force, DigestCache* cache, std::vector<DigestWrite>* batch);
  void SendOne(const Mail& m);
  enum class Delivered { kNew, kThere, kOff };
  Result<Delivered> Deliver(const notify::Alert& a, const User& user, const Prefs& prefs, int64_t now);

  Store& store_;
  Accounts& accounts_;
  Outbox& outbox_;
  const Catalogs& catalogs_;
  const PostmanSettings settings_;

  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
  std::thread thread_;
  // What this process raised alerts for already (decision uids, failing streaks): not
  // raised again each round. A restart raises them again, and the keys make that nothing.
  std::set<std::string> raised_ GUARDED_BY(mu_);
  int64_t alerts_head_ GUARDED_BY(mu_) = -1;  // the change seq the last round went up to
  int64_t decisions_at_ GUARDED_BY(mu_) = 0;  // when decisions were last looked at (unix seconds)
};

}  // namespace coophub::notify
