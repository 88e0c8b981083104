// SPDX-License-Identifier: Apache-2.0
//
// Backups of a 1,000,000-record SQLite store (300-byte records), against a plain copy
// of the same file measured in the same run (`cp` of a store no one writes: the floor a
// consistent online copy can approach), and the restore's check of it (hash,
// integrity_check, counts). Prints "name value" lines for bench/run.sh. The backup does
// more than the copy: pages through SQLite's pager under a snapshot, then the file's
// BLAKE2b (about 1.4 s a GB here) and the counts; the target, 4x the copy, leaves it that.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "config/config.h"
#include "model/protocol.h"
#include "store/store.h"
#include "upkeep/backup.h"

namespace {

using namespace coophub;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void Fill(const std::string& path, int64_t n) {
  auto store = OpenSqliteStore({path, 1, 0});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    std::exit(1);
  }
  const std::string pad(200, 'x');
  for (int64_t at = 0; at < n;) {
    WriteBatch b;
    b.source = "bench";
    for (int i = 0; i < 5000 && at < n; ++i, ++at) {
      json r = {{"id", std::to_string(at)},
                {"kind", "message"},
                {"title", "Message " + std::to_string(at)},
                {"summary", pad},
                {"time", "2026-01-01T00:00:00Z"}};
      b.upserts.push_back(NormalizeRecord(r, "bench", "talk", "members").value());
    }
    if (!(*store)->Write(std::move(b)).get().ok()) std::exit(1);
  }
  (*store)->ReleaseMemory();  // the WAL folded into the file: one file to copy
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  std::string tmpl = (fs::temp_directory_path() / "coophub-upkeep-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  HubConfig c;
  c.data_dir = dir + "/data";
  fs::create_directories(c.data_dir);
  Fill(c.StorePath(), n);
  ::sync();

  auto t0 = Clock::now();
  fs::copy_file(c.StorePath(), dir + "/plain-copy.db");
  ::sync();
  double copy_s = Seconds(t0);
  fs::remove(dir + "/plain-copy.db");

  t0 = Clock::now();
  auto made = upkeep::Backup(c, {.dir = dir + "/backups"});
  ::sync();
  double backup_s = Seconds(t0);
  if (!made.ok()) {
    std::fprintf(stderr, "backup: %s\n", made.status().message().c_str());
    return 1;
  }
  t0 = Clock::now();
  auto checked = upkeep::Verify(made->folder);
  double verify_s = Seconds(t0);
  if (!checked.ok()) {
    std::fprintf(stderr, "verify: %s\n", checked.status().message().c_str());
    return 1;
  }
  std::printf("backup_records %lld\n", static_cast<long long>(checked->counts.at("records")));
  std::printf("backup_store_mb %.0f\n", static_cast<double>(made->manifest.bytes) / (1 << 20));
  std::printf("backup_plain_copy_s %.2f\n", copy_s);
  std::printf("backup_online_s %.2f\n", backup_s);
  std::printf("backup_ratio %.2f\n", backup_s / copy_s);
  std::printf("backup_verify_s %.2f\n", verify_s);
  fs::remove_all(dir);
  return 0;
}
