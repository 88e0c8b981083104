// SPDX-License-Identifier: Apache-2.0
// Protocol lines and record normalisation.
#include "protocol.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(Protocol, ParsesEachMessageType) {
  auto m = ParseLine(R"({"type":"RECORD","stream":"s","record":{"id":"1"}})", 1);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MsgType::kRecord);
  EXPECT_EQ(m->stream, "s");
  EXPECT_EQ(ParseLine(R"({"type":"STATE","value":{"a":1}})", 1)->type, MsgType::kState);  // Singer
  EXPECT_EQ(ParseLine(R"({"type":"SCHEMA","stream":"users","schema":{},"key_properties":["id"]})", 1)->type,
            MsgType::kSingerSchema);
}

TEST(Protocol, BadLinesNameTheLineAndField) {
  struct Case {
    const char* line;
    const char* error;
  } cases[] = {
      {"hello", "line 7: not a JSON object: \"hello\""},
      {"[1,2]", "line 7: not a JSON object"},
      {R"({"stream":"s"})", "line 7: no \"type\" field"},
      {R"({"type":"RECORDS"})", "line 7: unknown message type \"RECORDS\""},
      {R"({"type":"RECORD","stream":"s"})", "line 7: RECORD missing field \"record\""},
      {R"({"type":"RECORD","stream":3,"record":{}})", "line 7: RECORD field \"stream\" must be a string"},
      {R"({"type":"CHECK","ok":"yes"})", "line 7: CHECK field \"ok\" must be true or false"},
  };
  for (const auto& c : cases) {
    auto m = ParseLine(c.line, 7);
    ASSERT_FALSE(m.ok()) << c.line;
    EXPECT_EQ(m.status().message().rfind(c.error, 0), 0u) << m.status().message();
  }
}

TEST(Records, NormalisesTimesAndSetsSourceAndVisibility) {
  json r = {{"id", 42}, {"kind", "event"}, {"time", "2026-11-24T10:00:00+01:00"}, {"title", "AGM"}};
  auto s = NormalizeRecord(r, "cal", "events", "members");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->id, "42");
  EXPECT_EQ(s->time, "2026-11-24T09:00:00Z");
  json stored = json::parse(s->json);
  EXPECT_EQ(stored["source"], "cal");
  EXPECT_EQ(stored["visibility"], "members");
}

TEST(Records, RejectsWhatBreaksTheShape) {
  struct Case {
    json record;
    const char* error;
  } cases[] = {
      {{{"kind", "post"}}, "record has no \"id\""},
      {{{"id", "1"}, {"kind", "party"}}, "kind \"\"party\"\" is not one of"},
      {{{"id", "1"}, {"time", "yesterday"}}, "\"time\" is \"yesterday\", not an RFC 3339 instant"},
      {{{"id", "1"}, {"amount", {{"value", 12.5}, {"currency", "EUR"}}}}, "amount.value\" must be a decimal string"},
      {{{"id", "1"}, {"amount", {{"value", "12.50"}, {"currency", "euro"}}}}, "ISO 4217"},
      {{{"id", "1"}, {"tags", {"a", 2}}}, "\"tags\" must be an array of strings"},
      {{{"id", "1"}, {"visibility", "everyone"}}, "visibility \"everyone\""},
  };
  for (const auto& c : cases) {
    auto s = NormalizeRecord(c.record, "src", "s", "public");
    ASSERT_FALSE(s.ok()) << c.record.dump();
    EXPECT_NE(s.status().message().find(c.error), std::string::npos) << s.status().message();
  }
}

TEST(Records, SingerRowsGetTheirKeyAsId) {
  json r = FromSingerRecord({{"org", "acme"}, {"num", 7}, {"name", "Widget"}}, {"org", "num"});
  EXPECT_EQ(r["id"], "acme:7");
  EXPECT_EQ(r["title"], "Widget");
  EXPECT_EQ(r["data"]["num"], 7);
}

}  // namespace
}  // namespace coophub
