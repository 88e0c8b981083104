// SPDX-License-Identifier: Apache-2.0
//
// A member's digest: what changed since their last visit or digest, in their language,
// the most important first (what waits for their answer, what names them, decisions
// closing soon, money), by the same rules as the dashboard's "since your last visit"
// (the changes widget's data, what they may see); nothing when nothing changed. And the
// periods digests go out in, in the coop's time zone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "dashboards/widgets.h"
#include "base/status.h"
#include "i18n/i18n.h"
#include "mail/mail.h"
#include "notify/letter.h"
#include "notify/outbox.h"
#include "store/store.h"

namespace coophub::notify {

// The period now (unix seconds) falls in, as a label: "w2026-12-07" for the week that
// began on Monday 7 December at hour:00 in zone, "m2026-12" for a month that began on
// the 1st at hour:00. The label changes when a digest becomes due.
std::string DigestPeriod(Every every, int64_t now, const std::string& zone, int hour);

// Something waiting for the member's answer (an offer of work), said by the caller.
struct WaitingLine {
  std::string title;  // "Morning visit, Gràcia"
  std::string when;   // as the member reads it
};

// The changes of one window as a digest's lines in one language: made once for all
// the members who share the window, each of whom takes the lines that name them and
// the first of the rest.
struct WindowLines {
  std::vector<Line> lines;  // in the feed's order
  std::vector<bool> money;  // which are transactions
  int money_count = 0;
  std::multimap<std::string, size_t> named;  // a lower-case name → the lines naming it
  std::vector<Line> tail;                    // removed records, after the changes
  int items = 0;                             // what the window tells of
};

// What members with the same window and visibilities share within one round of digests
// (most who rarely visit: their last digest went up to the same change): the changes
// and the open decisions, read once for all of them.
struct DigestCache {
  std::map<std::string, WidgetData> loads;
  std::map<std::string, WindowLines> windows;  // the loads' changes as lines, by language
};

struct DigestFor {
  User user;                              // with their e-mail address
  std::string lang;                       // the language they read
  std::vector<std::string> visibilities;  // what they may see
  int64_t since_seq = 0;                  // what they saw last: their last visit's or digest's change seq
  int64_t since_time = 0;                 // when that was (unix seconds; 0 unknown)
  std::set<std::string> added_sources;    // sources added since (their older records are not news)
  std::vector<WaitingLine> waiting;       // offers waiting for their answer
  std::vector<WaitingLine>
      failing;                   // editors and admins: sources whose last runs failed (title: the source, when: why)
  Every every = Every::kWeekly;  // why they get it
  int64_t now = 0;               // unix seconds
  std::string zone;              // the coop's time zone
  std::string coop;              // the coop's name, for the subject
  std::string hub_url;           // https://hub.coop.example
  std::string unsubscribe_url;   // the signed one-click link (RFC 8058)
  std::string prefs_url;         // where they change their choices
  DigestCache* cache = nullptr;  // a round's; null: read for this digest alone
};

struct Digest {
  mail::Message message;  // subject, text, HTML, List-Unsubscribe headers (from and to: the caller's)
  int items = 0;          // the changes and waiting lines it tells of
};

// The digest, or nullopt when nothing changed that they may see.
Result<std::optional<Digest>> BuildDigest(Store& store, const Catalogs& catalogs, const DigestFor& d);

}  // namespace coophub::notify
