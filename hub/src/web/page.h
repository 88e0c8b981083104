// SPDX-License-Identifier: Apache-2.0
//
// The pages, rendered on the server so that they are whole before any script runs and
// work without JavaScript: the dashboard (its widgets in order, each naming where every
// item came from and how fresh that source is), the sign-in page, and the admin
// shell. The web code (web/src/) then formats times, numbers and money with Intl for
// the reader's locale, draws charts and keeps things live. Pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "i18n/i18n.h"
#include "model/protocol.h"
#include "dashboards/widgets.h"
#include "web/html.h"

namespace coophub {

// What every page knows of its reader.
struct PageContext {
  const Catalogs* catalogs = nullptr;  // the words, in...
  std::string lang = "en";             // ...this language
  std::string locale;                  // how times and numbers are written ("en-GB"); "": lang
  std::string user;                    // signed-in name, "" for a stranger
  std::string role;                    // viewer, editor, admin; "" for a stranger
  std::string csrf;                    // the session's CSRF token, for the page's writes
  std::string path = "/";              // the page's own path, for the language form
  int64_t seq = -1;                    // the newest change the page shows, for live updates
  int64_t now = 0;                     // unix seconds: "now" for every relative time on the page
  std::string zone = "UTC";            // the reader's time zone (IANA), which the page's times are in
  bool only_mine = false;              // the reader asked for their own items only (?mine=1)
};

// A piece of work for a signed-in member (matching): an offer made to them that waits
// for an answer, or an open request that fits them. See RenderWork.
struct WorkItem {
  int64_t offer = 0;    // the offer made to the reader; 0: a request that fits them
  int64_t request = 0;  // the request's uid
  std::string title, area, offered_by;
  int64_t start = 0, end = 0;
  std::vector<std::pair<std::string, json>> reasons;  // as OfferView::reasons
};

struct PageData {
  PageContext ctx;
  std::string q;  // the search, if any
  std::string dashboard_id, title;
  std::vector<std::pair<std::string, std::string>> dashboards;  // (id, title) the reader may open
  // Every source the reader's records may come from: id -> /api/v1/sources item. A
  // source that is behind is said in one plain sentence to everyone; the connector's own
  // message only with show_reasons (editors and admins: it is for them, and may name a
  // private address or a server path).
  std::map<std::string, json> sources;
  bool show_reasons = false;
  std::vector<WidgetData> widgets;
  std::vector<json> results;  // with q: the hits, newest first, each with a snippet
  bool first_visit = false;
  // Work for the reader (matching), shown above the widgets: the first few of /work.
  std::vector<WorkItem> work;
  size_t work_total = 0;
};

std::string RenderDashboard(const PageData& data);
// One widget alone, for /embed/: a whole page for an iframe, or (fragment) only its
// section, for the <coophub-widget> element. hub_url is where "coophub" links to.
std::string RenderEmbed(const PageData& data, const std::string& hub_url, bool fragment);
// An embed that is refused: why, for the partner's page (any site may frame it; it holds
// nothing of the hub's).
std::string RenderEmbedRefused(const PageContext& ctx, const std::string& why, const std::string& hub_url);
// The sign-in form; `next` is where to go once signed in (a local path).
// The sign-in page: a form that works without JavaScript (csrf: the page's token), with
// error the catalog key of why the last try failed ("" none; {s} filled from arg).
std::string RenderLogin(const PageContext& ctx, const std::string& next, const std::string& csrf,
                        const std::string& error = "", const std::string& arg = "");
// The admin page's shell: the web code fills it from the API.
std::string RenderAdmin(const PageContext& ctx);
// For a signed-in member without the role: which role the admin page takes, and whom to ask.
std::string RenderAdminRefused(const PageContext& ctx);

// "My calendar": the reader's calendar links (one line each, with Revoke), a button to
// make one, and, just after making one, its address (shown this once): a webcal:// link
// that a phone opens in its calendar app, and the https:// one to copy.
struct CalendarLinkLine {
  int64_t id = 0;
  int64_t created = 0, last_used = 0;  // unix seconds; 0: never used
};
std::string RenderCalendar(const PageContext& ctx, const std::vector<CalendarLinkLine>& links,
                           const std::string& made_url = "", const std::string& said = "");

// "Your account": who is signed in, with which role, and a form for a new password
// (current, new, repeat) that works without JavaScript; said/error: catalog keys of what
// the last try did ("" none; {s} in error filled from arg).
std::string RenderAccount(const PageContext& ctx, const std::string& said, const std::string& error,
                          const std::string& arg = "");

// A month of the agenda, as a calendar: the weeks as the reader's language starts them,
// each day's events (time, title, "yours"), today marked, links to the months before
// and after, "Only mine" for a member. Without JavaScript; on a phone, a list of the
// days that have something.
struct MonthData {
  PageContext ctx;
  int year = 0, month = 0;   // month 1-12
  std::vector<json> events;  // the month's events the reader may see, soonest first
  bool capped = false;       // there were more than events holds
};
std::string RenderMonth(const MonthData& data);

// An offer of work, opened from its link by someone who need not sign in
// (matching_pages.cc): what, where (the area), when, why them, and Accept / Decline.
struct OfferView {
  PageContext ctx;
  std::string action;  // where the answer form posts: the link's own path
  std::string status;  // offered, accepted, declined, taken, closed or unknown (a link no one made)
  std::string title, area;
  int64_t start = 0, end = 0;
  std::vector<std::pair<std::string, json>> reasons;  // (code, value): matching's reasons, said here
  std::string said;                                   // the catalog key of what was just done, or ""
};
std::string RenderOffer(const OfferView& offer);

// Work for a signed-in member (matching_pages.cc): offers made to them that wait for an
// answer, then open requests that fit them, best first; each with the area, the time,
// why them, and Accept / Decline (a form posting to /work).
struct WorkView {
  PageContext ctx;
  bool matched = false;         // the reader's account is a person matching reads
  std::string problem;          // why their profile cannot be matched, if it cannot
  std::vector<WorkItem> items;  // offers first, then fits
  size_t total = 0;             // offers and fits in all (items may hold fewer)
  std::string said;             // the catalog key of what was just done, or ""
};
std::string RenderWork(const WorkView& work);

// A member's matching profile as matching reads it (matching_pages.cc): each field
// with what the coop's records say, those the member may correct in a form (posting to
// /profile), and what matching uses each for, and why.
struct ProfileField {
  std::string name;          // skills, languages, postcode, max_km, hours, preferences, certificates
  std::string value;         // what matching uses now
  std::string source_value;  // what the coop's records say, when the member corrected it
  bool edited = false;
  bool editable = true;  // certificates are the coordinator's to check
};
struct ProfileView {
  PageContext ctx;
  bool matched = false;  // the reader's account is a person matching reads
  std::string title, problem;
  std::vector<ProfileField> fields;
  double hours_4w = 0;  // hours taken in the last 4 weeks (fairness)
  std::string said;     // the catalog key of what was just done, or ""
  std::string error;    // what was wrong with the last form ("hours: …"), or ""
};
std::string RenderProfile(const ProfileView& profile);

// A member's notifications (/notifications): how often their digest comes, which
// alerts they get, and what was sent to them.
struct SentLine {
  std::string kind, subject, status;
  int64_t created = 0, sent = 0;  // unix seconds; sent 0: not yet
};
struct NoticeLine {
  int64_t id = 0;
  std::string kind, title, detail, url;
  int64_t created = 0;  // unix seconds
  bool unread = false;
};
struct NotificationsView {
  PageContext ctx;
  std::vector<NoticeLine> notices;  // alerts and digests, newest first
  int64_t unread = 0;
  bool mail = false;                                 // the hub has a mail: section
  std::string email;                                 // theirs; "" none
  std::string digest;                                // their choice: never, weekly, monthly, or "" (the coop's)
  std::string digest_default;                        // the coop's
  std::vector<std::pair<std::string, bool>> alerts;  // (kind, on), in AlertKinds() order
  std::vector<SentLine> sent;                        // newest first
  std::string said;                                  // the catalog key of what was just done, or ""
};
std::string RenderNotifications(const NotificationsView& v);

// A member's own data (/mydata): what GET /api/v1/me/data answers (data), shown with
// the forms that claim an identity, export it all and ask for an erasure.
struct MyDataView {
  PageContext ctx;
  json data;
  std::string said;   // the catalog key of what was just done, or ""
  std::string error;  // what was wrong with the last form, or ""
  std::string more;   // the link to the next page of records, or ""
};
std::string RenderMyData(const MyDataView& v);
// The page of an unsubscribe link: its button (state "ask"), "done", or "bad" (a link
// that is not the hub's). kind: "" for the digest, or the alert kind the link stops.
std::string RenderUnsubscribe(const PageContext& ctx, const std::string& state, const std::string& action,
                              const std::string& kind = "");

// A search passage from the store (RecordQuery::snippet) as HTML: the text escaped, each
// match in <mark>.
std::string SnippetHtml(std::string_view passage);

}  // namespace coophub
