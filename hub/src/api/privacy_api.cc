// SPDX-License-Identifier: Apache-2.0
// Members' own data (privacy.h): "my data" (/api/v1/me/data), the identities members
// claim and admins confirm, exports (a ZIP built in the background, offered through a
// link that expires) and erasure requests, previewed and carried out by an admin.
// docs/privacy.md.
#include <algorithm>

#include "api/accounts_api.h"
#include "api/handlers.h"
#include "base/timeutil.h"
#include "privacy/export.h"
#include "privacy/privacy.h"
#include "sources/sources.h"

namespace coophub {
namespace {

using privacy::Privacy;

ApiResponse NoPrivacy() {
  return Problem(503, "Not available", "this hub was opened without its members' data tables; restart it");
}

// How long the hub keeps a source's records, as the archive and the page say it.
std::string KeptText(int64_t retention_ms) {
  return retention_ms > 0 ? RetentionText(retention_ms) + " after its time" : "while the source has it";
}

// Every source by id: its name and how long its records are kept.
json SourcesKept(const Services& hub) {
  json out = json::object();
  auto add = [&out](const SourceConfig& s) {
    out[s.id] = {{"name", DisplayName(s)},
                 {"plugin", s.plugin},
                 {"retention", RetentionText(s.retention_ms)},
                 {"kept", KeptText(s.retention_ms)}};
  };
  if (hub.sources)
    for (const auto& e : hub.sources->All()) add(*e.config);
  else
    for (const auto& s : hub.config.sources) add(s);
  return out;
}

// What a handler of the member's own resources answers, as JSON; null with why when it
// has nothing (no matching: section, no mail: section).
json OwnAnswer(ApiResponse (*handler)(const Services&, const ApiRequest&, const Principal&, const Params&),
               const Services& hub, const Principal& member, std::multimap<std::string, std::string> query = {}) {
  ApiRequest get;
  get.query = std::move(query);
  ApiResponse r = handler(hub, get, member, {});
  json body = json::parse(r.body, nullptr, false);
  if (r.status == 200 && !body.is_discarded()) return body;
  return {{"none", body.is_object() ? body.value("detail", "") : ""}};
}

// The account part of a member's data: everything the hub keeps about them but records.
Result<json> AboutMember(const Services& hub, const User& user) {
  Principal member{user.id, user.name, user.role, "export", "", user.lang};
  json about = {{"made", privacy::TimeText(NowMs())},
                {"account",
                 {{"id", user.id},
                  {"name", user.name},
                  {"role", RoleName(user.role)},
                  {"email", user.email},
                  {"lang", user.lang},
                  {"created", privacy::TimeText(user.created_ms)}}}};
  auto sessions = hub.accounts->ListSessions(user.id);
  if (!sessions.ok()) return sessions.status();
  about["sessions"] = json::array();
  for (const auto& [created, expires] : *sessions)
    about["sessions"].push_back({{"created", privacy::TimeText(created)}, {"expires", privacy::TimeText(expires)}});
  about["tokens"] = OwnAnswer(&ListTokens, hub, member);
  auto visit = hub.accounts->GetVisit(user.id);
  if (!visit.ok()) return visit.status();
  about["visits"] = *visit ? json{{"last_visit", (*visit)->time > 0 ? FormatRfc3339((*visit)->time) : ""},
                                  {"previous_visit", (*visit)->base_time > 0 ? FormatRfc3339((*visit)->base_time) : ""}}
                           : json::object();
  auto audit = hub.accounts->AuditOf(user.name, 1000);
  if (!audit.ok()) return audit.status();
  about["audit"] = *audit;
  about["notifications"] = OwnAnswer(&MyNotifications, hub, member);
  about["notices"] = OwnAnswer(&MyNotices, hub, member, {{"limit", "200"}});
  about["matching_profile"] = OwnAnswer(&MyMatchingProfile, hub, member);
  about["offers"] = OwnAnswer(&MyOffers, hub, member);
  auto identities = hub.privacy->Identities(user.id);
  if (!identities.ok()) return identities.status();
  about["identities"] = json::array();
  for (const auto& i : *identities) about["identities"].push_back(privacy::ToJson(i));
  about["sources"] = SourcesKept(hub);
  return about;
}

// The records of a page, as "my data" lists them (privacy::RecordItem).
json RecordItems(const RecordPage& page, const json& sources) {
  json items = json::array();
  for (const auto& r : page.Items()) items.push_back(privacy::RecordItem(r, sources));
  return items;
}

// A list answer: {"items": [...]} of privacy::ToJson.
template <class T>
ApiResponse ItemsAnswer(const Result<std::vector<T>>& list) {
  if (!list.ok()) return FromStatus(list.status());
  json items = json::array();
  for (const auto& i : *list) items.push_back(privacy::ToJson(i));
  return Json(200, {{"items", items}});
}

// An erasure request as it is now.
ApiResponse ErasureAnswer(const Services& hub, int64_t id) {
  auto e = hub.privacy->GetErasure(id);
  if (!e.ok()) return FromStatus(e.status());
  return Json(200, privacy::ToJson(*e));
}

Result<User> Member(const Services& hub, int64_t id) { return hub.accounts->GetUser(id); }

// Queues an export of user's data: 202 with it and the link that downloads it once ready.
ApiResponse QueueExport(const Services& hub, const Principal& who, const User& user) {
  auto about = AboutMember(hub, user);
  if (!about.ok()) return FromStatus(about.status());
  auto job = hub.privacy->RequestExport(user.id, who.name, about->dump());
  if (!job.ok()) return FromStatus(job.status());
  if (hub.exporter) hub.exporter->Wake();
  Audit(hub, who, "export.request", user.name, "export " + std::to_string(job->first.id));
  json out = privacy::ToJson(job->first);
  out["link"] = "/api/v1/exports/" + std::to_string(job->first.id) + "/archive?key=" + job->second;
  return Json(202, out);
}

// A ready export's archive, streamed a chunk at a time from the store.
ApiResponse ArchiveResponse(const Services& hub, const privacy::ExportJob& e, const std::string& user) {
  ApiResponse out;
  out.content_type = "application/zip";
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"coophub-data-" + user + "-" +
                                                      privacy::TimeText(e.done_ms).substr(0, 10) + ".zip\"");
  out.headers.emplace_back("Cache-Control", "no-store");
  Privacy* p = hub.privacy;
  auto next = std::make_shared<int64_t>(0);
  const int64_t id = e.id;
  out.stream = [p, next, id](std::string* chunk) {
    auto c = p->Chunk(id, (*next)++);
    if (!c.ok() || c->empty()) return false;
    *chunk = std::move(*c);
    return true;
  };
  return out;
}

// An erasure request's body: nothing, or {"note": text}.
Result<std::string> ErasureNote(const ApiRequest& req) {
  if (req.body.empty()) return std::string();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return body.status();
  for (const auto& [key, v] : body->items())
    if (key != "note" || !v.is_string())
      return Status::Invalid("an erasure request takes one field, \"note\" (text); \"" + key.substr(0, 40) +
                             "\" is not it");
  return body->value("note", "");
}

Result<int64_t> PathId(const std::string& text) {
  auto id = PositiveId(text);
  if (!id) return Status::Invalid("an id is a positive whole number");
  return *id;
}

// The records an erasure would remove, by source, with what the hub cannot remove.
Result<json> ErasurePreview(const Services& hub, const std::vector<std::string>& names) {
  json sources = SourcesKept(hub);
  std::map<std::string, int64_t> by_source;
  Status walked = privacy::ForEachLinked(hub.store, names, [&](json& r) -> Status {
    ++by_source[r.value("source", "")];
    return Status::Ok();
  });
  if (!walked.ok()) return walked;
  json out = json::array();
  for (const auto& [source, n] : by_source) {
    const json* s = sources.contains(source) ? &sources[source] : nullptr;
    std::string name = s ? s->value("name", source) : source;
    out.push_back({{"source", source},
                   {"source_name", name},
                   {"plugin", s ? s->value("plugin", "") : ""},
                   {"records", n},
                   {"at_source", "the hub removes its copies; the originals stay in " + name +
                                     ": remove them there too, or the source keeps them"}});
  }
  return out;
}

// What /api/v1/me/data answers and /mydata shows: the account part, the names that link
// records, a page of the records (from after_uid), the exports and an open erasure.
Result<json> MyDataJson(const Services& hub, int64_t user_id, int64_t after, int limit) {
  auto user = Member(hub, user_id);
  if (!user.ok()) return user.status();
  auto about = AboutMember(hub, *user);
  if (!about.ok()) return about.status();
  auto names = hub.privacy->NamesOf(user->id);
  if (!names.ok()) return names.status();
  auto page = hub.store.LinkedRecords(*names, after, limit);
  if (!page.ok()) return page.status();
  json out = std::move(*about);
  out["names"] = *names;
  out["records"] = {{"items", RecordItems(*page, out["sources"])}, {"next_cursor", page->next_cursor}};
  auto exports = hub.privacy->Exports(user->id);
  if (!exports.ok()) return exports.status();
  out["exports"] = json::array();
  for (const auto& e : *exports) out["exports"].push_back(privacy::ToJson(e));
  auto erasure = hub.privacy->OpenErasure(user->id);
  if (!erasure.ok()) return erasure.status();
  out["erasure"] = *erasure ? privacy::ToJson(**erasure) : json(nullptr);
  return out;
}

// ?cursor= of a page of records: the uid after which it starts (0 the first).
std::optional<int64_t> CursorParam(const ApiRequest& req) {
  std::string c = Param(req, "cursor");
  if (c.empty()) return 0;
  return PositiveId(c);
}

ApiResponse MyDataPageFor(const Services& hub, const ApiRequest& req, const Principal& who, int64_t after,
                          const std::string& said, const std::string& error) {
  auto data = MyDataJson(hub, who.user_id, after, 50);
  if (!data.ok()) return FromStatus(data.status());
  MyDataView v;
  v.ctx = Context(hub, req, who, "/mydata");
  v.data = std::move(*data);
  v.said = said;
  v.error = error;
  if (std::string next = v.data["records"]["next_cursor"]; !next.empty()) v.more = "/mydata?cursor=" + next;
  return HtmlPage(hub, req, v.ctx, RenderMyData(v));
}

}  // namespace

// --- a member's own

ApiResponse MyData(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"cursor", "limit"})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  int limit = 50;
  if (std::string l = Param(req, "limit"); !l.empty()) {
    auto n = PositiveId(l);
    if (!n || *n > 500) return Problem(400, "Bad limit", "limit must be a whole number from 1 to 500");
    limit = static_cast<int>(*n);
  }
  auto after = CursorParam(req);
  if (!after) return Problem(400, "Bad cursor", "cursor is the next_cursor of the page before");
  auto data = MyDataJson(hub, who.user_id, *after, limit);
  if (!data.ok()) return FromStatus(data.status());
  return Json(200, *data);
}

// What the page's forms did, as ?done= says after their redirect: the catalog key.
constexpr const char* kDone[] = {"claimed", "withdrawn", "export_queued", "erasure_asked"};

ApiResponse MyDataPage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {"lang", "cursor", "done"})) return *bad;
  if (who.role == Role::kAnonymous) return SignInFirst("/mydata");
  if (!hub.privacy) return NoPrivacy();
  auto after = CursorParam(req);
  if (!after) return Problem(400, "Bad cursor", "cursor is the uid the page of records starts after");
  std::string said;
  for (const char* done : kDone)
    if (Param(req, "done") == done) said = std::string("mydata.") + done;
  return MyDataPageFor(hub, req, who, *after, said, "");
}

// The page's forms: action=claim (kind, value), withdraw (id), export, erase (note).
ApiResponse MyDataForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(
        403, "Sign in on the page",
        "the /mydata form is for a signed-in browser; an API client uses /api/v1/me/data and its neighbours");
  if (!hub.privacy) return NoPrivacy();
  auto form = ReadFormBody(req);
  const std::string action = form["action"];
  Status s;
  std::string said;
  if (action == "claim") {
    auto claimed = hub.privacy->Claim(who.user_id, form["kind"], form["value"]);
    s = claimed.status();
    if (s.ok()) Audit(hub, who, "identity.claim", who.name, claimed->kind + " " + claimed->value);
    said = "claimed";
  } else if (action == "withdraw") {
    auto id = PositiveId(form["id"]);
    s = id ? hub.privacy->Withdraw(who.user_id, *id) : Status::Invalid("no such identity");
    if (s.ok()) Audit(hub, who, "identity.withdraw", who.name, "identity " + form["id"]);
    said = "withdrawn";
  } else if (action == "export") {
    auto user = Member(hub, who.user_id);
    ApiResponse queued = user.ok() ? QueueExport(hub, who, *user) : FromStatus(user.status());
    if (queued.status != 202) return queued;
    said = "export_queued";
  } else if (action == "erase") {
    auto e = hub.privacy->RequestErasure(who.user_id, who.name, form["note"]);
    s = e.status();
    if (s.ok()) Audit(hub, who, "erasure.request", who.name, "request " + std::to_string(e->id));
    said = "erasure_asked";
  } else {
    return Problem(400, "Bad form", "action is claim, withdraw, export or erase");
  }
  if (!s.ok() && s.code() != Status::Code::kInvalid && s.code() != Status::Code::kConflict &&
      s.code() != Status::Code::kNotFound)
    return FromStatus(s);
  if (s.ok()) {  // to the page, so that reloading it does not post the form again
    ApiResponse go{303, "text/plain; charset=utf-8", ""};
    go.headers.emplace_back("Location", "/mydata?done=" + said);
    return go;
  }
  ApiResponse page = MyDataPageFor(hub, req, who, 0, "", s.message());
  page.status = s.code() == Status::Code::kConflict ? 409 : 400;
  return page;
}

ApiResponse MyIdentities(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  return ItemsAnswer(hub.privacy->Identities(who.user_id));
}

ApiResponse ClaimIdentity(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  for (const auto& [key, v] : body->items())
    if ((key != "kind" && key != "value") || !v.is_string())
      return Problem(400, "Bad identity",
                     "an identity is {\"kind\": \"email\" | \"handle\" | \"directory\", \"value\": \"…\"}; \"" +
                         key.substr(0, 40) + "\" is not one of its text fields");
  auto claimed = hub.privacy->Claim(who.user_id, body->value("kind", ""), body->value("value", ""));
  if (!claimed.ok()) return FromStatus(claimed.status());
  Audit(hub, who, "identity.claim", who.name, claimed->kind + " " + claimed->value);
  return Json(201, privacy::ToJson(*claimed));
}

ApiResponse WithdrawIdentity(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  if (Status s = hub.privacy->Withdraw(who.user_id, *id); !s.ok()) return FromStatus(s);
  Audit(hub, who, "identity.withdraw", who.name, "identity " + p[0]);
  return {204, "application/json", ""};
}

ApiResponse RequestMyExport(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto user = Member(hub, who.user_id);
  if (!user.ok()) return FromStatus(user.status());
  return QueueExport(hub, who, *user);
}

ApiResponse MyExports(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  return ItemsAnswer(hub.privacy->Exports(who.user_id));
}

ApiResponse MyExportArchive(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  auto list = hub.privacy->Exports(who.user_id);
  if (!list.ok()) return FromStatus(list.status());
  for (const auto& e : *list)
    if (e.id == *id && e.status == "ready" && e.expires_ms > NowMs()) return ArchiveResponse(hub, e, who.name);
  return Problem(404, "No such export", "no ready export " + p[0] + " of yours: ask for a new one");
}

// The link an export's request gave: no sign-in, the key is the key.
ApiResponse ExportArchiveByLink(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {"key"})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  auto e = hub.privacy->ExportByLink(*id, Param(req, "key"), NowMs());
  if (!e.ok()) return Problem(404, "Link expired or unknown", e.status().message());
  auto user = Member(hub, e->user_id);
  return ArchiveResponse(hub, *e, user.ok() ? user->name : "member");
}

ApiResponse RequestMyErasure(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto note = ErasureNote(req);
  if (!note.ok()) return FromStatus(note.status());
  auto e = hub.privacy->RequestErasure(who.user_id, who.name, *note);
  if (!e.ok()) return FromStatus(e.status());
  Audit(hub, who, "erasure.request", who.name, "request " + std::to_string(e->id));
  return Json(202, privacy::ToJson(*e));
}

// --- admins

ApiResponse ListIdentities(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  return ItemsAnswer(hub.privacy->Identities(0));
}

ApiResponse DecideIdentity(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  if (p[1] != "confirm" && p[1] != "reject")
    return Problem(404, "Not found", "an identity is confirmed (…/confirm) or rejected (…/reject)");
  auto decided = hub.privacy->Decide(*id, p[1] == "confirm", who.name);
  if (!decided.ok()) return FromStatus(decided.status());
  Audit(hub, who, "identity." + p[1], decided->user, decided->kind + " " + decided->value);
  return Json(200, privacy::ToJson(*decided));
}

ApiResponse RequestExportFor(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  auto user = Member(hub, *id);
  if (!user.ok()) return FromStatus(user.status());
  return QueueExport(hub, who, *user);
}

ApiResponse RequestErasureFor(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  auto note = ErasureNote(req);
  if (!note.ok()) return FromStatus(note.status());
  auto e = hub.privacy->RequestErasure(*id, who.name, *note);
  if (!e.ok()) return FromStatus(e.status());
  Audit(hub, who, "erasure.request", e->user, "request " + std::to_string(e->id));
  return Json(202, privacy::ToJson(*e));
}

ApiResponse ListErasures(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  return ItemsAnswer(hub.privacy->ErasureRequests());
}

ApiResponse GetErasure(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  auto e = hub.privacy->GetErasure(*id);
  if (!e.ok()) return FromStatus(e.status());
  json out = privacy::ToJson(*e);
  if (e->status == "requested") {  // what confirming would remove
    auto names = hub.privacy->NamesOf(e->user_id);
    if (!names.ok()) return FromStatus(names.status());
    auto preview = ErasurePreview(hub, *names);
    if (!preview.ok()) return FromStatus(preview.status());
    out["names"] = *names;
    out["records"] = *preview;
    out["account"] =
        "the account " + e->user +
        ", its sessions, tokens, identities, notification choices, notices, mail and exports are removed too";
  }
  return Json(200, out);
}

ApiResponse DecideErasure(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.privacy) return NoPrivacy();
  auto id = PathId(p[0]);
  if (!id.ok()) return FromStatus(id.status());
  if (p[1] == "reject") {
    if (Status s = hub.privacy->RejectErasure(*id, who.name); !s.ok()) return FromStatus(s);
    Audit(hub, who, "erasure.reject", "request " + p[0]);
    return ErasureAnswer(hub, *id);
  }
  if (p[1] != "confirm") return Problem(404, "Not found", "an erasure is confirmed (…/confirm) or rejected (…/reject)");
  auto request = hub.privacy->GetErasure(*id);
  if (!request.ok()) return FromStatus(request.status());
  // The last admin cannot be erased: the hub would have nobody to run it.
  auto user = hub.accounts->GetUser(request->user_id);
  if (user.ok() && user->role == Role::kAdmin) {
    auto users = hub.accounts->ListUsers();
    if (!users.ok()) return FromStatus(users.status());
    if (std::count_if(users->begin(), users->end(), [](const User& u) { return u.role == Role::kAdmin; }) < 2)
      return Problem(409, "Last admin", "make another admin first: the hub cannot run without one");
  }
  auto begun = hub.privacy->BeginErasure(*id, who.name);
  if (!begun.ok()) return FromStatus(begun.status());
  // The names are erased now (no sync brings their records back); the records go in
  // batches of the writer, as retention's do.
  int64_t removed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    PruneBatch b;
    b.what = PruneBatch::What::kNamed;
    b.names = begun->names;
    auto n = hub.store.Prune(b).get();
    if (!n.ok()) return FromStatus(n.status());
    if (*n == 0) break;
    removed += *n;
  }
  if (Status s = hub.privacy->FinishErasure(*id, removed); !s.ok()) return FromStatus(s);
  if (user.ok())
    if (auto gone = hub.accounts->DeleteUser(user->id); !gone.ok()) return FromStatus(gone.status());
  Audit(hub, who, "erasure.confirm", begun->user,
        "request " + p[0] + ": " + std::to_string(removed) + " records and the account removed");
  return ErasureAnswer(hub, *id);
}

}  // namespace coophub
