// SPDX-License-Identifier: Apache-2.0
//
// Every handler of the API and the helpers they share, as free functions over the hub's
// services (services.h); each is defined in the file of its resource. Only the api
// module includes this; api.cc's route table says which route calls which.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/services.h"
#include "http/message.h"
#include "runtime/runner.h"
#include "web/page.h"

namespace coophub {

// The caller, from a bearer token or a session cookie; a problem for a bad token.
Result<Principal> Authenticate(const Services& hub, const ApiRequest& request);

ApiResponse Health(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListRecords(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse GetRecord(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListSources(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse GetSource(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListRuns(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse GetRun(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SyncNow(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// dashboards_api.cc: the pages, and dashboards through the API
ApiResponse Dashboard(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse LoginPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AdminPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// "My calendar" (/calendar): the reader's calendar links; POST make=1 or revoke=ID.
ApiResponse CalendarPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CalendarForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MonthPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Manifest(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// /sw.js: the service worker (web/src/sw.js), at the top so that its scope is every page.
ApiResponse ServiceWorker(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// "Your account": who is signed in, and a new password without JavaScript.
ApiResponse AccountPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AccountForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListDashboards(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse GetDashboard(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse PutDashboard(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DeleteDashboard(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// matching_api.cc
ApiResponse MatchingStatus(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestCandidates(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AssignRequests(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MakeOffers(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestOffers(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyOffers(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AcceptOffer(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DeclineOffer(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse OfferByLink(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AnswerByLink(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestsForMe(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse OpenRequests(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse WorkPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse WorkForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyMatchingProfile(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse PutMyMatchingProfile(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ProfilePage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ProfileForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyNotifications(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse PutMyNotifications(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse NotificationsPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse NotificationsForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListBackups(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CreateBackup(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListWebhooks(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AddWebhook(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RemoveWebhook(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse TestWebhook(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListDeliveries(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Redeliver(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ReadNoticesForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyNotices(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ReadMyNotices(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse UnsubscribePage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Unsubscribe(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListOutbox(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RetryMail(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SendTestMail(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SendDigests(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// The reader's work (matching_api.cc): offers waiting for their answer, then requests
// that fit them, at most limit of them; empty (matched false) when matching is off or
// the reader is no person it reads. The caller fills ctx.
Result<WorkView> WorkOf(const Services& hub, const Principal& who, size_t limit);
ApiResponse AnswerRequest(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// /offer/{secret}: the offer's page, for people who need not sign in, and its form.
ApiResponse OfferPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse OfferForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// privacy_api.cc: members' own data
ApiResponse MyData(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyIdentities(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ClaimIdentity(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse WithdrawIdentity(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyExports(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestMyExport(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyExportArchive(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ExportArchiveByLink(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestMyErasure(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListIdentities(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DecideIdentity(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestExportFor(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RequestErasureFor(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListErasures(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse GetErasure(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DecideErasure(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyDataPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse MyDataForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// embed_api.cc
ApiResponse Embed(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// The sites allowed to embed widgets now: hub.yaml's server.embed_origins and the admin's.
std::vector<std::string> EmbedOrigins(const Services& hub);
ApiResponse ListEmbedOrigins(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SetEmbedOrigins(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListShares(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CreateShare(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RevokeShare(const Services& hub, const ApiRequest&, const Principal&, const Params&);
std::vector<DashboardEntry> DashboardEntries(const Services& hub);
// AllSourcesJson, by id.
Result<std::map<std::string, json>> SourcesById(const Services& hub, Role reader,
                                                std::vector<SourceStats>* stats = nullptr);
// The reader, their language (?lang=, the coophub_lang cookie, Accept-Language).
PageContext Context(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& path);
// A page, keeping a language just picked in its cookie.
ApiResponse HtmlPage(const Services& hub, const ApiRequest& r, const PageContext& c, std::string body);
ApiResponse Static(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Changes(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ChangesPage(const Services& hub, int64_t after, std::vector<std::string> visible, int64_t limit,
                        std::chrono::steady_clock::time_point deadline);
ApiResponse Feed(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Metrics(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse OpenApi(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// plugins_api.cc
ApiResponse ListPlugins(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CheckSource(const Services& hub, const ApiRequest&, const Principal&, const Params&);
Result<PluginInfo> CachedPlugin(const Services& hub, const std::string& name, const std::string& path);
// An installed plugin by name (never a path or a program), or a 400 problem.
std::variant<std::pair<std::string, PluginInfo>, ApiResponse> InstalledPlugin(const Services& hub,
                                                                              const std::string& name);
// sources_api.cc
ApiResponse CreateSource(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse UpdateSource(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DeleteSource(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ClearOverride(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SourceEvents(const Services& hub, const ApiRequest&, const Principal&, const Params&);
std::vector<SourceEntry> SourceEntries(const Services& hub);
std::optional<SourceEntry> FindSourceEntry(const Services& hub, const std::string& id);
// The sources whose visibility who may read: what a source says about itself (its
// errors, counts, runs) is shown to readers of its records only. Others get a 404.
std::vector<SourceEntry> VisibleSourceEntries(const Services& hub, Role reader);
std::optional<SourceEntry> FindVisibleSource(const Services& hub, Role reader, const std::string& id);
// Handle without the metrics: the route pattern matched goes to *route.
ApiResponse Dispatch(const Services& hub, const ApiRequest& request, const char** route) noexcept;
// The filters of /api/v1/records into *out (visibility from the caller), or a problem.
std::optional<ApiResponse> ParseRecordQuery(const Services& hub, const ApiRequest& r, const Principal& who,
                                            RecordQuery* out, int default_limit);
// accounts_api.cc
ApiResponse Login(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Logout(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse LoginForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse LogoutForm(const Services& hub, const ApiRequest&, const Principal&, const Params&);
// The limiter and the password check of a sign-in: the user, or the problem to answer.
// The audit log says action (or action.failed).
std::variant<User, ApiResponse> SignIn(const Services& hub, const ApiRequest& req, const std::string& name,
                                       const std::string& password, const std::string& action = "login");
// A signed-in member's new password, once the current one is checked (through the
// sign-in limiter): the user, or the problem (400 too short, 401 wrong, 403 not a
// session, 429 wait). Every session of the user ends: give the caller a new one.
std::variant<User, ApiResponse> ChangeOwnPassword(const Services& hub, const ApiRequest& req, const Principal& who,
                                                  const std::string& current, const std::string& fresh);
// The sign-in page with a fresh CSRF cookie; error names a catalog message ("" none),
// with {s} in it filled from arg.
// A page for signed-in readers, asked for by a stranger: to the sign-in, then back to
// next (a path of this hub, already escaped for a query).
ApiResponse SignInFirst(const std::string& next);
ApiResponse LoginPageFor(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& next,
                         const std::string& error, std::string arg = "");
ApiResponse Me(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse UpdateMe(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse Setup(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SetupPage(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListTokens(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CreateToken(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse RevokeToken(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse ListUsers(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse CreateUser(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse UpdateUser(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse DeleteUser(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse AuditLog(const Services& hub, const ApiRequest&, const Principal&, const Params&);
ApiResponse SessionResponse(const Services& hub, const ApiRequest& req, const User& user);
void Audit(const Services& hub, const Principal& who, const std::string& action, const std::string& target,
           const std::string& detail = "");

Result<json> SourceJson(const Services& hub, const SourceEntry& entry, const std::vector<SourceStats>& stats,
                        const std::map<std::string, coophub::SourceRuns>& runs,
                        const std::vector<SourceLiveStatus>& live);
// Every source reader may see, as SourceJson; the store's stats they were made from go
// to *stats, for a caller that needs them too (one read, not two).
Result<json> AllSourcesJson(const Services& hub, Role reader, std::vector<SourceStats>* stats = nullptr);
// One source as SourceJson; with_config adds an API source's config (secrets left out).
Result<json> OneSourceJson(const Services& hub, const SourceEntry& entry, bool with_config);

}  // namespace coophub
