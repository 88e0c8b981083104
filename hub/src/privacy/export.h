// SPDX-License-Identifier: Apache-2.0
//
// A member's export: one ZIP archive (a ZIP, not a tar.gz, because members open it by a
// double click on any phone or desktop) of
//   README.md     what each file and field is;
//   account.json  the account part: account, sessions and tokens (metadata), choices,
//                 visits, audit entries, matching profile, offers, notices, identities;
//   records.json  every record linked to the member, with its source, visibility and
//                 how long the hub keeps it;
//   records.csv   the same records, a row each, for a spreadsheet;
//   at_source/SOURCE.json  what a source tool itself holds about the member, from the
//                 connectors that have the optional subject operation (AtSource).
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
  int64_t at_source = 0;  // records the source tools gave (subject), not in the store
};

// Who can say what the source tools hold about a person: the app gives it, as it knows
// the sources and how to run their connectors (sync.h's AskSubject).
struct AtSource {
  std::function<std::vector<std::string>()> sources;  // the sources to ask, in order
  // Runs source's subject for subject ({"account", "identities"}), each record to each:
  // false when its connector has no such operation.
  std::function<Result<bool>(const std::string& source, const json& subject, const std::function<Status(json&&)>& each)>
      ask;
};

// Writes the archive of the member whose names are `names` to sink (called with the
// archive's bytes in order). about is the account part (account.json). With at_source,
// each source whose connector answers subject (the member's account name and confirmed
// identities, from about) gets at_source/SOURCE.json; a source that fails has its error
// there, and the rest of the archive is made all the same.
Result<ArchiveStats> WriteArchive(Store& store, const json& about, const std::vector<std::string>& names,
                                  const std::function<Status(std::string_view)>& sink,
                                  const AtSource* at_source = nullptr);

class Exporter {
 public:
  // who: this replica, in the claims. names_of gives a member's names (Privacy::NamesOf).
  Exporter(Store& store, Privacy& privacy, std::string who);
  ~Exporter();  // stops the thread, after the export it is building
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Before Start: ask the source tools too (WriteArchive's at_source).
  void SetAtSource(AtSource at_source) { at_source_ = std::move(at_source); }
  void Start();
  void Wake();  // an export was asked for
  // Claims and builds one queued export now: whether there was one.
  Result<bool> BuildOne(int64_t now_ms);

 private:
  void Loop();

  Store& store_;
  Privacy& privacy_;
  const std::string who_;
  AtSource at_source_;
  std::thread thread_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
};

}  // namespace coophub::privacy
