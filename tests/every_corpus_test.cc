// SPDX-License-Identifier: Apache-2.0
//
// Every file parser on every file of ../shared/corpora, whatever it was written for: a
// feed, a calendar, a CSV file or JSON. Each parser reads it or says why not; none
// crashes, hangs or trips a sanitizer (this binary is built with ASan and UBSan), and
// a refusal always says something.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "calendar.h"
#include "csv_table.h"
#include "feed.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

TEST(EveryCorpus, EveryParserReadsOrRefusesEveryFile) {
  fs::path root = COOPHUB_CORPORA;
  ASSERT_TRUE(fs::exists(root)) << root;
  feed::FeedGlobalInit();
  int files = 0, feeds = 0, calendars = 0, tables = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.file_size() > (4 << 20)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const std::string name = e.path().string();
    ++files;

    feed::ParseResult f = feed::Parse(text, "file://" + name);
    if (f.feed)
      ++feeds;
    else
      EXPECT_FALSE(f.error.empty()) << "rss refused " << name << " without saying why";

    ical::ExpandOptions window{1577836800, 1893456000, 500};  // 2020 to 2030, 500 a rule
    ical::ParseResult c = ical::Parse(text, window);
    if (c.error.empty()) calendars += c.records.empty() ? 0 : 1;

    csv::ReadError bad;
    if (auto utf8 = csv::ToUtf8(text, "UTF-8", &bad)) {
      int64_t rows = 0;
      auto err = csv::ReadRows(*utf8, {}, [&](csv::Row&& r) {
        EXPECT_GE(r.line, 1) << name;
        return ++rows < 100000;
      });
      if (!err)
        ++tables;
      else
        EXPECT_FALSE(err->message.empty()) << "csv refused " << name << " without saying why";
    } else {
      EXPECT_FALSE(bad.message.empty()) << name;
    }
  }
  std::printf("every corpus: %d files; %d read as feeds, %d as calendars with events, %d as CSV\n", files, feeds,
              calendars, tables);
  EXPECT_GT(files, 2000);
  EXPECT_GT(feeds, 1500);
  EXPECT_GT(calendars, 50);
}

}  // namespace
}  // namespace coophub
