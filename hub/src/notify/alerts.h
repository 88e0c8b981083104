// SPDX-License-Identifier: Apache-2.0
//
// Alerts: what is sent to a member at once rather than in the next digest. The rules
// that raise them are functions of what the store says, so that every replica raises
// the same alert under the same key, and the outbox and the notices take it once:
//   shifts     an event or task that names the member (its "people", as the dashboard
//              reads them) was moved, cancelled (status CANCELLED) or removed, and is
//              not long past;
//   offers     work was offered to them (matching);
//   decisions  a decision they may see, and vote on if it names its voters, closes
//              within 48 hours;
//   sources    a source failed several times in a row (to editors and admins).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "i18n/i18n.h"
#include "mail/mail.h"
#include "model/protocol.h"

namespace coophub::notify {

inline constexpr int64_t kClosingAlertS = 48 * 3600;  // decisions: how soon before they close
inline constexpr int64_t kPastAlertS = 3600;          // shifts: longer past than this are no news

struct Alert {
  int64_t user_id = 0;
  std::string kind;            // of AlertKinds()
  std::string key;             // unique: listed and mailed once, however many replicas raise it
  std::string what;            // the headline's message key: alert.moved, alert.cancelled, alert.removed,
                               // alert.offer, alert.closing, alert.failing
  std::string title;           // the record's, the request's or the source's
  int64_t start = 0, end = 0;  // when it is (unix seconds; 0 none)
  int64_t was = 0;             // when it was, before it moved (0: it did not)
  std::string place;
  std::string note;  // anything more: the failing run's message
  int failures = 0;  // sources: how many runs failed in a row
  std::string path;  // where in the hub to look ("/work", "/admin"); "" a record's own url
  std::string url;   // the record's own link, if it has one
};

// The members, found by the names records give them (NamesIn).
class Roster {
 public:
  explicit Roster(const std::vector<User>& users);
  // Those people names, once each.
  std::vector<const User*> Named(const json& people) const;
  const std::vector<User>& users() const { return users_; }

 private:
  std::vector<User> users_;
  std::multimap<std::string, size_t> by_name_;  // lower-case account name → users_ index
};

// The shift alerts of one change feed item ({"seq","op","record"|"was",…}), for those
// of the roster it names: a roster of members who may read what the feed was read for.
std::vector<Alert> ShiftAlerts(const json& item, const Roster& roster, int64_t now);

// The alert of a decision record closing within kClosingAlertS, for each member who may
// see it (and is named, when it names its voters).
std::vector<Alert> ClosingAlerts(const json& decision, const std::vector<const User*>& readers, int64_t now);

// A source that failed `failures` runs in a row since last_success_ms (0: never): one
// alert per editor or admin, once per such streak.
std::vector<Alert> FailingAlerts(const std::string& source, int failures, int64_t last_success_ms,
                                 const std::string& message, const std::vector<User>& users);

// An offer of work made to a member (matching), as the hub's matching module says it.
struct OfferNews {
  int64_t id = 0;       // the offer's
  std::string account;  // the member's account name
  std::string title;    // the request's
  int64_t start = 0, end = 0;
  std::string area;
};
std::vector<Alert> OfferAlerts(const OfferNews& offer, const Roster& roster);

// An alert as the member reads it.
struct AlertText {
  std::string title;   // the headline: "Moved: Morning visit"
  std::string detail;  // when and where, or why
};
AlertText Describe(const Alert& a, const Catalogs& catalogs, const std::string& lang, const std::string& zone,
                   int64_t now);

// The message that takes an alert to its member. stop_url: the signed one-click link
// that turns this kind off (RFC 8058); prefs_url: their choices.
mail::Message AlertMessage(const Alert& a, const AlertText& text, const Catalogs& catalogs, const std::string& lang,
                           const std::string& coop, const std::string& hub_url, const std::string& stop_url,
                           const std::string& prefs_url);

}  // namespace coophub::notify
