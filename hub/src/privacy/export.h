// SPDX-License-Identifier: Apache-2.0
//
// A member's export: one ZIP archive (a ZIP, not a tar.gz, because members open it by a
// double click on any phone or desktop) of
//   README.md     what each file and field is;
//   account.json  the account part: account, sessions and tokens (metadata), choices,
//                 visits, audit entries, matching profile, offers, notices, identities;
//   records.json  every record linked to the member, with its source, visibility and
//                 how long the hub keeps it;
//   records.csv   the same records, a row each, for a spreadsheet.
// The records are read from the store a page at a time and written through libarchive
// straight into the sink, so an export of any size is never held whole in memory.
//
// The Exporter builds queued exports on a thread of its own, in chunks of the store
// (privacy.h), so that any replica serves the link.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "model/protocol.h"
#include "privacy/privacy.h"
#include "store/store.h"

namespace coophub::privacy {

// Each record that names one of names, whatever its visibility, in uid order, read from
// the store a page at a time: what "my data", an export and an erasure's preview walk.
Status ForEachLinked(Store& store, const std::vector<std::string>& names, const std::function<Status(json&)>& each);

// A record as a member's data lists it (the page, the API, the archive): where it is,
// what it is, who sees it and how long it is kept. sources is what the account part
// says of them: {id: {"name", "retention" ("source" | "90d"), "kept" (in words)}}.
json RecordItem(const json& record, const json& sources);

struct ArchiveStats {
  int64_t records = 0, bytes = 0;
};

// Writes the archive of the member whose names are `names` to sink (called with the
// archive's bytes in order). about is the account part (account.json).
Result<ArchiveStats> WriteArchive(Store& store, const json& about, const std::vector<std::string>& names,
                                  const std::function<Status(std::string_view)>& sink);

class Exporter {
 public:
  // who: this replica, in the claims. names_of gives a member's names (Privacy::NamesOf).
  Exporter(Store& store, Privacy& privacy, std::string who);
  ~Exporter();  // stops the thread, after the export it is building
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  void Start();
  void Wake();  // an export was asked for
  // Claims and builds one queued export now: whether there was one.
  Result<bool> BuildOne(int64_t now_ms);

 private:
  void Loop();

  Store& store_;
  Privacy& privacy_;
  const std::string who_;
  std::thread thread_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
};

}  // namespace coophub::privacy
