// SPDX-License-Identifier: Apache-2.0
//
// A member's export (privacy.h): the archive of a member linked to 10,000 records of a
// 200,000-record SQLite store (300-byte records, one in twenty naming her by the address
// she claimed and an admin confirmed), built as the
// Exporter builds it (ZIP through libarchive into the store's chunks). The baseline,
// measured in the same run, is reading the same records from the store by her names
// alone: what the archive adds is the JSON, the CSV, deflate and the chunks' writes.
// Prints "name value" lines for bench/run.sh.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "accounts/accounts.h"
#include "model/protocol.h"
#include "privacy/export.h"
#include "privacy/privacy.h"
#include "store/sql.h"
#include "store/store.h"

namespace {

using namespace coophub;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().message().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 200000, every = argc > 2 ? std::atoll(argv[2]) : 20;
  std::string tmpl = (fs::temp_directory_path() / "coophub-privacy-bench-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data()), path = dir + "/coophub.db";
  {
    auto store = Must(OpenSqliteStore({path, 2, 0}), "store");
    const std::string pad(200, 'x');
    Clock::time_point t0 = Clock::now();
    for (int64_t at = 0; at < n;) {
      WriteBatch b;
      b.source = at % 3 == 0 ? "rota" : at % 3 == 1 ? "chat" : "decisions";
      for (int i = 0; i < 5000 && at < n; ++i, ++at) {
        json r = {{"id", std::to_string(at)},
                  {"kind", "message"},
                  {"title", "Message " + std::to_string(at)},
                  {"summary", pad},
                  {"time", "2026-01-01T00:00:00Z"},
                  {"people", {at % every == 0 ? "Ana Lima <ana@coop.example>" : "bob", "carla"}}};
        b.upserts.push_back(NormalizeRecord(r, b.source, "s", "members").value());
      }
      if (!store->Write(std::move(b)).get().ok()) return 1;
    }
    std::printf("fill_records %lld\nfill_s %.2f\n", static_cast<long long>(n), Seconds(t0));
    auto db = sql::SqliteDatabase(path);
    auto accounts = Must(OpenAccounts(*db), "accounts");
    User ana = Must(accounts->AddUser("ana", std::nullopt, Role::kViewer), "user");
    auto privacy = Must(privacy::Privacy::Open(*db), "privacy");
    // Her address, as the records give it, confirmed as hers.
    auto claim = Must(privacy->Claim(ana.id, "email", "ana@coop.example"), "claim");
    Must(privacy->Decide(claim.id, true, "admin"), "confirm");
    std::vector<std::string> names = Must(privacy->NamesOf(ana.id), "names");

    // The baseline: her records read from the store, a page of 500 at a time.
    t0 = Clock::now();
    int64_t read = 0, after = 0;
    for (;;) {
      RecordPage page = Must(store->LinkedRecords(names, after, 500), "read");
      read += page.count;
      if (page.next_cursor.empty()) break;
      after = std::stoll(page.next_cursor);
    }
    const double read_s = Seconds(t0);

    Must(privacy->RequestExport(ana.id, "ana", json{{"account", {{"name", "ana"}}}}.dump()), "request");
    privacy::Exporter exporter(*store, *privacy, "bench");
    t0 = Clock::now();
    if (!Must(exporter.BuildOne(0), "export")) return 1;
    const double export_s = Seconds(t0);
    auto job = Must(privacy->Exports(ana.id), "exports").at(0);
    if (job.status != "ready") {
      std::fprintf(stderr, "export %s: %s\n", job.status.c_str(), job.error.c_str());
      return 1;
    }
    std::printf("linked_records %lld\nread_s %.3f\nexport_s %.3f\nexport_records %lld\nexport_bytes %lld\n",
                static_cast<long long>(read), read_s, export_s, static_cast<long long>(job.records),
                static_cast<long long>(job.size));
  }
  fs::remove_all(dir);
  return 0;
}
