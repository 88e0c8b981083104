// SPDX-License-Identifier: Apache-2.0
// The connector-to-store pipeline; see sync.h.
#include "sync/sync.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "base/timeutil.h"
#include "runtime/plugin_paths.h"

namespace coophub {
namespace {

// text with every secret value in it replaced by [secret]: a connector's message may
// quote a URL or a header it was given.
std::string Redacted(std::string text, const std::vector<std::string>* secrets) {
  if (!secrets) return text;
  for (const auto& s : *secrets) {
    if (s.size() < 4) continue;  // too short to tell from ordinary words
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 8))
      text.replace(at, s.size(), "[secret]");
  }
  return text;
}
std::string Redacted(std::string text, const std::vector<std::string>& secrets) {
  return Redacted(std::move(text), &secrets);
}

constexpr size_t kMaxBatchFile = size_t{256} << 20;  // one Singer BATCH file, decompressed

// Turns a run's messages into write batches for one source.
class Ingest {
 public:
  Ingest(Store& store, const SourceConfig& src, int64_t run_id, const SyncOptions& o)
      : store_(store), src_(src), run_id_(run_id), opts_(o) {
    if (src_.retention_ms > 0) too_old_before_ = FormatRfc3339((NowMs() - src_.retention_ms) / 1000);
    batch_.source = src.id;
    batch_.run_id = run_id;
  }

  Status OnMessage(Message&& m) {
    switch (m.type) {
      case MsgType::kRecord:
        return OnRecord(m);
      case MsgType::kDelete:
        batch_.deletes.emplace_back(m.stream, m.id);
        return MaybeFlush();
      case MsgType::kState:
        if (m.singer_state)  // Singer: one state for the whole tap
          batch_.state = {"_singer", m.body["value"].dump()};
        else
          batch_.state = {m.stream, m.body["state"].dump()};
        return Submit();
      case MsgType::kSingerSchema:
        singer_keys_[m.stream] = std::move(m.key_properties);
        return Status::Ok();
      case MsgType::kActivateVersion:
        batch_.activations.emplace_back(m.stream, m.table_version);
        return Submit();
      case MsgType::kSingerBatch:
        return OnBatch(m);
      case MsgType::kLog:
        store_.AppendRunLog(run_id_, m.level, Redacted(std::move(m.message), secrets_));
        return Status::Ok();
      case MsgType::kError:
        store_.AppendRunLog(run_id_, "error", Redacted(std::move(m.message), secrets_));
        return Status::Ok();
      case MsgType::kProgress:
        if (opts_.on_progress) opts_.on_progress(m.done, m.total);
        return Status::Ok();
      default:
        return Status::Ok();
    }
  }

  // Submits what is pending and waits for every write; the first failure wins.
  Status Finish() {
    if (too_old_ > 0)
      store_.AppendRunLog(run_id_, "info",
                          std::to_string(too_old_) + " record(s) older than the source's retention were left out");
    Status s = Submit();
    while (!inflight_.empty()) {
      Status w = Collect();
      if (s.ok()) s = w;
    }
    if (suppressed_ > 0)
      store_.AppendRunLog(
          run_id_, "info",
          std::to_string(suppressed_) + " record(s) naming an erased member were left out (docs/privacy.md)");
    return s;
  }

  // Resolved secret values to scrub from what the connector says before it is kept.
  void SetSecrets(const std::vector<std::string>* secrets) { secrets_ = secrets; }
  // Whether BATCH messages' files are read: for Singer taps only, which are hub.yaml's
  // and trusted with the hub's files; a plugin must not name files for the hub to read.
  void AllowBatchFiles(bool allow) { batch_files_ = allow; }
  int64_t received() const { return received_; }
  const WriteStats& stats() const { return stats_; }

 private:
  // Singer's BATCH: the stream's records, one JSON object a line, in files the tap wrote
  // (gzip or plain: zlib reads both). Each line is a RECORD's record.
  Status OnBatch(const Message& m) {
    if (!batch_files_)
      return Status::Invalid("BATCH is read from Singer taps (singer:) only: a plugin or exec connector sends RECORDs");
    for (const auto& name : m.files) {
      std::string path = name.rfind("file://", 0) == 0 ? name.substr(7) : name;
      if (path.find("://") != std::string::npos)
        return Status::Invalid("BATCH file \"" + name + "\": only local files (file://) can be read");
      gzFile f = gzopen(path.c_str(), "rb");
      if (!f) return Status::Invalid("BATCH file \"" + path + "\" cannot be opened: " + std::strerror(errno));
      std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(f, gzclose);
      std::string text;
      char buf[65536];
      int n;
      while ((n = gzread(f, buf, sizeof buf)) > 0) {
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxBatchFile)
          return Status::Invalid("BATCH file \"" + path + "\" holds more than " + std::to_string(kMaxBatchFile >> 20) +
                                 " MiB: make the tap's batch size smaller");
      }
      if (n < 0) return Status::Invalid("BATCH file \"" + path + "\" is neither gzip nor text that can be read");
      int64_t line_no = 0;
      for (size_t at = 0; at < text.size();) {
        size_t nl = std::min(text.find('\n', at), text.size());
        std::string_view line(text.data() + at, nl - at);
        at = nl + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        std::string where = "BATCH file \"" + path + "\" line " + std::to_string(line_no);
        json row = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!row.is_object()) return Status::Invalid(where + ": not a JSON object");
        Message rec{MsgType::kRecord, m.stream, json{{"record", std::move(row)}}};
        if (Status s = OnRecord(rec); !s.ok()) return s.Prefixed(where);
      }
    }
    return Status::Ok();
  }

  Status OnRecord(const Message& m) {
    const json* rec = &m.body["record"];
    json wrapped;
    if (auto it = singer_keys_.find(m.stream); it != singer_keys_.end()) {
      wrapped = FromSingerRecord(*rec, it->second);
      rec = &wrapped;
    }
    auto r = NormalizeRecord(*rec, src_.id, m.stream, src_.visibility);
    if (!r.ok()) return r.status().Prefixed("RECORD in stream \"" + m.stream + "\"");
    r->table_version = m.table_version;
    ++received_;
    // Older than the source's retention: kept out, as the pruning took it out.
    if (!too_old_before_.empty() && !r->time.empty() && r->time < too_old_before_) {
      ++too_old_;
      return Status::Ok();
    }
    batch_.upserts.push_back(std::move(*r));
    return MaybeFlush();
  }

  Status MaybeFlush() {
    if (batch_.upserts.size() + batch_.deletes.size() < opts_.batch_records) return Status::Ok();
    return Submit();
  }

  Status Submit() {
    if (batch_.upserts.empty() && batch_.deletes.empty() && batch_.activations.empty() && !batch_.state)
      return Status::Ok();
    inflight_.push_back(store_.Write(std::move(batch_)));
    batch_ = WriteBatch{};
    batch_.source = src_.id;
    batch_.run_id = run_id_;
    // Bound the memory held by batches the writer has not reached yet.
    return inflight_.size() > 4 ? Collect() : Status::Ok();
  }

  Status Collect() {
    auto r = inflight_.front().get();
    inflight_.pop_front();
    if (!r.ok()) return r.status().Prefixed("writing to the store");
    stats_.changed += r->changed;
    stats_.unchanged += r->unchanged;
    stats_.deleted += r->deleted;
    suppressed_ += r->suppressed;
    return Status::Ok();
  }

  Store& store_;
  const SourceConfig& src_;
  std::string too_old_before_;  // retention: records whose time is before this stay out
  int64_t too_old_ = 0;
  int64_t suppressed_ = 0;  // records the store refused: they name an erased member
  int64_t run_id_;
  const SyncOptions& opts_;
  WriteBatch batch_;
  std::deque<std::future<Result<WriteStats>>> inflight_;
  std::map<std::string, std::vector<std::string>> singer_keys_;
  int64_t received_ = 0;
  WriteStats stats_;
  const std::vector<std::string>* secrets_ = nullptr;
  bool batch_files_ = false;
};

std::string StatusWord(RunResult::Outcome o) {
  return o == RunResult::Outcome::kOk ? "ok" : o == RunResult::Outcome::kCancelled ? "cancelled" : "failed";
}

}  // namespace

Status IngestLines(Store& store, const SourceConfig& src, int64_t run_id, std::string_view lines) {
  SyncOptions o;
  Ingest ingest(store, src, run_id, o);
  Status bad;
  int64_t line_no = 0;
  while (!lines.empty() && bad.ok()) {
    size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
    ++line_no;
    if (line.empty()) continue;
    auto m = ParseLine(line, line_no);
    if (!m.ok())
      bad = m.status();
    else if (Status s = ingest.OnMessage(std::move(*m)); !s.ok())
      bad = s.Prefixed("line " + std::to_string(line_no));
  }
  Status written = ingest.Finish();
  return bad.ok() ? written : bad;
}

// What a run of src needs: its connector and a request with its config (secrets resolved
// into `secrets`, never logged; a sandboxed source's checked and used as it is), limits
// and policy. The error says why the connector cannot run (a load error).
Result<std::pair<ConnectorRef, RunRequest>> PrepareRun(const HubConfig& hub, const SourceConfig& src,
                                                       std::vector<std::string>* secrets) {
  auto ref = ResolvePlugin(src.plugin, PluginSearchPath(hub.plugin_dirs));
  if (!ref.ok()) return ref.status();
  Result<json> config = src.config;
  if (src.sandboxed) {
    if (Status s = CheckSandboxedConfig(hub.api_sources, src.config, "sources." + src.id + ".config"); !s.ok())
      return s;
    if (ref->kind != ConnectorRef::Kind::kPlugin)
      return Status::Invalid("sources made through the API run installed plugins only");
  } else {
    config = ResolveSecrets(src.config, "sources." + src.id + ".config", secrets);
  }
  if (!config.ok()) return config.status();
  RunRequest req;
  req.config = std::move(*config);
  req.workdir = hub.base_dir;
  req.limits = src.limits;
  if (!src.streams.empty()) req.streams = src.streams;
  req.singer = src.singer;
  if (src.sandboxed) req.policy = hub.api_sources;
  return std::make_pair(std::move(*ref), std::move(req));
}

SyncResult SyncSource(Store& store, const HubConfig& hub, const SourceConfig& src, const SyncOptions& o) {
  SyncResult out;
  auto run_id = store.BeginRun(RunClaim{src.id, o.trigger, o.scheduled_ms, o.requested});
  if (!run_id.ok()) {
    out.claimed = run_id.status().code() != Status::Code::kConflict;
    out.run = {RunResult::Outcome::kCrashed, run_id.status().message()};
    return out;
  }
  out.run_id = *run_id;
  std::vector<std::string> secrets;  // resolved ${env:}/${file:} values: never logged
  auto finish = [&](RunResult run) {
    out.run = std::move(run);
    out.run.message = Redacted(std::move(out.run.message), secrets);
    RunInfo info;
    info.id = out.run_id;
    info.status = StatusWord(out.run.outcome);
    info.records = out.received;
    info.deletes = out.deleted;
    info.message = out.run.message;
    if (!out.run.message.empty()) store.AppendRunLog(out.run_id, "error", out.run.message);
    store.FinishRun(info);
    if (out.ok())
      spdlog::info("sync {}: {} records ({} changed), {} deleted", src.id, out.received, out.changed, out.deleted);
    else
      spdlog::warn("sync {} {}: {}", src.id, info.status, out.run.message);
    return out;
  };

  auto prepared = PrepareRun(hub, src, &secrets);
  if (!prepared.ok()) return finish({RunResult::Outcome::kLoadError, prepared.status().message()});
  auto& [ref, req] = *prepared;
  auto state = store.LoadState(src.id);
  if (!state.ok()) return finish({RunResult::Outcome::kCrashed, state.status().message()});
  req.command = Command::kRead;
  req.state = std::move(*state);
  req.cancel = o.cancel;
  Ingest ingest(store, src, out.run_id, o);
  ingest.SetSecrets(&secrets);
  ingest.AllowBatchFiles(ref.kind == ConnectorRef::Kind::kSinger);
  RunResult run;
  Status written;
  try {  // the run's one catch-all: anything unexpected fails this run, with its message
    run = RunConnector(ref, req, [&](Message&& m) { return ingest.OnMessage(std::move(m)); });
    written = ingest.Finish();  // whatever arrived before a failure is kept
  } catch (const std::exception& e) {
    run = {RunResult::Outcome::kCrashed, std::string("the hub failed during this run: ") + e.what()};
    written = Status::Ok();
  }
  out.received = ingest.received();
  out.changed = ingest.stats().changed;
  out.deleted = ingest.stats().deleted;
  if (!written.ok() && run.outcome == RunResult::Outcome::kOk) run = {RunResult::Outcome::kCrashed, written.message()};
  return finish(std::move(run));
}

Result<bool> AskSubject(const HubConfig& hub, const SourceConfig& src, const json& subject,
                        const std::function<Status(json&&)>& each) {
  std::vector<std::string> secrets;
  auto prepared = PrepareRun(hub, src, &secrets);
  if (!prepared.ok()) return Status::Invalid(Redacted(prepared.status().message(), secrets));
  auto& [ref, req] = *prepared;
  if (ref.kind == ConnectorRef::Kind::kSinger) return false;  // taps have no such command
  auto info = DescribePlugin(ref);
  if (!info.ok()) return Status::Invalid(Redacted(info.status().message(), secrets));
  if (!info->Has("subject")) return false;
  req.command = Command::kSubject;
  req.subject = subject;
  // One person's data: quick to answer, and an export's claim lasts 10 minutes.
  req.limits.timeout_ms = std::min<int64_t>(req.limits.timeout_ms, kSubjectTimeoutMs);
  req.streams = nullptr;
  Status bad;
  RunResult run = RunConnector(ref, req, [&](Message&& m) -> Status {
    switch (m.type) {
      case MsgType::kRecord: {
        auto r = NormalizeRecord(m.body["record"], src.id, m.stream, src.visibility);
        if (!r.ok()) return r.status().Prefixed("RECORD in stream \"" + m.stream + "\"");
        return each(json::parse(r->json));
      }
      case MsgType::kHello:
      case MsgType::kLog:
      case MsgType::kProgress:
      case MsgType::kError:
        return Status::Ok();
      default:
        return Status::Invalid("subject answers with RECORD, LOG, PROGRESS and ERROR lines only, not this one");
    }
  });
  if (run.outcome != RunResult::Outcome::kOk) return Status::Invalid(Redacted(std::move(run.message), secrets));
  return true;
}

}  // namespace coophub
