// SPDX-License-Identifier: Apache-2.0
// A member's export archive and the thread that builds them; see export.h.
#include "privacy/export.h"

#include <archive.h>
#include <archive_entry.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "base/timeutil.h"

namespace coophub::privacy {
namespace {

constexpr int kPage = 500;  // records read from the store at a time

constexpr const char* kReadme = R"(# Your data in this hub

This archive holds what the hub keeps about you, as it was when the archive was made.

| file | what it holds |
|---|---|
| `account.json` | your account (name, role, e-mail address, language, when it was made); your sessions and API tokens (when made, when used, when they expire: never their secrets); your notification choices; your visits; the audit entries you made and those about you; your matching profile, offers and notifications; the identities you claimed (addresses, handles, directory ids) and whether an admin confirmed them; the sources the records below came from and how long each is kept |
| `records.json` | every record that names you (by your account name or a confirmed identity), one object each |
| `records.csv` | the same records, one row each, for a spreadsheet |
| `at_source/SOURCE.json` | what a source tool itself holds about you, asked of it by your account name and confirmed identities when the archive was made (only for tools whose connector can answer): `records` as the tool gave them, and `error` when it could not answer |

## The fields of a record

| field | meaning |
|---|---|
| `uid` | the record's number in this hub |
| `source`, `source_name` | the tool it came from, as the hub names it |
| `stream`, `id` | where it is in that tool |
| `kind` | post, event, person, task, transaction, decision, resource, message, metric or other |
| `title`, `time`, `url` | what it is called, its main time (UTC), its address in the tool |
| `visibility` | who in the hub may see it: public (anyone), members (signed-in members) or admins |
| `retention`, `kept` | how long the hub keeps it: `source` (while the source has it) or a time after its own date (`90d`), then the same in words |
| `record` (JSON only) | the whole record as the hub stores it |

The hub holds copies: the source tools hold the originals. To have something removed
for good, ask the hub's admins for an erasure, and ask the tool's own admins as well.
)";

// A CSV cell: quoted when it must be, and a leading = + - @ disarmed, so that a
// spreadsheet shows a record's title rather than running it as a formula.
void AppendCell(std::string* out, std::string_view v) {
  std::string cell;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) cell = "'";
  cell += v;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    *out += cell;
    return;
  }
  *out += '"';
  for (char c : cell) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// libarchive writing into a sink: a ZIP whose entries need not know their size (a data
// descriptor follows each), deflated.
class ZipWriter {
 public:
  explicit ZipWriter(const std::function<Status(std::string_view)>& sink) : sink_(sink), a_(archive_write_new()) {}
  ~ZipWriter() { archive_write_free(a_); }
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  Status Open() {
    if (archive_write_set_format_zip(a_) != ARCHIVE_OK || archive_write_set_bytes_per_block(a_, 0) != ARCHIVE_OK ||
        archive_write_open(a_, this, nullptr, &ZipWriter::Write, nullptr) != ARCHIVE_OK)
      return Error("open");
    return Status::Ok();
  }
  Status Begin(const char* path) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(e.get(), path);
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), NowMs() / 1000, 0);
    archive_entry_unset_size(e.get());
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) return Error(path);
    return Status::Ok();
  }
  Status Data(std::string_view bytes) {
    if (!bytes.empty() && archive_write_data(a_, bytes.data(), bytes.size()) < 0) return Error("data");
    return sink_error_;
  }
  Status Close() {
    if (archive_write_close(a_) != ARCHIVE_OK) return Error("close");
    return sink_error_;
  }
  int64_t bytes() const { return bytes_; }

 private:
  static la_ssize_t Write(archive*, void* self, const void* buf, size_t n) {
    auto* w = static_cast<ZipWriter*>(self);
    if (!w->sink_error_.ok()) return -1;
    w->sink_error_ = w->sink_(std::string_view(static_cast<const char*>(buf), n));
    if (!w->sink_error_.ok()) return -1;
    w->bytes_ += static_cast<int64_t>(n);
    return static_cast<la_ssize_t>(n);
  }
  Status Error(const std::string& what) {
    if (!sink_error_.ok()) return sink_error_;
    const char* e = archive_error_string(a_);
    return Status::Internal("the export archive (" + what + "): " + (e ? e : "libarchive failed"));
  }

  const std::function<Status(std::string_view)>& sink_;
  archive* a_;
  Status sink_error_;
  int64_t bytes_ = 0;
};

// The person a connector's subject is asked about: the account name and the confirmed
// identities in the account part.
json SubjectOf(const json& about) {
  json subject = {{"account", about.contains("account") && about["account"].is_object() ? Str(about["account"], "name")
                                                                                        : std::string()},
                  {"identities", json::array()}};
  if (about.contains("identities") && about["identities"].is_array())
    for (const auto& i : about["identities"])
      if (i.is_object() && Str(i, "status") == "confirmed")
        subject["identities"].push_back({{"kind", Str(i, "kind")}, {"value", Str(i, "value")}});
  return subject;
}

// at_source/SOURCE.json for each source whose connector answers subject. An entry is
// begun at its first record (or at the end, for an error or an empty answer), so that a
// source without the operation leaves no file.
Result<int64_t> WriteAtSource(ZipWriter& zip, const AtSource& at, const json& about) {
  const json subject = SubjectOf(about);
  const json sources = about.contains("sources") ? about["sources"] : json::object();
  int64_t total = 0;
  for (const std::string& source : at.sources()) {
    const std::string path = "at_source/" + source + ".json";
    const json* s = sources.contains(source) ? &sources[source] : nullptr;
    std::string buf;
    bool begun = false, first = true;
    auto begin = [&]() -> Status {
      if (begun) return Status::Ok();
      begun = true;
      if (Status st = zip.Begin(path.c_str()); !st.ok()) return st;
      json head = {{"source", source},
                   {"source_name", s ? s->value("name", source) : source},
                   {"asked", FormatRfc3339(NowMs())},
                   {"asked_for", subject}};
      std::string text = head.dump(-1, ' ', false, json::error_handler_t::replace);
      text.pop_back();  // the object stays open for its records
      buf = text + ",\"records\": [";
      return Status::Ok();
    };
    Status written;  // the archive's own failure (the sink): ends the export
    auto asked = at.ask(source, subject, [&](json&& record) -> Status {
      if (Status st = begin(); !st.ok()) return written = st;
      ++total;
      buf += first ? "\n" : ",\n";
      first = false;
      buf += record.dump(-1, ' ', false, json::error_handler_t::replace);
      if (buf.size() < 256 * 1024) return Status::Ok();
      written = zip.Data(buf);
      buf.clear();
      return written;
    });
    if (!written.ok()) return written;
    if (asked.ok() && !*asked && !begun) continue;  // no subject operation
    std::string error;
    if (!asked.ok()) {
      error = asked.status().message();
      spdlog::warn("export: what {} holds could not be asked: {}", source, error);
    }
    if (Status st = begin(); !st.ok()) return st;
    buf += "\n], \"error\": " + (error.empty() ? std::string("null") : json(error).dump()) + "}\n";
    if (Status st = zip.Data(buf); !st.ok()) return st;
  }
  return total;
}

}  // namespace

Status ForEachLinked(Store& store, const std::vector<std::string>& names, const std::function<Status(json&)>& each) {
  for (int64_t after = 0;;) {
    auto page = store.LinkedRecords(names, after, kPage);
    if (!page.ok()) return page.status();
    for (auto& r : page->Items())
      if (Status s = each(r); !s.ok()) return s;
    if (page->next_cursor.empty()) return Status::Ok();
    after = std::stoll(page->next_cursor);
  }
}

json RecordItem(const json& r, const json& sources) {
  const std::string source = Str(r, "source");
  const json* s = sources.contains(source) ? &sources[source] : nullptr;
  auto uid = r.find("uid");
  return {{"uid", uid != r.end() && uid->is_number_integer() ? uid->get<int64_t>() : 0},
          {"source", source},
          {"source_name", s ? s->value("name", source) : source},
          {"stream", Str(r, "stream")},
          {"id", Str(r, "id")},
          {"kind", Str(r, "kind")},
          {"title", Str(r, "title")},
          {"time", Str(r, "time")},
          {"url", Str(r, "url")},
          {"visibility", Str(r, "visibility")},
          {"retention", s ? s->value("retention", "source") : "source"},
          {"kept", s ? s->value("kept", "") : ""}};
}

Result<ArchiveStats> WriteArchive(Store& store, const json& about, const std::vector<std::string>& names,
                                  const std::function<Status(std::string_view)>& sink, const AtSource* at_source) {
  ZipWriter zip(sink);
  const json sources = about.contains("sources") ? about["sources"] : json::object();
  if (Status s = zip.Open(); !s.ok()) return s;
  if (Status s = zip.Begin("README.md"); !s.ok()) return s;
  if (Status s = zip.Data(kReadme); !s.ok()) return s;
  if (Status s = zip.Begin("account.json"); !s.ok()) return s;
  if (Status s = zip.Data(about.dump(1, ' ', false, json::error_handler_t::replace) + "\n"); !s.ok()) return s;

  if (Status s = zip.Begin("records.json"); !s.ok()) return s;
  std::string buf = "[";
  bool first = true;
  int64_t count = 0;
  Status listed = ForEachLinked(store, names, [&](json& record) -> Status {
    ++count;
    json item = RecordItem(record, sources);
    item["record"] = std::move(record);
    buf += first ? "\n" : ",\n";
    first = false;
    buf += item.dump(-1, ' ', false, json::error_handler_t::replace);
    if (buf.size() < 256 * 1024) return Status::Ok();
    Status s = zip.Data(buf);
    buf.clear();
    return s;
  });
  if (!listed.ok()) return listed;
  buf += "\n]\n";
  if (Status s = zip.Data(buf); !s.ok()) return s;

  if (Status s = zip.Begin("records.csv"); !s.ok()) return s;
  static constexpr const char* kColumns[] = {"uid",   "source", "source_name", "stream",     "id",  "kind",
                                             "title", "time",   "url",         "visibility", "kept"};
  buf.clear();
  for (const char* c : kColumns) buf += std::string(buf.empty() ? "" : ",") + c;
  buf += "\r\n";
  listed = ForEachLinked(store, names, [&](json& record) -> Status {
    const json item = RecordItem(record, sources);
    bool first_cell = true;
    for (const char* c : kColumns) {
      if (!first_cell) buf += ',';
      first_cell = false;
      const json& v = item[c];
      AppendCell(&buf, v.is_string() ? v.get<std::string>() : v.dump());
    }
    buf += "\r\n";
    if (buf.size() < 256 * 1024) return Status::Ok();
    Status s = zip.Data(buf);
    buf.clear();
    return s;
  });
  if (!listed.ok()) return listed;
  if (Status s = zip.Data(buf); !s.ok()) return s;
  int64_t held = 0;
  if (at_source && at_source->sources && at_source->ask) {
    auto asked = WriteAtSource(zip, *at_source, about);
    if (!asked.ok()) return asked.status();
    held = *asked;
  }
  if (Status s = zip.Close(); !s.ok()) return s;
  return ArchiveStats{count, zip.bytes(), held};
}

Exporter::Exporter(Store& store, Privacy& privacy, std::string who)
    : store_(store), privacy_(privacy), who_(std::move(who)) {}

Exporter::~Exporter() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Exporter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Exporter::Wake() {
  {
    MutexLock lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<bool> Exporter::BuildOne(int64_t now_ms) {
  auto job = privacy_.ClaimExport(who_, now_ms);
  if (!job.ok()) return job.status();
  if (!*job) return false;
  const ExportJob& e = **job;
  auto built = [&]() -> Result<ArchiveStats> {
    auto names = privacy_.NamesOf(e.user_id);
    if (!names.ok()) return names.status();
    json about = json::parse(e.about, nullptr, false);
    if (about.is_discarded()) about = json::object();
    // Chunks of the archive as it is written: never more than one in memory.
    std::string chunk;
    int64_t n = 0;
    auto sink = [&](std::string_view bytes) -> Status {
      chunk += bytes;
      if (chunk.size() < kExportChunkBytes) return Status::Ok();
      Status s = privacy_.AppendChunk(e.id, n++, chunk);
      chunk.clear();
      return s;
    };
    auto stats = WriteArchive(store_, about, *names, sink, &at_source_);
    if (!stats.ok()) return stats.status();
    if (!chunk.empty())
      if (Status s = privacy_.AppendChunk(e.id, n, chunk); !s.ok()) return s;
    return *stats;
  }();
  if (!built.ok()) spdlog::error("export {}: {}", e.id, built.status().message());
  Status s = built.ok() ? privacy_.FinishExport(e.id, built->bytes, built->records, "", NowMs())
                        : privacy_.FinishExport(e.id, 0, 0, built.status().message(), NowMs());
  if (!s.ok()) return s;
  return true;
}

void Exporter::Loop() {
  for (;;) {
    {
      MutexLock lock(mu_);
      // Woken by a request here; every 5 s, for those another replica queued.
      const int64_t until = NowMs() + 5000;
      while (!stopping_ && !woken_ && NowMs() < until)
        lock.WaitFor(cv_, std::chrono::milliseconds(std::max<int64_t>(1, until - NowMs())));
      if (stopping_) return;
      woken_ = false;
    }
    for (;;) {
      auto built = BuildOne(NowMs());
      if (!built.ok()) spdlog::error("export: {}", built.status().message());
      if (!built.ok() || !*built) break;
      MutexLock lock(mu_);
      if (stopping_) return;
    }
    (void)privacy_.PruneExports(NowMs());
  }
}

}  // namespace coophub::privacy
