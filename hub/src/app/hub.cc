// SPDX-License-Identifier: Apache-2.0
// The composition root; see hub.h.
#include "app/hub.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <filesystem>

#include "api/handlers.h"
#include "base/timeutil.h"
#include "i18n/dates.h"
#include "matching/matcher.h"
#include "runtime/plugin_paths.h"
#include "sync/sync.h"
#include "upkeep/backup.h"

namespace coophub::app {

Result<OpenedStore> OpenHubStore(const HubConfig& c, int readers) {
  OpenedStore out;
  if (c.store_driver == "postgres") {
    auto url = ResolveSecrets(json(c.store_url), "store.url");
    if (!url.ok()) return url.status().Prefixed(c.file);
    PostgresOptions o;
    o.url = url->get<std::string>();
    o.readers = readers > 0 ? readers : c.store_readers;
    o.lost_after_ms = c.store_lost_after_ms;
    o.heartbeat_ms = std::min<int64_t>(o.heartbeat_ms, c.store_lost_after_ms / 3);
    auto store = OpenPostgresStore(o);
    if (!store.ok()) return store.status().Prefixed(c.file + ": store.url");
    out.store = std::move(*store);
    out.db = sql::PostgresDatabase(o.url);
    return out;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(c.StorePath()).parent_path(), ec);
  auto lock = FileLock::Take(upkeep::StoreLockPath(c), /*exclusive=*/false);
  if (!lock.ok())
    return lock.status().code() == Status::Code::kConflict
               ? Status::Conflict("the store " + c.StorePath() +
                                  " is being restored (coophub restore): start again "
                                  "when it has finished")
               : lock.status();
  out.lock = std::move(*lock);
  auto store = OpenSqliteStore({c.StorePath(), readers > 0 ? readers : c.store_readers});
  if (!store.ok()) return store.status();
  out.store = std::move(*store);
  out.db = sql::SqliteDatabase(c.StorePath());
  return out;
}

Result<std::unique_ptr<Hub>> Hub::Open(HubConfig config, const HubOptions& options) {
  std::unique_ptr<Hub> hub(new Hub(std::move(config)));
  const HubConfig& c = hub->config_;
  auto opened = OpenHubStore(c, options.readers);
  if (!opened.ok()) return opened.status();
  hub->store_ = std::move(opened->store);
  hub->db_ = std::move(opened->db);
  hub->store_lock_ = std::move(opened->lock);
  auto accounts = OpenAccounts(*hub->db_);
  if (!accounts.ok()) return accounts.status();
  hub->accounts_ = std::move(*accounts);
  auto sources = OpenSources(c, *hub->db_);
  if (!sources.ok()) return sources.status().Prefixed(hub->db_->name());
  hub->sources_ = std::move(*sources);
  auto dashboards = OpenDashboards(c.dashboards, *hub->db_);
  if (!dashboards.ok()) return dashboards.status().Prefixed(hub->db_->name());
  hub->dashboards_ = std::move(*dashboards);
  if (options.scheduler) hub->scheduler_ = std::make_unique<Scheduler>(*hub->store_, c);
  for (const auto& e : hub->sources_->All()) {
    if (e.from_file && e.overridden.empty()) continue;  // hub.yaml's are the scheduler's already
    if (!e.from_file) ++hub->api_sources_;
    if (hub->scheduler_) hub->scheduler_->Put(e.config);  // an API source, or hub.yaml's as overridden
  }
  if (c.matching) {
    matching::Postcodes postcodes;
    if (!c.matching->postcodes.empty()) {
      auto loaded = matching::LoadPostcodes(c.matching->postcodes);
      if (!loaded.ok()) return loaded.status().Prefixed(c.file);
      postcodes = std::move(*loaded);
    }
    // A source the section names that is neither in hub.yaml nor made through the API:
    // said now, naming the file; the rest matches (an API source may come later).
    for (const auto& [list, ids] :
         {std::pair<const char*, const std::vector<std::string>*>{"people", &c.matching->people.sources},
          {"requests", &c.matching->requests.sources},
          {"busy", &c.matching->busy.sources}})
      for (const auto& id : *ids)
        if (!c.FindSource(id) && !hub->sources_->Find(id))
          spdlog::warn("{}: matching.{}.sources names \"{}\", which is no source: add it under sources:, or fix the id",
                       c.file, list, id);
    auto offers = matching::Offers::Open(*hub->db_);
    if (!offers.ok()) return offers.status().Prefixed(hub->db_->name());
    hub->offers_ = std::move(*offers);
    auto edits = matching::ProfileEdits::Open(*hub->db_);
    if (!edits.ok()) return edits.status().Prefixed(hub->db_->name());
    hub->profile_edits_ = std::move(*edits);
    hub->matcher_ = std::make_unique<matching::Matcher>(*hub->store_, *c.matching, std::move(postcodes), nullptr,
                                                        hub->offers_.get(), hub->profile_edits_.get());
    if (!c.matching->scorer.empty()) {  // the coop's own scoring step, run as a connector is
      auto ref = ResolvePlugin(c.matching->scorer, PluginSearchPath(c.plugin_dirs));
      if (!ref.ok()) return ref.status().Prefixed(c.file + ": matching.scorer");
      hub->matcher_->SetScorer(std::make_unique<matching::Scorer>(*ref, c.matching->scorer_timeout_ms, c.base_dir));
    }
  }
  hub->api_ = std::make_unique<Api>(*hub->store_, hub->scheduler_.get(), c, options.web_dir, hub->accounts_.get());
  hub->api_->SetSources(hub->sources_.get());
  hub->api_->SetDashboards(hub->dashboards_.get());
  hub->api_->SetMatcher(hub->matcher_.get(), hub->offers_.get(), hub->profile_edits_.get());
  if (c.mail) {
    if (auto s = hub->OpenPostman(); !s.ok()) return s;
    hub->api_->SetOutbox(hub->outbox_.get(), hub->postman_.get());
  }
  if (auto s = hub->OpenWebhooks(); !s.ok()) return s;
  upkeep::KeeperSettings keep;
  keep.config = &hub->config_;
  keep.retentions = [h = hub.get()] {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& e : h->sources_->All())
      if (e.config->retention_ms > 0) out.emplace_back(e.config->id, e.config->retention_ms);
    return out;
  };
  hub->keeper_ = std::make_unique<upkeep::Keeper>(*hub->store_, *hub->db_, std::move(keep));
  hub->api_->SetKeeper(hub->keeper_.get());
  auto privacy = privacy::Privacy::Open(*hub->db_);
  if (!privacy.ok()) return privacy.status().Prefixed(hub->db_->name());
  hub->privacy_ = std::move(*privacy);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  hub->exporter_ = std::make_unique<privacy::Exporter>(*hub->store_, *hub->privacy_,
                                                       std::string(host) + ":" + std::to_string(getpid()));
  // An export asks the tools too, through the connectors that have subject (sync.h).
  hub->exporter_->SetAtSource({[h = hub.get()] {
                                 std::vector<std::string> ids;
                                 for (const auto& e : h->sources_->All())
                                   if (e.config->enabled) ids.push_back(e.config->id);
                                 return ids;
                               },
                               [h = hub.get()](const std::string& id, const json& subject,
                                               const std::function<Status(json &&)>& each) -> Result<bool> {
                                 auto e = h->sources_->Find(id);
                                 if (!e) return false;  // removed since
                                 return AskSubject(h->config_, *e->config, subject, each);
                               }});
  hub->api_->SetPrivacy(hub->privacy_.get(), hub->exporter_.get());
  return hub;
}

Status Hub::OpenPostman() {
  const HubConfig& c = config_;
  auto outbox = notify::Outbox::Open(*db_);
  if (!outbox.ok()) return outbox.status().Prefixed(db_->name());
  outbox_ = std::move(*outbox);
  notify::PostmanSettings settings;
  settings.mail = *c.mail;
  auto password = ResolveSecrets(json(c.mail->password), "mail.password");
  if (!password.ok()) return password.status().Prefixed(c.file);
  settings.mail.password = password->get<std::string>();
  settings.hub_url = c.mail->hub_url;
  if (settings.hub_url.empty()) {
    settings.hub_url = "http://" + c.address + ":" + std::to_string(c.port);
    spdlog::warn(
        "{}: mail.hub_url is not set: the links in mail say {}, which members' phones cannot open; set it to "
        "where members open the hub (https://hub.coop.example)",
        c.file, settings.hub_url);
  }
  const Services& services = api_->services();
  settings.zone = services.time_zone;
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  settings.replica = std::string(host) + ":" + std::to_string(getpid());
  settings.visible_to = [](Role role) { return VisibleTo(role); };
  if (matcher_) {
    settings.waiting = [&services](const User& user, const std::string& lang) {
      Principal who;
      who.user_id = user.id;
      who.name = user.name;
      who.role = user.role;
      who.lang = lang;
      std::vector<notify::WaitingLine> out;
      auto work = WorkOf(services, who, 20);
      if (!work.ok()) return out;
      Dates dates(lang, services.time_zone, services.catalogs.Text(lang, "when.day_time"));
      for (const auto& item : work->items)
        if (item.offer) out.push_back({item.title, dates.Range(item.start, item.end, NowUnix())});
      return out;
    };
    settings.offers_since = [this](int64_t after) {
      std::vector<notify::OfferNews> out;
      auto offers = offers_->OpenSince(after, 500);
      auto snap = matcher_->Current();
      if (!offers.ok() || !snap.ok()) return out;
      const matching::Snapshot& s = **snap;
      for (const auto& o : *offers) {
        notify::OfferNews n;
        n.id = o.id;
        for (const auto& [account, uid] : s.person_by_account)
          if (uid == o.person) n.account = account;
        if (auto at = s.request_at.find(o.request); at != s.request_at.end()) {
          const matching::Request& r = s.requests[at->second];
          n.title = r.title;
          n.start = r.window.start;
          n.end = r.window.end;
          n.area = r.postcode;
        }
        if (!n.account.empty()) out.push_back(std::move(n));
      }
      return out;
    };
  }
  postman_ = std::make_unique<notify::Postman>(*store_, *accounts_, *outbox_, services.catalogs, std::move(settings));
  return Status::Ok();
}

Status Hub::OpenWebhooks() {
  auto hooks = notify::HookStore::Open(*db_);
  if (!hooks.ok()) return hooks.status().Prefixed(db_->name());
  hooks_ = std::move(*hooks);
  notify::DispatcherSettings settings;
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  settings.replica = std::string(host) + ":" + std::to_string(getpid());
  settings.hub_url = config_.mail && !config_.mail->hub_url.empty()
                         ? config_.mail->hub_url
                         : "http://" + config_.address + ":" + std::to_string(config_.port);
  settings.policy = config_.api_sources;  // an admin's URL, reached as an editor's source would be
  if (offers_ && matcher_) {
    settings.accepted = [this] {
      std::vector<notify::AcceptedOffer> out;
      auto accepted = offers_->Accepted();
      auto snap = matcher_->Current();
      if (!accepted.ok() || !snap.ok()) return out;
      for (const auto& [request, a] : *accepted) {
        notify::AcceptedOffer o{a.offer_id, request, "", a.person_id, a.accepted_ms};
        if (auto at = (*snap)->request_at.find(request); at != (*snap)->request_at.end())
          o.request_title = (*snap)->requests[at->second].title;
        out.push_back(std::move(o));
      }
      return out;
    };
  }
  dispatcher_ = std::make_unique<notify::Dispatcher>(*store_, *hooks_, std::move(settings));
  api_->SetWebhooks(hooks_.get(), dispatcher_.get());
  return Status::Ok();
}

void Hub::Start() {
  if (scheduler_) scheduler_->Start();
  if (postman_) postman_->Start();
  if (dispatcher_) dispatcher_->Start();
  if (keeper_) keeper_->Start();
  if (exporter_) exporter_->Start();
  if (db_->dialect() == sql::Dialect::kPostgres) follower_ = std::thread([this] { Follow(); });
}

void Hub::Follow() {
  bool failing = false;  // said once, not every 2 s while the store is away
  for (;;) {
    {
      MutexLock lock(follow_mu_);
      if (!stopping_) lock.WaitFor(follow_cv_, std::chrono::milliseconds(kFollowMs));
      if (stopping_) return;
    }
    auto changes = sources_->Reload();
    Status s = changes.ok() ? dashboards_->Reload() : changes.status();
    if (!s.ok()) {
      if (!failing) spdlog::warn("sources and dashboards: cannot read them from the store: {}", s.message());
      failing = true;
      continue;
    }
    failing = false;
    if (!scheduler_) continue;
    for (const auto& c : changes->put) scheduler_->Put(c, /*saved_here=*/false);  // the other replica runs it
    for (const auto& id : changes->removed) scheduler_->Remove(id);
  }
}

Hub::~Hub() {
  keeper_.reset();    // a backup it is taking ends first
  exporter_.reset();  // and an export it is building
  postman_.reset();   // its thread uses the store and the API's words
  dispatcher_.reset();
  {
    MutexLock lock(follow_mu_);
    stopping_ = true;
  }
  follow_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
  if (scheduler_) scheduler_->Stop();
  if (store_) store_->Flush();
}

}  // namespace coophub::app
