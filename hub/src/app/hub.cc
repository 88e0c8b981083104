// SPDX-License-Identifier: Apache-2.0
// The composition root; see hub.h.
#include "app/hub.h"

namespace coophub::app {

Result<std::unique_ptr<Hub>> Hub::Open(HubConfig config, const HubOptions& options) {
  std::unique_ptr<Hub> hub(new Hub(std::move(config)));
  const HubConfig& c = hub->config_;
  auto store = OpenSqliteStore({c.StorePath(), options.readers});
  if (!store.ok()) return store.status();
  hub->store_ = std::move(*store);
  auto accounts = OpenSqliteAccounts(c.StorePath());
  if (!accounts.ok()) return accounts.status();
  hub->accounts_ = std::move(*accounts);
  auto sources = OpenSources(c);
  if (!sources.ok()) return sources.status().Prefixed(c.StorePath());
  hub->sources_ = std::move(*sources);
  auto dashboards = OpenDashboards(c.dashboards, c.StorePath());
  if (!dashboards.ok()) return dashboards.status().Prefixed(c.StorePath());
  hub->dashboards_ = std::move(*dashboards);
  if (options.scheduler) hub->scheduler_ = std::make_unique<Scheduler>(*hub->store_, c);
  for (const auto& e : hub->sources_->All()) {
    if (e.from_file && e.overridden.empty()) continue;  // hub.yaml's are the scheduler's already
    if (!e.from_file) ++hub->api_sources_;
    if (hub->scheduler_) hub->scheduler_->Put(e.config);  // an API source, or hub.yaml's as overridden
  }
  hub->api_ = std::make_unique<Api>(*hub->store_, hub->scheduler_.get(), c, options.web_dir, hub->accounts_.get());
  hub->api_->SetSources(hub->sources_.get());
  hub->api_->SetDashboards(hub->dashboards_.get());
  return hub;
}

void Hub::Start(bool sync_on_start) {
  if (scheduler_) scheduler_->Start(sync_on_start);
}

Hub::~Hub() {
  if (scheduler_) scheduler_->Stop();
  if (store_) store_->Flush();
}

}  // namespace coophub::app
