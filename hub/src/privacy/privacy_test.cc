// SPDX-License-Identifier: Apache-2.0
// Members' data on both stores: records are linked by the account name and by the
// identities an admin confirmed, and by nothing else; an export holds exactly the
// member's records (read back from the ZIP with libarchive); an erasure removes them
// and keeps them out when a sync sends them again; a store from before record_names
// fills it when it opens.
#include "privacy/privacy.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>

#include "accounts/accounts.h"
#include "app/hub.h"
#include "base/timeutil.h"
#include "privacy/export.h"
#include "support/pg_server.h"
#include "support/zip.h"

namespace coophub::privacy {
namespace {

namespace fs = std::filesystem;

class PrivacyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-privacy-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.data_dir = dir_ + "/data";
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    Open();
    auto accounts = OpenAccounts(*db_);
    ASSERT_TRUE(accounts.ok()) << accounts.status().message();
    accounts_ = std::move(*accounts);
    ana_ = accounts_->AddUser("ana", std::string("correct horse 1"), Role::kViewer).value().id;
    bob_ = accounts_->AddUser("bob", std::string("correct horse 2"), Role::kViewer).value().id;
  }
  void Open() {
    auto opened = app::OpenHubStore(config_, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    lock_ = std::move(opened->lock);
    store_ = std::move(opened->store);
    db_ = std::move(opened->db);
    auto p = Privacy::Open(*db_);
    ASSERT_TRUE(p.ok()) << p.status().message();
    privacy_ = std::move(*p);
  }
  void Close() {
    privacy_.reset();
    accounts_.reset();
    store_.reset();
    db_.reset();
    lock_ = FileLock();
  }
  void TearDown() override {
    Close();
    pg_.reset();
    fs::remove_all(dir_);
  }
  // Writes records of source: (id, record fields).
  WriteStats Put(const std::string& source, const std::vector<std::pair<std::string, json>>& records) {
    WriteBatch b;
    b.source = source;
    for (const auto& [id, fields] : records) {
      json r = fields;
      r["id"] = id;
      if (!r.contains("kind")) r["kind"] = "message";
      if (!r.contains("title")) r["title"] = source + " " + id;
      auto rec = NormalizeRecord(r, source, "s", "members");
      EXPECT_TRUE(rec.ok()) << rec.status().message();
      b.upserts.push_back(*rec);
    }
    auto stats = store_->Write(std::move(b)).get();
    EXPECT_TRUE(stats.ok()) << stats.status().message();
    return stats.ok() ? *stats : WriteStats{};
  }
  // "source/id" of the records linked to user, every page read.
  std::set<std::string> Linked(int64_t user, int page = 2) {
    auto names = privacy_->NamesOf(user);
    EXPECT_TRUE(names.ok()) << names.status().message();
    std::set<std::string> out;
    int64_t after = 0;
    for (int guard = 0; guard < 100; ++guard) {
      auto p = store_->LinkedRecords(*names, after, page);
      EXPECT_TRUE(p.ok()) << p.status().message();
      if (!p.ok()) break;
      for (const auto& r : p->Items()) out.insert(r["source"].get<std::string>() + "/" + r["id"].get<std::string>());
      if (p->next_cursor.empty()) break;
      after = std::stoll(p->next_cursor);
    }
    return out;
  }
  // Three sources: Ana by her account name, her address, her Loomio handle; Bob's own.
  void PutThreeSources() {
    Put("chat", {{"c1", {{"people", {"Ana <ana@coop.example>", "bob"}}}},
                 {"c2", {{"people", {"bob"}}}},
                 {"c3", {{"author", "ana"}}}});
    Put("loomio", {{"l1", {{"kind", "decision"}, {"people", {"@ana.lima"}}}}, {"l2", {{"people", {"@bob"}}}}});
    Put("crm", {{"p1", {{"kind", "person"}, {"data", {{"account", "ANA"}}}}},
                {"p2", {{"kind", "person"}, {"people", {"ana.lima@home.example"}}}},
                {"p3", {{"kind", "person"}, {"data", {{"account", "bob"}}}}}});
  }
  void Confirm(int64_t user, const std::string& kind, const std::string& value) {
    auto claim = privacy_->Claim(user, kind, value);
    ASSERT_TRUE(claim.ok()) << claim.status().message();
    auto decided = privacy_->Decide(claim->id, true, "admin");
    ASSERT_TRUE(decided.ok()) << decided.status().message();
  }

  std::string dir_;
  HubConfig config_;
  std::unique_ptr<testing::PgServer> pg_;
  FileLock lock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Privacy> privacy_;
  int64_t ana_ = 0, bob_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Stores, PrivacyTest, testing::StoreBackends(), testing::BackendName);

TEST_P(PrivacyTest, RecordsAreLinkedByTheAccountNameAndConfirmedIdentitiesOnly) {
  PutThreeSources();
  EXPECT_EQ(Linked(ana_), (std::set<std::string>{"chat/c1", "chat/c3", "crm/p1"}));
  // A claim links nothing until an admin confirms it.
  auto claim = privacy_->Claim(ana_, "handle", " @Ana.Lima ");
  ASSERT_TRUE(claim.ok()) << claim.status().message();
  EXPECT_EQ(claim->value, "@ana.lima");
  EXPECT_EQ(Linked(ana_).count("loomio/l1"), 0u);
  ASSERT_TRUE(privacy_->Decide(claim->id, true, "admin").ok());
  Confirm(ana_, "email", "ana.lima@home.example");
  EXPECT_EQ(Linked(ana_), (std::set<std::string>{"chat/c1", "chat/c3", "crm/p1", "crm/p2", "loomio/l1"}));
  EXPECT_EQ(Linked(bob_), (std::set<std::string>{"chat/c1", "chat/c2", "crm/p3"}));  // "@bob" is not his until claimed

  // Bob cannot have Ana's address or name confirmed as his.
  auto theirs = privacy_->Claim(bob_, "email", "ana.lima@home.example");
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(privacy_->Decide(theirs->id, true, "admin").status().code(), Status::Code::kConflict);
  auto name = privacy_->Claim(bob_, "handle", "ana");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(privacy_->Decide(name->id, true, "admin").status().code(), Status::Code::kConflict);
  EXPECT_EQ(privacy_->Claim(bob_, "email", "not an address").status().code(), Status::Code::kInvalid);
  EXPECT_EQ(privacy_->Claim(bob_, "phone", "123").status().code(), Status::Code::kInvalid);

  // A record that stops naming her is no longer hers; a deleted one is gone.
  Put("chat", {{"c1", {{"people", {"bob"}}}}});
  WriteBatch del;
  del.source = "crm";
  del.deletes.emplace_back("s", "p2");
  ASSERT_TRUE(store_->Write(std::move(del)).get().ok());
  EXPECT_EQ(Linked(ana_), (std::set<std::string>{"chat/c3", "crm/p1", "loomio/l1"}));
}

TEST_P(PrivacyTest, AnExportHoldsExactlyTheMembersRecords) {
  PutThreeSources();
  Confirm(ana_, "handle", "@ana.lima");
  json about = {{"account", {{"name", "ana"}}},
                {"sources", {{"loomio", {{"name", "Decisions"}, {"kept", "90 days"}}}}}};
  auto job = privacy_->RequestExport(ana_, "ana", about.dump());
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(privacy_->ExportByLink(job->first.id, job->second, NowMs()).status().code(), Status::Code::kNotFound);

  Exporter exporter(*store_, *privacy_, "test");
  auto built = exporter.BuildOne(NowMs());
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_TRUE(*built);
  EXPECT_FALSE(exporter.BuildOne(NowMs()).value());  // nothing else queued

  auto ready = privacy_->ExportByLink(job->first.id, job->second, NowMs());
  ASSERT_TRUE(ready.ok()) << ready.status().message();
  EXPECT_EQ(ready->records, 4);
  EXPECT_EQ(privacy_->ExportByLink(job->first.id, "export_wrong", NowMs()).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(privacy_->ExportByLink(job->first.id, job->second, NowMs() + kExportTtlMs).status().code(),
            Status::Code::kNotFound);

  std::string zip;
  for (int64_t n = 0;; ++n) {
    auto chunk = privacy_->Chunk(job->first.id, n);
    ASSERT_TRUE(chunk.ok()) << chunk.status().message();
    if (chunk->empty()) break;
    zip += *chunk;
  }
  EXPECT_EQ(static_cast<int64_t>(zip.size()), ready->size);
  auto files = testing::Unzip(zip);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_NE(files["README.md"].find("records.csv"), std::string::npos);
  EXPECT_EQ(json::parse(files["account.json"])["account"]["name"], "ana");
  json records = json::parse(files["records.json"]);
  std::set<std::string> ids;
  for (const auto& r : records) {
    ids.insert(r["source"].get<std::string>() + "/" + r["id"].get<std::string>());
    EXPECT_EQ(r["record"]["uid"], r["uid"]);
    EXPECT_EQ(r["visibility"], "members");
    if (r["source"] == "loomio") {
      EXPECT_EQ(r["source_name"], "Decisions");
      EXPECT_EQ(r["kept"], "90 days");
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"chat/c1", "chat/c3", "crm/p1", "loomio/l1"}));
  // The CSV: a header and a row a record; nothing of Bob's own records in either file.
  const std::string& csv = files["records.csv"];
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_EQ(csv.rfind("uid,source,source_name,", 0), 0u);
  for (const char* bobs : {"chat c2", "loomio l2", "crm p3"}) {
    EXPECT_EQ(files["records.json"].find(bobs), std::string::npos) << bobs;
    EXPECT_EQ(csv.find(bobs), std::string::npos) << bobs;
  }
  // Expired: gone with its chunks.
  EXPECT_EQ(privacy_->PruneExports(NowMs() + kExportTtlMs).value(), 1);
  EXPECT_TRUE(privacy_->Chunk(job->first.id, 0).value().empty());
}

TEST_P(PrivacyTest, AnErasureRemovesTheMembersRecordsAndASyncDoesNotBringThemBack) {
  PutThreeSources();
  Confirm(ana_, "handle", "@ana.lima");
  auto request = privacy_->RequestErasure(ana_, "ana", "I am leaving the coop");
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(privacy_->RequestErasure(ana_, "ana", "").status().code(), Status::Code::kConflict);
  auto begun = privacy_->BeginErasure(request->id, "admin");
  ASSERT_TRUE(begun.ok()) << begun.status().message();
  EXPECT_EQ(begun->names, (std::vector<std::string>{"@ana.lima", "ana"}));
  // Confirmed again before its records were removed (the hub stopped, a batch failed):
  // it carries on with the names erased already.
  auto resumed = privacy_->BeginErasure(request->id, "admin");
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(resumed->status, "erasing");
  EXPECT_EQ(resumed->names, begun->names);
  int64_t removed = 0;
  for (int guard = 0; guard < 10; ++guard) {
    PruneBatch b;
    b.what = PruneBatch::What::kNamed;
    b.names = begun->names;
    b.limit = 2;  // in batches
    auto n = store_->Prune(b).get();
    ASSERT_TRUE(n.ok()) << n.status().message();
    if (*n == 0) break;
    removed += *n;
  }
  EXPECT_EQ(removed, 4);
  ASSERT_TRUE(privacy_->FinishErasure(request->id, removed).ok());
  EXPECT_EQ(privacy_->GetErasure(request->id)->status, "done");
  EXPECT_EQ(privacy_->BeginErasure(request->id, "admin").status().code(), Status::Code::kConflict);
  EXPECT_TRUE(Linked(ana_).empty());
  EXPECT_TRUE(privacy_->Identities(ana_)->empty());

  // The next sync sends them again: they stay out, Bob's change goes in.
  Put("chat", {{"c1", {{"people", {"Ana <ana@coop.example>", "bob"}}}}, {"c2", {{"people", {"bob", "carl"}}}}});
  WriteStats again = Put("loomio", {{"l1", {{"kind", "decision"}, {"people", {"@ana.lima"}}}}});
  EXPECT_EQ(again.suppressed, 1);
  EXPECT_EQ(again.changed, 0);
  EXPECT_TRUE(Linked(ana_).empty());
  EXPECT_EQ(Linked(bob_), (std::set<std::string>{"chat/c2", "crm/p3"}));
  EXPECT_EQ(privacy_->Claim(bob_, "handle", "@Ana.Lima").status().code(), Status::Code::kInvalid);
  EXPECT_TRUE(privacy_->Erased("ANA").value());
}

TEST_P(PrivacyTest, AStoreFromBeforeTheNamesIndexFillsItWhenItOpens) {
  PutThreeSources();
  // Back to the schema before the migration that made record_names.
  bool pg = GetParam() == "postgres";
  auto conn = db_->Connect();
  ASSERT_TRUE(conn.ok());
  std::string drop =
      "DROP TABLE record_names; DROP TABLE identities; DROP TABLE erasure_requests; DROP TABLE erased_names;"
      " DROP TABLE exports; DROP TABLE export_chunks;";
  if (!pg) drop += " DROP TRIGGER record_names_gone;";
  ASSERT_TRUE((*conn)->Script(drop).ok());
  ASSERT_TRUE((*conn)
                  ->Run("DELETE FROM schema_migrations WHERE version = ?",
                        {int64_t{pg ? PostgresSchemaVersion() : SqliteSchemaVersion()}})
                  .ok());
  conn->reset();
  Close();
  Open();
  auto accounts = OpenAccounts(*db_);
  ASSERT_TRUE(accounts.ok());
  accounts_ = std::move(*accounts);
  EXPECT_EQ(Linked(ana_), (std::set<std::string>{"chat/c1", "chat/c3", "crm/p1"}));
  EXPECT_EQ(Linked(bob_), (std::set<std::string>{"chat/c1", "chat/c2", "crm/p3"}));
}

}  // namespace
}  // namespace coophub::privacy
