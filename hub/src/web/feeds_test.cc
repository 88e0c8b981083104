// SPDX-License-Identifier: Apache-2.0
// Atom and iCalendar output: escaping and line folding; renderers that read no clock.
#include "web/feeds.h"

#include "api/api.h"
#include "web/page.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace coophub {
namespace {

TEST(Feeds, IcsEscapesTextAndFoldsLongLinesBetweenCharacters) {
  std::string title = "Assemblea; pressupost, torns \\ i el cafè de la cooperativa ";
  for (int i = 0; i < 3; ++i) title += title;  // long enough to fold several times
  json records = json::array({{{"id", "a"},
                               {"source", "cal"},
                               {"stream", "events"},
                               {"kind", "event"},
                               {"title", title},
                               {"summary", "line one\nline two"},
                               {"time", "2026-12-12T13:00:00Z"},
                               {"end", "2026-12-12T16:00:00Z"}}});
  std::string ics = RenderIcs(records, {"cal", "http://h/feeds/records.ics"});
  std::istringstream lines(ics);
  std::string unfolded, line;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\r') << "CRLF line ends";
    line.pop_back();
    EXPECT_LE(line.size(), 75u) << line;
    // A fold never splits a UTF-8 sequence: no line starts with a continuation byte.
    if (line[0] == ' ') {
      EXPECT_NE(static_cast<unsigned char>(line[1]) & 0xC0, 0x80) << line;
      unfolded += line.substr(1);
    } else {
      unfolded += "\n" + line;
    }
  }
  std::string want = "SUMMARY:" + title;
  for (const char* from : {"\\", ";", ","}) {
    std::string escaped;
    for (size_t p = 0; p < want.size(); ++p) {
      if (p >= 8 && want.compare(p, 1, from) == 0) escaped += "\\";
      escaped += want[p];
    }
    want = escaped;
  }
  EXPECT_NE(unfolded.find("\n" + want + "\n"), std::string::npos) << unfolded.substr(0, 400);
  EXPECT_NE(unfolded.find("\nDESCRIPTION:line one\\nline two\n"), std::string::npos);
  EXPECT_NE(unfolded.find("\nDTSTART:20261212T130000Z\nDTEND:20261212T160000Z\n"), std::string::npos);
}

TEST(Feeds, IcsFoldingEndsEvenOnBytesThatAreNotUtf8) {
  std::string ics = RenderIcs(json::array(), {std::string(300, '\xbb'), "http://h/feeds/records.ics"});
  std::istringstream lines(ics);
  std::string line;
  size_t bytes = 0;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 76u);  // 75 octets and the CR
    bytes += std::count(line.begin(), line.end(), '\xbb');
  }
  EXPECT_EQ(bytes, 300u) << "every byte is written once";
}

TEST(Feeds, AtomEscapesMarkupAndDropsControlCharacters) {
  json records = json::array({{{"id", "1"},
                               {"source", "s"},
                               {"stream", "e"},
                               {"title", "<b>Tom & \"Jerry\"</b>\x01"},
                               {"time", "2026-11-24T09:00:00Z"},
                               {"url", "https://x.example/?a=1&b=2"}}});
  std::string atom = RenderAtom(records, {"t", "http://h/feeds/records.atom"});
  EXPECT_NE(atom.find("<title>&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;</title>"), std::string::npos) << atom;
  EXPECT_NE(atom.find("href=\"https://x.example/?a=1&amp;b=2\""), std::string::npos) << atom;
  EXPECT_NE(atom.find("<id>tag:coophub,2026:s/e/1</id>"), std::string::npos) << atom;
}

}  // namespace
}  // namespace coophub

namespace coophub {
namespace {

// The renderers read no clock: the same input and `now` give the same bytes.
TEST(Feeds, StampsAreTheNowTheyAreGiven) {
  FeedInfo info{"t", "http://h/feeds/records.ics", /*now=*/1796212800};  // 2026-12-02T12:00:00Z
  json events = json::array({{{"id", "a"}, {"kind", "event"}, {"title", "t"}, {"time", "2026-12-12T13:00:00Z"}}});
  std::string ics = RenderIcs(events, info);
  EXPECT_NE(ics.find("DTSTAMP:20261202T120000Z"), std::string::npos) << ics;
  EXPECT_EQ(ics, RenderIcs(events, info));
  std::string atom = RenderAtom(json::array(), info);
  EXPECT_NE(atom.find("<updated>2026-12-02T12:00:00Z</updated>"), std::string::npos) << atom;
}

}  // namespace
}  // namespace coophub
