// SPDX-License-Identifier: Apache-2.0
// The store, on both backends (one suite, parameterised: SQLite, and PostgreSQL on a
// server the test starts): upserts, change detection, search kept by the writer,
// deletes, state with its records, cursor pages, reopen, runs; and what is SQLite's
// alone (its WAL, its migrations from old files).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "store/store.h"
#include "support/pg_server.h"
#include "web/page.h"  // SnippetHtml

namespace coophub {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    if (Postgres()) {
      pg_ = std::make_unique<testing::PgServer>(tmp_);
      ASSERT_TRUE(pg_->ready()) << pg_->why();
      url_ = pg_->NewDatabase("coophub");
    }
    Open();
  }
  void TearDown() override { store_.reset(); }
  bool Postgres() const { return GetParam() == "postgres"; }
  // Another store on the same data: another connection, or another replica.
  Result<std::unique_ptr<Store>> OpenAnother(int readers, int64_t lost_after_ms = 30000) {
    if (!Postgres()) return OpenSqliteStore({dir_ + "/hub.db", readers});
    PostgresOptions o;
    o.url = url_;
    o.readers = readers;
    o.lost_after_ms = lost_after_ms;
    return OpenPostgresStore(o);
  }
  void Open(int64_t lost_after_ms = 30000) {
    store_.reset();
    auto s = OpenAnother(2, lost_after_ms);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  static StoredRecord Rec(const std::string& id, const std::string& title, const std::string& time,
                          const std::string& kind = "post") {
    json r = {{"id", id}, {"kind", kind}, {"title", title}, {"time", time}};
    return NormalizeRecord(r, "src", "s", "public").value();
  }
  WriteStats Write(WriteBatch b) {
    b.source = "src";
    auto r = store_->Write(std::move(b)).get();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : WriteStats{};
  }
  // The items of every page of q, following its cursors (at most `most` pages).
  std::vector<json> AllPages(RecordQuery q, int most = 40) {
    std::vector<json> all;
    for (int pages = 0; pages < most; ++pages) {
      auto page = store_->ListRecords(q);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      for (const auto& i : page->Items()) all.push_back(i);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    return all;
  }
  static std::vector<std::string> Field(const std::vector<json>& items, const char* name) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i[name]);
    return out;
  }
  std::vector<std::string> Titles(RecordQuery q) {
    auto page = store_->ListRecords(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<std::string> out;
    for (const auto& i : page->Items()) out.push_back(i["title"]);
    return out;
  }

  testing::TempDir tmp_;
  std::string dir_, url_;
  std::unique_ptr<testing::PgServer> pg_;  // outlives the store: declared before it
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(StoreTest, UpsertDetectsChangesAndKeepsSearchCurrent) {
  WriteBatch b;
  b.upserts = {Rec("1", "Assembly agenda", "2026-11-01T00:00:00Z"), Rec("2", "Budget draft", "2026-11-02T00:00:00Z")};
  WriteStats s = Write(b);
  EXPECT_EQ(s.changed, 2);
  EXPECT_EQ(Write(b).unchanged, 2) << "an identical upsert changes nothing";

  WriteBatch edit;
  edit.upserts = {Rec("1", "Assembly minutes", "2026-11-01T00:00:00Z")};
  WriteStats es = Write(edit);
  EXPECT_EQ(es.changed, 1);
  EXPECT_EQ(es.inserted, 0);
  EXPECT_EQ(store_->Stats()->at(0).records, 2) << "an update does not count twice";
  EXPECT_EQ(store_->Stats()->at(0).newest, "2026-11-02T00:00:00Z");
  RecordQuery q;
  q.q = "agenda";
  EXPECT_TRUE(Titles(q).empty()) << "the old title is gone from the index";
  q.q = "minu";  // the last word is a prefix
  EXPECT_EQ(Titles(q), std::vector<std::string>{"Assembly minutes"});
  q.q = "\"unbalanced";  // FTS syntax in user input is quoted, never an error
  EXPECT_TRUE(Titles(q).empty());
  q.q = std::string(" \t\0\x7f", 4);  // found by the fuzzer: no words is no filter
  EXPECT_EQ(Titles(q).size(), 2u);
}

TEST_P(StoreTest, DeleteRemovesRecordAndIndexEntry) {
  WriteBatch b;
  b.upserts = {Rec("1", "Gone soon", "2026-11-01T00:00:00Z")};
  Write(b);
  WriteBatch d;
  d.deletes = {{"s", "1"}, {"s", "never-existed"}};
  EXPECT_EQ(Write(d).deleted, 1);
  EXPECT_TRUE(store_->Stats()->empty()) << "the count follows deletes";
  RecordQuery q;
  q.q = "gone";
  EXPECT_TRUE(Titles(q).empty());
  EXPECT_TRUE(Titles(RecordQuery{}).empty());
}

// The change feed says what a changed record was, when the reader of `after` could have
// seen that version; a removed record keeps its title and kind, and whom it named.
TEST_P(StoreTest, ChangesKeepWhatARecordWasAndARemovedOnesTitle) {
  WriteBatch b;
  json with_people = {{"id", "2"},
                      {"kind", "post"},
                      {"title", "Winter break"},
                      {"time", "2026-12-24T00:00:00Z"},
                      {"people", {"Ana <ana@coop.example>", "Bo"}}};
  b.upserts = {Rec("1", "Assembly", "2026-12-12T13:00:00Z", "event"),
               NormalizeRecord(with_people, "src", "s", "public").value(),
               Rec("3", "Nobody's", "2026-12-25T00:00:00Z")};
  Write(b);
  int64_t seen = store_->LastSeq();
  WriteBatch moved;
  moved.upserts = {Rec("1", "Assembly (moved)", "2026-12-12T14:00:00Z", "event")};
  Write(moved);
  WriteBatch gone;
  gone.deletes = {{"s", "2"}, {"s", "3"}};
  Write(gone);
  auto page = store_->ListChanges(seen, {}, 10);
  ASSERT_TRUE(page.ok()) << page.status().message();
  json items = json::parse(page->items_json);
  ASSERT_EQ(items.size(), 3u) << items.dump();
  EXPECT_EQ(items[0]["previous"]["title"], "Assembly");
  EXPECT_EQ(items[0]["previous"]["time"], "2026-12-12T13:00:00Z");
  EXPECT_EQ(items[0]["record"]["title"], "Assembly (moved)");
  EXPECT_EQ(items[1]["title"], "Winter break");
  EXPECT_EQ(items[1]["kind"], "post");
  EXPECT_EQ(items[1]["visibility"], "public") << "a delete says who could see it";
  EXPECT_EQ(items[1]["was"]["people"], json({"Ana <ana@coop.example>", "Bo"})) << items[1].dump();
  EXPECT_EQ(items[1]["was"]["time"], "2026-12-24T00:00:00Z");
  EXPECT_EQ(items[2]["was"]["people"], json::array()) << items[2].dump();
  // Changed again: after the first change, "previous" is the moved version; from
  // before both, the reader never saw that one, so none is given.
  int64_t mid = seen + 1;
  WriteBatch again;
  again.upserts = {Rec("1", "Assembly (moved again)", "2026-12-12T15:00:00Z", "event")};
  Write(again);
  json later = json::parse(store_->ListChanges(mid, {}, 10)->items_json);
  EXPECT_EQ(later.back()["previous"]["title"], "Assembly (moved)");
  json early = json::parse(store_->ListChanges(seen, {}, 10)->items_json);
  EXPECT_FALSE(early.back().contains("previous")) << early.dump();
}

TEST_P(StoreTest, StateIsStoredWithItsBatchAndSurvivesReopen) {
  WriteBatch b;
  b.upserts = {Rec("1", "One", "2026-11-01T00:00:00Z")};
  b.state = std::make_pair(std::string("s"), std::string(R"({"cursor":7})"));
  Write(b);
  Open();
  EXPECT_EQ(store_->LoadState("src").value()["s"]["cursor"], 7);
  EXPECT_EQ(Titles(RecordQuery{}), std::vector<std::string>{"One"});
}

TEST_P(StoreTest, CursorPagesWalkEverythingOnceNewestFirst) {
  WriteBatch b;
  for (int i = 0; i < 25; ++i) {  // pairs share a time, so the uid breaks ties
    char time[32], title[16];
    std::snprintf(time, sizeof time, "2026-11-%02dT00:00:00Z", 10 + i / 2);
    std::snprintf(title, sizeof title, "t%d", i);  // (GCC 12 warns falsely on "t" + to_string)
    b.upserts.push_back(Rec(std::to_string(i), title, time));
  }
  Write(b);
  RecordQuery q;
  q.limit = 4;
  std::vector<std::string> all = Field(AllPages(q, 20), "title");
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.front(), "t24");
  EXPECT_EQ(all.back(), "t0");
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end()) << "no record twice";
}

TEST_P(StoreTest, SearchPagesNewestFirstThroughEveryFilter) {
  // Written in an order unrelated to time, in three batches, some sharing a second.
  for (int batch = 0; batch < 3; ++batch) {
    WriteBatch b;
    for (int i = batch; i < 60; i += 3) {
      char time[32];
      std::snprintf(time, sizeof time, "2026-10-%02dT%02d:00:00Z", 1 + (i * 7) % 20, (i * 13) % 3);
      json r = {{"id", std::to_string(i)},
                {"kind", i % 2 ? "post" : "event"},
                {"title", "Invoice " + std::to_string(i)},
                {"time", time},
                {"visibility", i % 5 ? "members" : "admins"}};
      b.upserts.push_back(NormalizeRecord(r, "src", "s", "public").value());
    }
    Write(b);
  }
  auto walk = [&](RecordQuery q) {
    q.limit = 7;
    return AllPages(q);
  };
  RecordQuery q;
  q.q = "invoice";
  std::vector<json> hits = walk(q);
  ASSERT_EQ(hits.size(), 60u);
  std::set<int64_t> uids;
  for (size_t i = 0; i < hits.size(); ++i) {
    uids.insert(hits[i]["uid"].get<int64_t>());
    if (i > 0) {
      EXPECT_GE(hits[i - 1]["time"].get<std::string>(), hits[i]["time"].get<std::string>()) << "newest first";
    }
  }
  EXPECT_EQ(uids.size(), 60u) << "no record twice";
  std::vector<json> listed = walk(RecordQuery{});
  for (size_t i = 0; i < hits.size(); ++i)
    EXPECT_EQ(hits[i]["time"], listed[i]["time"]) << "search and list agree on the order, at " << i;

  q.kind = "event";
  q.visibilities = {"members"};
  q.since = "2026-10-05T00:00:00Z";
  q.until = "2026-10-15T01:00:00Z";
  size_t want = 0;
  for (const auto& r : listed)
    want += r["kind"] == "event" && r["visibility"] == "members" && r["time"] >= q.since && r["time"] < q.until;
  ASSERT_GT(want, 3u);
  std::vector<json> filtered = walk(q);  // few records of that kind: they are walked
  EXPECT_EQ(filtered.size(), want);
  for (const auto& r : filtered) {
    EXPECT_EQ(r["kind"], "event");
    EXPECT_EQ(r["visibility"], "members");
    EXPECT_GE(r["time"].get<std::string>(), q.since);
    EXPECT_LT(r["time"].get<std::string>(), q.until);
  }
  q.kind.clear();  // no narrow filter: the index is walked, and agrees
  want = 0;
  for (const auto& r : listed) want += r["visibility"] == "members" && r["time"] >= q.since && r["time"] < q.until;
  EXPECT_EQ(walk(q).size(), want);
}

TEST_P(StoreTest, TheLastWordAlsoFindsTheWordsItBegins) {
  WriteBatch b;
  const char* titles[] = {"Assembly minutes",
                          "Meeting notes",
                          "Meetup tonight",
                          "meet the board",
                          "Café coopératif",
                          "Budget 2026-11",
                          "Write to ana@riverside.example or see /docs/rota.pdf"};
  for (int i = 0; i < 7; ++i)
    b.upserts.push_back(Rec(std::to_string(i), titles[i], "2026-11-0" + std::to_string(i + 1) + "T00:00:00Z"));
  Write(b);
  auto found = [&](const std::string& text) {
    RecordQuery q;
    q.q = text;
    auto t = Titles(q);
    std::sort(t.begin(), t.end());
    return t;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(found("meet"), (V{"Meeting notes", "Meetup tonight", "meet the board"}));
  EXPECT_EQ(found("MEETI"), V{"Meeting notes"}) << "any case";
  EXPECT_EQ(found("assem"), V{"Assembly minutes"});
  EXPECT_EQ(found("as"), V{"Assembly minutes"}) << "two letters: the prefix index";
  EXPECT_EQ(found("m"), V{}) << "one letter is a word, not a prefix of everything";
  EXPECT_EQ(found("cafe coop"), V{"Café coopératif"}) << "diacritics fold, in the query and the prefix";
  EXPECT_EQ(found("minutes assembly"), V{"Assembly minutes"}) << "every word, in any order";
  EXPECT_EQ(found("tonight meet"), V{"Meetup tonight"});
  EXPECT_EQ(found("meet board"), V{"meet the board"}) << "words before the last are whole words";
  EXPECT_EQ(found("budget 2026-1"), V{"Budget 2026-11"}) << "a word FTS5 splits is a phrase";
  // PostgreSQL's parser reads an address, a host or a path as one token; FTS5 reads
  // its words, and so must both.
  const V mail = {"Write to ana@riverside.example or see /docs/rota.pdf"};
  EXPECT_EQ(found("riverside"), mail);
  EXPECT_EQ(found("ana"), mail);
  EXPECT_EQ(found("docs rota"), mail);
  EXPECT_EQ(found("rota.pdf"), mail) << "a query's word is split the same way";
  EXPECT_EQ(found("zzzz"), V{});
  EXPECT_EQ(found("notes ?!"), V{"Meeting notes"}) << "punctuation alone is no word";
  // A word written since a prefix was last looked up is found by it: the words a prefix
  // expands to are kept only while the data stays as it was.
  WriteBatch more;
  more.upserts.push_back(Rec("8", "Meetings calendar", "2026-11-09T00:00:00Z"));
  Write(more);
  EXPECT_EQ(found("meet"), (V{"Meeting notes", "Meetings calendar", "Meetup tonight", "meet the board"}));
  // And through another connection, as another process writes.
  auto other = OpenAnother(1);
  ASSERT_TRUE(other.ok()) << other.status().message();
  WriteBatch third;
  third.source = "src";
  third.upserts.push_back(Rec("9", "Meetinghouse keys", "2026-11-10T00:00:00Z"));
  ASSERT_TRUE((*other)->Write(std::move(third)).get().ok());
  EXPECT_EQ(found("meet").size(), 5u);
}

TEST_P(StoreTest, OldestFirstPagesBothWays) {
  WriteBatch b;
  for (int i = 0; i < 9; ++i)
    b.upserts.push_back(
        Rec(std::to_string(i), "Rota week " + std::to_string(i), "2026-12-0" + std::to_string(i + 1) + "T08:00:00Z"));
  Write(b);
  for (std::string text : {"", "rota"}) {
    RecordQuery q;
    q.q = text;
    q.oldest_first = true;
    q.since = "2026-12-03T00:00:00Z";
    q.limit = 2;
    EXPECT_EQ(Field(AllPages(q, 10), "title"),
              (std::vector<std::string>{"Rota week 2", "Rota week 3", "Rota week 4", "Rota week 5", "Rota week 6",
                                        "Rota week 7", "Rota week 8"}))
        << "q=" << text;
  }
}

// Past the newest ten thousand records (PostgreSQL reads a search's first page from
// them, then from the index): hits before and after that window come in the same order,
// by every sort and with a filter, as a plain filter of every record gives them.
TEST_P(StoreTest, SearchFindsHitsOlderThanTheNewestTenThousand) {
  WriteBatch b;
  for (int i = 0; i < 10300; ++i) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-%02d-%02dT%02d:%02d:00Z", 1 + i / 1440 % 12, 1 + i / 60 % 24, i % 24,
                  i % 60);
    // "rare" in 1 of 97 records, "seldom" in the oldest 150 only: the newest 10,000 hold
    // a few of the first and none of the second.
    std::string title = std::string(i % 97 == 0 ? "rare " : "") + (i < 150 ? "seldom " : "") + "entry";
    b.upserts.push_back(
        NormalizeRecord(
            {{"id", std::to_string(i)}, {"kind", i % 3 ? "post" : "event"}, {"title", title}, {"time", time}}, "src",
            "s", "public")
            .value());
  }
  Write(b);
  for (const char* kind : {"", "event"})
    for (bool oldest_first : {false, true}) {
      std::vector<std::pair<std::string, json>> all;  // (title, {time, uid}) of every record, in order
      RecordQuery list;
      list.kind = kind;
      list.limit = 500;
      list.oldest_first = oldest_first;
      for (int pages = 0; pages < 100; ++pages) {
        auto page = store_->ListRecords(list);
        ASSERT_TRUE(page.ok());
        for (const auto& r : page->Items()) all.emplace_back(r["title"], json::array({r["time"], r["uid"]}));
        if (page->next_cursor.empty()) break;
        list.cursor = page->next_cursor;
      }
      // Two sparse words whole, and the first three pages of one in every record.
      for (const char* word : {"rare", "seldom", "entry"}) {
        std::vector<json> want, got;
        for (const auto& [title, key] : all)
          if (title.find(word) != std::string::npos) want.push_back(key);
        if (std::string(word) == "entry") want.resize(150);
        RecordQuery q;
        q.q = word;
        q.kind = kind;
        q.limit = 50;
        q.oldest_first = oldest_first;
        for (int pages = 0; pages < 100 && got.size() < want.size(); ++pages) {
          auto page = store_->ListRecords(q);
          ASSERT_TRUE(page.ok()) << page.status().message();
          for (const auto& r : page->Items()) got.push_back(json::array({r["time"], r["uid"]}));
          if (page->next_cursor.empty()) break;
          q.cursor = page->next_cursor;
        }
        EXPECT_EQ(got, want) << word << " kind=" << kind << (oldest_first ? " oldest first" : "");
      }
    }
}

// Every search plan answers exactly as the plain one (every hit read and sorted before
// the page is cut): the same records, in the same order, with the same snippets and the
// same cursors, over a generated store whose words are in every record, in some, in the
// oldest few only, in many old ones, or in none; with filters narrow and wide; both
// orders.
TEST_P(StoreTest, EverySearchPlanAnswersAsThePlainPlan) {
  WriteBatch b;
  const char* kinds[] = {"post", "event", "task"};
  const char* vis[] = {"public", "members", "admins"};
  // On PostgreSQL each word takes another of the plan's steps: "entry" fills its page in
  // the first walk, "gamma" and "beta" are few, "delta" fills it in the longer walk, and
  // "omega", in 2,300 records older than the newest 10,000, takes every hit; and a word's
  // next search starts where its last one found its page, which a filter or the order
  // may have moved (the second pass asks the filters the other way round).
  for (int i = 0; i < 14000; ++i) {
    char time[32];  // two records a minute: ties on time, ordered by uid
    std::snprintf(time, sizeof time, "2026-%02d-%02dT%02d:%02d:00Z", 1 + i / 28800 % 12, 1 + i / 2880 % 28,
                  i / 120 % 24, i / 2 % 60);
    std::string title = "entry n" + std::to_string(i);
    if (i % 3 == 0) title += " alpha";
    if (i % 50 == 0) title += " beta";
    if (i < 200) title += " gamma";
    if (i >= 3000 && i < 5500) title += " delta";
    if (i < 2300) title += " omega";
    json r = {{"id", std::to_string(i)},
              {"kind", i % 120 == 7 ? kinds[2] : kinds[i % 2]},
              {"title", title},
              {"summary", i % 7 ? "the weekly entry of the coop" : ""},
              {"time", time},
              {"visibility", vis[i % 3]}};
    b.upserts.push_back(NormalizeRecord(r, "src", i % 40 == 0 ? "few" : "s", "public").value());
  }
  Write(b);
  const char* words[] = {"entry",      "alpha",       "beta", "gamma", "delta", "omega",
                         "alpha beta", "entry gamma", "n12",  "n1",    "al",    "zzz"};
  struct Filter {
    const char* kind;
    const char* stream;
    const char* since;
    bool members;
  };
  const Filter filters[] = {{"", "", "", false},    {"event", "", "", false}, {"task", "", "", false},
                            {"", "few", "", false}, {"", "", "", true},       {"", "", "2026-01-03T00:00:00Z", false}};
  int compared = 0;
  const int n_filters = static_cast<int>(std::size(filters));
  for (const char* word : words)
    for (int pass = 0; pass < 2; ++pass)
      for (int fi = 0; fi < n_filters; ++fi)
        for (bool oldest_first : {false, true}) {
          const Filter& f = filters[pass ? n_filters - 1 - fi : fi];
          RecordQuery fast;
          fast.q = word;
          fast.kind = f.kind;
          fast.stream = f.stream;
          fast.since = f.since;
          if (f.members) fast.visibilities = {"public", "members"};
          fast.oldest_first = oldest_first;
          fast.limit = 40;
          fast.snippet = compared % 2 ? SnippetHtml : nullptr;
          RecordQuery plain = fast;
          plain.plain_plan = true;
          const std::string what = std::string("\"") + word + "\" kind=" + f.kind + " stream=" + f.stream +
                                   " since=" + f.since + (f.members ? " members" : "") +
                                   (oldest_first ? " oldest first" : "");
          for (int page = 0; page < (pass ? 1 : 4); ++page) {  // the first pages, and the cursors between
            auto a = store_->ListRecords(fast);
            auto b = store_->ListRecords(plain);
            ASSERT_TRUE(a.ok() && b.ok()) << what;
            ASSERT_EQ(a->items_json, b->items_json) << what << " page " << page;
            ASSERT_EQ(a->next_cursor, b->next_cursor) << what << " page " << page;
            ++compared;
            if (a->next_cursor.empty()) break;
            fast.cursor = plain.cursor = a->next_cursor;
          }
        }
  EXPECT_GT(compared, 200);
}

// sort=relevance: the best match first whatever its age, ties newest first, every hit
// once across pages cut by position.
TEST_P(StoreTest, RelevanceRanksTheBestMatchFirstAndPagesByPosition) {
  WriteBatch b;
  for (int i = 0; i < 120; ++i) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-03-%02dT%02d:00:00Z", 1 + i / 24, i % 24);
    b.upserts.push_back(Rec(std::to_string(i), "budget note " + std::to_string(i) + " of the week", time));
  }
  // The oldest record says it most, and says little else.
  b.upserts.push_back(Rec("best", "budget budget budget", "2020-01-01T00:00:00Z"));
  b.upserts.push_back(Rec("none", "nothing to see", "2027-01-01T00:00:00Z"));
  Write(b);
  RecordQuery q;
  q.q = "budget";
  q.relevance = true;
  q.limit = 50;
  std::vector<std::string> ids = Field(AllPages(q, 10), "id");
  ASSERT_EQ(ids.size(), 121u);
  EXPECT_EQ(ids[0], "best");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 121u) << "each hit once";
  // The rest say it once each, in texts alike: newest first.
  EXPECT_EQ(ids[1], "119");
  EXPECT_EQ(ids.back(), "0");
  q.cursor = "not-a-cursor";
  EXPECT_FALSE(store_->ListRecords(q).ok());
}

TEST_P(StoreTest, SearchSnippetsMarkTheMatchesInEscapedText) {
  WriteBatch b;
  b.upserts = {Rec("1", "Budget <draft> & vote on the café budget", "2026-11-01T00:00:00Z"),
               Rec("2", "See <b>coop.example/budget</b>", "2026-10-01T00:00:00Z")};
  Write(b);
  RecordQuery q;
  q.q = "budget cafe";
  q.snippet = SnippetHtml;
  json item = store_->ListRecords(q)->Items().at(0);
  EXPECT_EQ(item["snippet"],
            "<mark>Budget</mark> &lt;draft&gt; &amp; vote on the <mark>café</mark> <mark>budget</mark>");
  EXPECT_EQ(item["title"], "Budget <draft> & vote on the café budget") << "the record itself is as stored";
  q.q = "budget";
  EXPECT_EQ(store_->ListRecords(q)->Items().at(1)["snippet"], "See &lt;b&gt;coop.example/<mark>budget</mark>&lt;/b&gt;")
      << "a word inside a tag or a path is marked";
  q.q = "budget cafe";
  q.snippet = nullptr;
  EXPECT_FALSE(store_->ListRecords(q)->Items().at(0).contains("snippet"));
}

TEST_P(StoreTest, ARecordMovedInTimeIsFoundOnceAtItsNewPlace) {
  WriteBatch b;
  b.upserts = {Rec("a", "Budget A", "2026-11-01T00:00:00Z"), Rec("b", "Budget B", "2026-11-02T00:00:00Z")};
  Write(b);
  WriteBatch move;
  move.upserts = {Rec("a", "Budget A", "2026-11-03T00:00:00Z")};
  Write(move);
  RecordQuery q;
  q.q = "budget";
  EXPECT_EQ(Titles(q), (std::vector<std::string>{"Budget A", "Budget B"}));
  WriteBatch d;
  d.deletes = {{"s", "a"}};
  Write(d);
  EXPECT_EQ(Titles(q), std::vector<std::string>{"Budget B"});
  Open();  // uids go on after a reopen
  WriteBatch c;
  c.upserts = {Rec("c", "Budget C", "2026-11-04T00:00:00Z")};
  Write(c);
  EXPECT_EQ(Titles(q), (std::vector<std::string>{"Budget C", "Budget B"}));
}

// Pages are kept until the data changes, and the data can change from another process
// (`coophub sync` beside a serving hub): a page must never outlive a write from there.
// A reader holding an old snapshot through a large sync keeps every page the sync
// wrote in the WAL; the checkpoint after the sync (ReleaseMemory, which the scheduler
// calls after each run) must cut it back once the reader is done.
TEST_P(StoreTest, ALargeSyncLeavesNoLargeWalBehind) {
  if (Postgres()) GTEST_SKIP() << "a WAL file is SQLite's";
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ + "/hub.db").c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM records;", nullptr, nullptr, nullptr), SQLITE_OK);
  const std::string text(200, 'x');
  for (int batch = 0; batch < 16; ++batch) {
    WriteBatch b;
    b.source = "big";
    for (int i = 0; i < 2000; ++i)
      b.upserts.push_back(Rec(std::to_string(batch * 2000 + i), text + std::to_string(i), "2026-11-24T10:00:00Z"));
    ASSERT_TRUE(store_->Write(std::move(b)).get().ok());
  }
  uintmax_t during = fs::file_size(dir_ + "/hub.db-wal");
  EXPECT_GT(during, uintmax_t{16} << 20) << "the pinned reader made the WAL grow: the test can fail";
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  store_->ReleaseMemory();
  EXPECT_LE(fs::file_size(dir_ + "/hub.db-wal"), uintmax_t{1} << 20) << "the WAL was " << (during >> 20) << " MiB";
}

TEST_P(StoreTest, ListsSeeWritesMadeThroughAnotherConnection) {
  WriteBatch b;
  b.upserts = {Rec("1", "First", "2026-11-01T00:00:00Z")};
  Write(b);
  RecordQuery q;
  for (int i = 0; i < 4; ++i)  // every reader of the pool has the page
    ASSERT_EQ(Titles(q), std::vector<std::string>{"First"});
  auto other = OpenAnother(1);  // PostgreSQL: another replica
  ASSERT_TRUE(other.ok()) << other.status().message();
  WriteBatch more;
  more.source = "src";
  more.upserts = {Rec("2", "Second", "2026-11-02T00:00:00Z")};
  ASSERT_TRUE((*other)->Write(std::move(more)).get().ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Titles(q), (std::vector<std::string>{"Second", "First"})) << "reader " << i;
  WriteBatch gone;
  gone.source = "src";
  gone.deletes = {{"s", "1"}};
  ASSERT_TRUE((*other)->Write(std::move(gone)).get().ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Titles(q), std::vector<std::string>{"Second"}) << "reader " << i;
}

TEST_P(StoreTest, FiltersByKindTimeAndVisibility) {
  WriteBatch b;
  b.upserts = {Rec("1", "news", "2026-11-01T00:00:00Z", "post"), Rec("2", "meeting", "2026-11-05T00:00:00Z", "event")};
  json priv = {
      {"id", "3"}, {"kind", "post"}, {"title", "private"}, {"time", "2026-11-03T00:00:00Z"}, {"visibility", "admins"}};
  b.upserts.push_back(NormalizeRecord(priv, "src", "s", "public").value());
  Write(b);
  RecordQuery q;
  q.kind = "event";
  EXPECT_EQ(Titles(q), std::vector<std::string>{"meeting"});
  q = {};
  q.since = "2026-11-02T00:00:00Z";
  q.until = "2026-11-05T00:00:00Z";
  EXPECT_EQ(Titles(q), std::vector<std::string>{"private"});
  q = {};
  q.visibilities = {"public"};
  EXPECT_EQ(Titles(q), (std::vector<std::string>{"meeting", "news"}));
}

TEST_P(StoreTest, RunsAndLogsAreKept) {
  auto id = store_->BeginRun("src", "manual");
  ASSERT_TRUE(id.ok());
  store_->AppendRunLog(*id, "warn", "slow server");
  RunInfo r;
  r.id = *id;
  r.status = "failed";
  r.message = "HTTP 500";
  ASSERT_TRUE(store_->FinishRun(r).ok());
  auto runs = store_->ListRuns("src", 10);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, "failed");
  EXPECT_EQ(store_->GetRun(*id)->message, "HTTP 500");
  EXPECT_EQ(store_->RunLogs(*id)->at(0).message, "slow server");
  EXPECT_EQ(store_->GetRun(*id + 100).status().code(), Status::Code::kNotFound);
}

// Each source's last run and last success in one read, however many failures followed
// the success (the sources page used to look for it among the last 50 runs only).
TEST_P(StoreTest, LatestRunsKnowTheLastSuccessBehindManyFailures) {
  auto run = [&](const std::string& source, const std::string& status) {
    RunInfo r;
    r.id = store_->BeginRun(source, "schedule").value();
    r.status = status;
    EXPECT_TRUE(store_->FinishRun(r).ok());
    return r.id;
  };
  run("a", "ok");
  for (int i = 0; i < 60; ++i) run("a", "failed");
  int64_t last_b = run("b", "failed");
  auto latest = store_->LatestRuns();
  ASSERT_TRUE(latest.ok()) << latest.status().message();
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ(latest->at("a").last.status, "failed");
  EXPECT_GT(latest->at("a").last_success_ms, 0);
  EXPECT_EQ(latest->at("b").last.id, last_b);
  EXPECT_EQ(latest->at("b").last_success_ms, 0) << "b never succeeded";
  EXPECT_EQ(latest->at("a").failures, 60) << "failures since the last success";
  EXPECT_EQ(latest->at("b").failures, 1) << "failures since the first run";
  store_->BeginRun("b", "manual");
  EXPECT_EQ(store_->LatestRuns()->at("b").last.status, "running");
}

// Replicas claim runs: each occurrence of a schedule once, one running run a source, a
// sync-now request taken once. (SQLite: one store is the one hub.)
TEST_P(StoreTest, EachOccurrenceIsBegunOnceAndOneRunASourceAtATime) {
  std::unique_ptr<Store> second;
  if (Postgres()) second = std::move(OpenAnother(1).value());
  Store& other = second ? *second : *store_;
  auto finish = [&](int64_t id) {
    RunInfo r;
    r.id = id;
    r.status = "ok";
    ASSERT_TRUE(store_->FinishRun(r).ok());
  };
  const int64_t at = 1'800'000'000'000;
  auto a = store_->BeginRun({"src", "schedule", at});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(other.BeginRun({"src", "schedule", at}).status().code(), Status::Code::kConflict);
  EXPECT_EQ(other.BeginRun({"src", "manual"}).status().code(), Status::Code::kConflict) << "a run is going";
  finish(*a);
  EXPECT_EQ(other.BeginRun({"src", "schedule", at}).status().code(), Status::Code::kConflict)
      << "this occurrence has run";
  auto b = other.BeginRun({"src", "schedule", at + 3600000});
  ASSERT_TRUE(b.ok()) << b.status().message();
  finish(*b);

  ASSERT_TRUE(other.RequestRun("src").ok());
  ASSERT_TRUE(store_->RequestRun("src").ok());
  EXPECT_EQ(store_->RequestedRuns().value(), std::vector<std::string>{"src"}) << "two asks, one request";
  auto c = other.BeginRun({"src", "manual", 0, /*requested=*/true});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(store_->RequestedRuns()->empty());
  finish(*c);
  EXPECT_EQ(store_->BeginRun({"src", "manual", 0, true}).status().code(), Status::Code::kConflict)
      << "the request was taken";
  EXPECT_EQ(store_->ListRuns("src", 10)->size(), 3u) << "a refused claim writes nothing";
  EXPECT_EQ(store_->LatestRuns()->at("src").last.id, *c);

  // Many at once, from both: one wins.
  std::vector<std::future<bool>> tries;
  for (int i = 0; i < 8; ++i)
    tries.push_back(std::async(std::launch::async, [&, i] {
      return (i % 2 ? other : *store_).BeginRun({"src", "schedule", at + 7200000}).ok();
    }));
  int won = 0;
  for (auto& t : tries) won += t.get();
  EXPECT_EQ(won, 1);
}

TEST_P(StoreTest, RunningRunsOfADeadHubAreMarkedFailedOnOpen) {
  auto id = store_->BeginRun("src", "schedule");
  Open(/*lost_after_ms=*/0);  // PostgreSQL: a new replica, which reaps at once what no heartbeat keeps
  auto run = store_->GetRun(*id);
  // PostgreSQL: lost, as another replica's run is (no failure of the source's).
  EXPECT_EQ(run->status, Postgres() ? "lost" : "failed");
  EXPECT_NE(run->message.find("the hub stopped"), std::string::npos);
}

// A store that an earlier coophub left (schema 3: the search index keyed by uid) opens,
// migrates, and finds and pages what it had, newest first.
TEST(StoreMigration, AStoreFromSchema3KeepsItsRecordsAndItsSearch) {
  std::string tmpl = (fs::temp_directory_path() / "coophub-migrate-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::ifstream in(std::string(COOPHUB_SOURCE_DIR) + "/tests/fixtures/store/schema3.sql");
  ASSERT_TRUE(in) << "the fixture is missing";
  std::stringstream dump;
  dump << in.rdbuf();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/hub.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, dump.str().c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  {
    auto store = OpenSqliteStore({dir + "/hub.db", 1});
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto titles = [&](const std::string& text) {
      RecordQuery q;
      q.q = text;
      std::vector<std::string> out;
      auto page = (*store)->ListRecords(q);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (page.ok())
        for (const auto& i : page->Items()) out.push_back(i["title"]);
      return out;
    };
    EXPECT_EQ(titles("budget"), (std::vector<std::string>{"Budget draft", "Meeting about the budget"}));
    EXPECT_EQ(titles("cafe coop"), std::vector<std::string>{"Café coopératif"});
    WriteBatch b;
    b.source = "ledger";
    json r = {{"id", "5"}, {"kind", "post"}, {"title", "Budget vote"}, {"time", "2026-11-04T00:00:00Z"}};
    b.upserts.push_back(NormalizeRecord(r, "ledger", "rows", "public").value());
    ASSERT_TRUE((*store)->Write(std::move(b)).get().ok());
    EXPECT_EQ(titles("budget"), (std::vector<std::string>{"Budget vote", "Budget draft", "Meeting about the budget"}));
    EXPECT_EQ((*store)->ListRecords(RecordQuery{})->count, 5);
  }
  fs::remove_all(dir);
}

TEST(StoreOpen, UnwritableDirectoryIsNamed) {
  auto s = OpenSqliteStore({"/proc/coophub-cannot-be-here/hub.db", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/proc/coophub-cannot-be-here"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace coophub
