// SPDX-License-Identifier: Apache-2.0
// Protocol lines and record normalisation.
#include "model/protocol.h"

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
      // Every field the hub reads, with the wrong type: each fails here, in the parser.
      {R"({"type":"LOG","level":2,"message":"x"})", "line 7: LOG field \"level\" must be a string"},
      {R"({"type":"LOG","level":"loud","message":"x"})", "line 7: LOG field \"level\" is \"loud\""},
      {R"({"type":"LOG","message":["x"]})", "line 7: LOG field \"message\" must be a string"},
      {R"({"type":"ERROR","message":"x","retryable":"yes"})",
       "line 7: ERROR field \"retryable\" must be true or false"},
      {R"({"type":"ERROR","message":7})", "line 7: ERROR field \"message\" must be a string"},
      {R"({"type":"CHECK","ok":true,"message":{}})", "line 7: CHECK field \"message\" must be a string"},
      {R"({"type":"CHECK","ok":true,"choices":["a"]})",
       "line 7: CHECK field \"choices\" must be an object (field -> the values found for it)"},
      {R"({"type":"PROGRESS","done":"half"})", "line 7: PROGRESS field \"done\" must be a whole number"},
      {R"({"type":"PROGRESS","done":-1})", "line 7: PROGRESS field \"done\" must be a whole number"},
      {R"({"type":"PROGRESS","done":1,"total":"ten"})", "line 7: PROGRESS field \"total\" must be a whole number"},
      {R"({"type":"PROGRESS","done":1e300})", "line 7: PROGRESS field \"done\" must be a whole number"},
      {R"({"type":"DELETE","stream":"s","id":1.5})", "line 7: DELETE field \"id\" must be a string"},
      {R"({"type":"DELETE","stream":"s"})", "line 7: DELETE missing field \"id\""},
      {R"({"type":"STATE","stream":"s"})", "line 7: STATE missing field \"state\""},
      {R"({"type":"SCHEMA","stream":"s","key_properties":"id"})",
       "line 7: SCHEMA field \"key_properties\" must be an array of strings"},
      {R"({"type":"SCHEMA","stream":"s","key_properties":[1]})",
       "line 7: SCHEMA field \"key_properties\" must be an array of strings"},
      {R"({"type":"STREAM","name":"s","schema":[]})", "line 7: STREAM field \"schema\" must be an object"},
      {R"({"type":"SPEC","spec":{},"description":1})", "line 7: SPEC field \"description\" must be a string"},
      {R"({"type":"HELLO","version":1})", "line 7: HELLO field \"version\" must be a string"},
  };
  for (const auto& c : cases) {
    auto m = ParseLine(c.line, 7);
    ASSERT_FALSE(m.ok()) << c.line;
    EXPECT_EQ(m.status().message().rfind(c.error, 0), 0u) << m.status().message();
  }
}

TEST(Protocol, TypedFieldsAreFilledByTheParser) {
  auto log = ParseLine(R"({"type":"LOG","level":"WARNING","message":"disk"})", 1);
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ(log->level, "warn");
  EXPECT_EQ(log->message, "disk");
  EXPECT_EQ(ParseLine(R"({"type":"LOG","message":"m"})", 1)->level, "info");
  auto err = ParseLine(R"({"type":"ERROR","message":"down","retryable":true})", 1);
  EXPECT_TRUE(err->retryable);
  EXPECT_EQ(err->message, "down");
  EXPECT_FALSE(ParseLine(R"({"type":"ERROR","message":"down"})", 1)->retryable);
  auto prog = ParseLine(R"({"type":"PROGRESS","done":3.0,"total":null})", 1);
  ASSERT_TRUE(prog.ok()) << prog.status().message();
  EXPECT_EQ(prog->done, 3);
  EXPECT_EQ(prog->total, -1);
  EXPECT_EQ(ParseLine(R"({"type":"DELETE","stream":"s","id":42})", 1)->id, "42");
  auto schema = ParseLine(R"({"type":"SCHEMA","stream":"u","key_properties":["a","b"]})", 1);
  EXPECT_EQ(schema->key_properties, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ParseLine(R"({"type":"STATE","value":{}})", 1)->singer_state);
  EXPECT_FALSE(ParseLine(R"({"type":"CHECK","ok":false})", 1)->ok);
}

TEST(Records, WrongTypesAreErrorsNotExceptions) {
  for (json bad : {json{{"id", "1"}, {"kind", 5}}, json{{"id", "1"}, {"visibility", 3}},
                   json{{"id", "1"}, {"title", json::array()}}, json{{"id", "1"}, {"tags", "a"}},
                   json{{"id", "1"}, {"location", {{"lat", "north"}}}}, json{{"id", json::object()}}}) {
    Result<StoredRecord> r = Status::Invalid("not run");
    EXPECT_NO_THROW(r = NormalizeRecord(bad, "s", "t", "members")) << bad.dump();
    EXPECT_FALSE(r.ok()) << bad.dump();
  }
  json null_fields = {{"id", "1"}, {"kind", nullptr}, {"visibility", nullptr}};
  auto ok = NormalizeRecord(null_fields, "s", "t", "members");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->kind, "other");
  EXPECT_EQ(ok->visibility, "members");
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
      {{{"id", "1"}, {"kind", "party"}}, "kind \"party\" is not one of"},
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

namespace coophub {
namespace {

// A connector is not trusted: its record may narrow the source's visibility, not widen it.
TEST(Normalize, ARecordNarrowsItsSourcesVisibilityButNeverWidensIt) {
  auto vis = [](const char* asked, const char* source) {
    return NormalizeRecord(json{{"id", "1"}, {"visibility", asked}}, "s", "t", source).value().visibility;
  };
  EXPECT_EQ(vis("admins", "public"), "admins");
  EXPECT_EQ(vis("members", "public"), "members");
  EXPECT_EQ(vis("public", "members"), "members");
  EXPECT_EQ(vis("public", "admins"), "admins");
  EXPECT_EQ(vis("members", "admins"), "admins");
  EXPECT_FALSE(NormalizeRecord(json{{"id", "1"}, {"visibility", "world"}}, "s", "t", "public").ok());
}

}  // namespace
}  // namespace coophub

namespace coophub {
namespace {

// The record errors read as docs/plugins.md gives them.
TEST(Normalize, AnUnknownKindIsQuotedOnce) {
  auto r = NormalizeRecord(json{{"id", "7"}, {"kind", "meeting"}}, "s", "t", "members");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("record \"7\": kind \"meeting\" is not one of post, event,", 0), 0u)
      << r.status().message();
}

}  // namespace
}  // namespace coophub
