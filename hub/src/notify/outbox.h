// SPDX-License-Identifier: Apache-2.0
//
// What the hub sends its members, kept in its store on either engine: each member's
// choices (how often a digest comes, which alerts they switched off) and the outbox of
// messages. A message is queued under a key of what it is ("digest:7:2026-W49"), so
// that the same one is queued once however many replicas or restarts try; it is sent by
// whichever replica claims it first (the claim is one UPDATE that only one can win, as
// the scheduler claims a run); a claim whose replica died before it said how the send
// went is taken again after a lease. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "store/sql.h"

namespace coophub::notify {

// How often a member gets a digest of what changed.
enum class Every { kNever, kWeekly, kMonthly };
std::optional<Every> ParseEvery(std::string_view name);  // never, weekly, monthly
const char* EveryName(Every every);

// The alerts a member may switch off one by one: a shift or event naming them changed,
// an offer of work for them, a decision they can vote on closes soon, a source they
// look after (editors, admins) keeps failing.
const std::vector<std::string>& AlertKinds();  // shifts, offers, decisions, sources

struct Prefs {
  std::optional<Every> digest;       // nullopt: the coop's default (mail.digest)
  std::set<std::string> alerts_off;  // of AlertKinds()
  int64_t digest_seq = -1;           // the change seq the last digest went up to; -1: none yet
  std::string digest_period;         // the period the last digest was for ("w2026-12-07", "m2026-12")
  int64_t digest_s = 0;              // when it went (unix seconds); 0 never
  int64_t updated_ms = 0;            // when the member last changed their choices; 0 never
};

// One message of the outbox.
struct Mail {
  int64_t id = 0, user_id = 0;
  std::string kind;     // digest, alert, test
  std::string key;      // what it is, unique: queued once
  std::string to;       // the address
  std::string subject;  // UTF-8, as the member reads it
  std::string message;  // the RFC 5322 text, as it goes (the same Message-ID on a retry)
  std::string status;   // queued, sending, sent, failed
  int attempts = 0;
  int code = 0;       // the server's last reply code (0: none)
  std::string error;  // why the last attempt failed
  int64_t created_ms = 0, next_ms = 0, sent_ms = 0;
};

// One of a member's notifications, as their page lists it: an alert or a digest.
struct Notice {
  int64_t id = 0, user_id = 0;
  std::string kind;                     // an alert kind (AlertKinds()) or digest
  std::string key;                      // what it is, unique: listed once (the same as its mail's)
  std::string title;                    // in the member's language when it came
  std::string detail;                   // when, where, why
  std::string url;                      // where to look
  int64_t created_ms = 0, read_ms = 0;  // read_ms 0: unread
};

// What one member's digest round writes: the message and its notice (none when nothing
// changed), and how far their digests went.
struct DigestWrite {
  std::optional<Mail> mail;  // queued once by its key
  int64_t user = 0, seq = 0, at_s = 0;
  std::string period;
};

// After a failed attempt that may succeed later (no answer, a 4xx): when to try again,
// from the number of attempts so far: 1, 5, 15, 30, 60 minutes, then every 2 hours;
// nullopt when a message created at created_ms has been tried for 24 hours (it fails).
std::optional<int64_t> RetryAt(int attempts, int64_t created_ms, int64_t now_ms);

// A number the hub keeps across restarts and replicas (how far a round read the change
// feed), in hub_keys: nullopt until set. RaiseMark sets it to value unless it is higher.
Result<std::optional<int64_t>> ReadMark(sql::Conn& conn, const std::string& name);
Status RaiseMark(sql::Conn& conn, const std::string& name, int64_t value);

class Outbox {
 public:
  // On a store whose migrations made the tables.
  static Result<std::unique_ptr<Outbox>> Open(sql::Database& db);

  // A member's choices; the defaults when they made none.
  Result<Prefs> GetPrefs(int64_t user);
  // Every member's who made a choice or had a digest, by user id (one read for a round
  // of digests).
  Result<std::map<int64_t, Prefs>> AllPrefs();
  // Sets what a member chose (kept: what their digests went up to).
  Status SetChoices(int64_t user, std::optional<Every> digest, const std::set<std::string>& alerts_off, int64_t now_ms);
  // Their digest for period went out at at_s (or there was nothing to say), up to seq.
  Status DigestDone(int64_t user, int64_t seq, const std::string& period, int64_t at_s);

  // A round's digests, written in one transaction: each member's message and notice
  // with the mark of their period, so that a crash leaves none half done. Returns how
  // many messages were queued (not there already).
  Result<int> RecordDigests(const std::vector<DigestWrite>& writes, int64_t now_ms);

  // Queues m to be sent at once: its id; nullopt when a message of its key is there already.
  Result<std::optional<int64_t>> Add(const Mail& m, int64_t now_ms);
  // Claims the next message due at now_ms for sending (status sending, by `by`), unless
  // per_minute messages were claimed in the minute before now_ms (0: no limit). A
  // message left sending for lease_ms (its replica died) is due again. nullopt: none.
  Result<std::optional<Mail>> Claim(const std::string& by, int64_t now_ms, int per_minute, int64_t lease_ms);
  Status Sent(int64_t id, int code, int64_t now_ms);
  // A failed attempt: queued again for next_ms, or failed for good (nullopt).
  Status Attempted(int64_t id, int code, const std::string& error, std::optional<int64_t> next_ms, int64_t now_ms);
  // A failed message, or one waiting for its next attempt, due at once (an admin's
  // "send now"). NotFound; Invalid when it is being sent or was sent.
  Status Requeue(int64_t id, int64_t now_ms);
  // When the next queued message is due (nullopt: none), for the sender's wait.
  Result<std::optional<int64_t>> NextDue();

  // Messages, newest first, without their text: of one user (0: all) and status ("": any).
  Result<std::vector<Mail>> List(int64_t user, const std::string& status, int limit);
  // How many messages each status has.
  Result<std::vector<std::pair<std::string, int64_t>>> Counts();

  // Lists n for its member; false when a notice of its key is there already.
  Result<bool> AddNotice(const Notice& n);
  // A member's notices, newest first, and how many they have not read.
  Result<std::vector<Notice>> Notices(int64_t user, int limit);
  Result<int64_t> Unread(int64_t user);
  // Marks a member's notice read (id 0: all of theirs); NotFound for another's or none.
  Status MarkRead(int64_t user, int64_t id, int64_t now_ms);

  // ReadMark and RaiseMark on the outbox's connection (what the alerts went up to).
  Result<std::optional<int64_t>> Mark(const std::string& name);
  Status Raise(const std::string& name, int64_t value);

  // The key that signs the links in mail (unsubscribe): 32 random bytes made by the
  // first replica that needs it, read by the others.
  Result<std::string> LinkKey();

 private:
  explicit Outbox(std::unique_ptr<sql::Conn> conn) : conn_(std::move(conn)) {}

  Mutex mu_;
  std::unique_ptr<sql::Conn> conn_ GUARDED_BY(mu_);
  std::string link_key_ GUARDED_BY(mu_);
};

}  // namespace coophub::notify
