// SPDX-License-Identifier: Apache-2.0
// The records page cache: a page is served only at the version it was read at, never
// to another query (another reader's visibility), and the cache keeps to its budget.
#include "store/page_cache.h"

#include "web/page.h"  // SnippetHtml

#include <gtest/gtest.h>

#include <set>

namespace coophub {
namespace {

RecordPage Page(const std::string& items, size_t pad = 0) {
  RecordPage p;
  p.items_json = items + std::string(pad, ' ');
  p.count = 1;
  return p;
}

// Put twice: a page is kept the second time its query is answered.
void Keep(PageCache& cache, const std::string& key, uint64_t version, const RecordPage& page) {
  cache.Put(key, version, page);
  cache.Put(key, version, page);
}

TEST(PageCache, KeepsAPageTheSecondTimeItsQueryIsAnswered) {
  PageCache cache;
  cache.Put("k", 1, Page("[1]"));
  EXPECT_EQ(cache.Find("k", 1), nullptr) << "asked once: only the key is noted";
  EXPECT_GT(cache.bytes(), 0u);
  cache.Put("k", 1, Page("[1]"));
  ASSERT_NE(cache.Find("k", 1), nullptr);
  cache.Put("k", 1, Page("[2]"));
  EXPECT_EQ(cache.Find("k", 1)->items_json, "[1]") << "what is kept stays until the version moves";
}

TEST(PageCache, AnswersOnlyAtTheVersionThePageWasReadAt) {
  PageCache cache;
  Keep(cache, "k", 3, Page("[1]"));
  ASSERT_NE(cache.Find("k", 3), nullptr);
  EXPECT_EQ(cache.Find("k", 3)->items_json, "[1]");
  EXPECT_EQ(cache.Find("other", 3), nullptr);
  EXPECT_EQ(cache.Find("k", 4), nullptr) << "the data changed: the page is stale";
  EXPECT_EQ(cache.Find("k", 3), nullptr) << "and stays gone when an older version asks";
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(PageCache, APageReadBeforeTheNewestVersionIsNotKept) {
  PageCache cache;
  cache.Find("k", 5);                  // a reader saw version 5
  Keep(cache, "k", 4, Page("[old]"));  // a slower one finishes a page read at 4
  EXPECT_EQ(cache.Find("k", 5), nullptr);
  EXPECT_EQ(cache.Find("k", 4), nullptr);
}

TEST(PageCache, EveryFieldOfAQueryIsPartOfItsKey) {
  RecordQuery base;
  base.visibilities = {"public"};
  std::set<std::string> keys = {PageCache::Key(base)};
  auto differs = [&](auto change) {
    RecordQuery q = base;
    change(q);
    return keys.insert(PageCache::Key(q)).second;
  };
  EXPECT_TRUE(differs([](RecordQuery& q) { q.visibilities = {"public", "members"}; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.visibilities = {}; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.kind = "event"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.source = "event"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.stream = "event"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.q = "event"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.since = "2026-01-01T00:00:00Z"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.until = "2026-01-01T00:00:00Z"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.cursor = "abc"; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.limit = 51; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.oldest_first = true; }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.snippet = SnippetHtml; }));
  // Fields run together must not make one key out of two queries.
  EXPECT_TRUE(differs([](RecordQuery& q) {
    q.kind = "ab";
    q.source = "c";
  }));
  EXPECT_TRUE(differs([](RecordQuery& q) {
    q.kind = "a";
    q.source = "bc";
  }));
  EXPECT_TRUE(differs([](RecordQuery& q) { q.visibilities = {"pub", "lic"}; }));
}

TEST(PageCache, KeepsToItsBudget) {
  PageCache cache(4000);
  Keep(cache, "big", 1, Page("[", 1200));
  EXPECT_EQ(cache.Find("big", 1), nullptr) << "over a quarter of the budget: not kept";
  for (int i = 0; i < 20; ++i) {
    Keep(cache, "k" + std::to_string(i), 1, Page("[", 900));
    EXPECT_LE(cache.bytes(), 4000u);
  }
  EXPECT_NE(cache.Find("k19", 1), nullptr) << "the newest page is kept";
  for (int i = 0; i < 10000; ++i) cache.Put("once" + std::to_string(i), 1, Page("[", 900));
  EXPECT_LE(cache.bytes(), 4000u) << "noted keys count too";
}

}  // namespace
}  // namespace coophub
