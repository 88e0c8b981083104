// SPDX-License-Identifier: Apache-2.0
//
// The ical connector against a real CalDAV server: Radicale, started by the test on
// 127.0.0.1. A calendar is filled over HTTP, synced, then one event is changed and one
// deleted between two syncs; an unchanged calendar (same ctag) costs one PROPFIND.
#include <gtest/gtest.h>

#include <coophub/fetch.hpp>

#include "support/hub_process.h"

namespace coophub {
namespace {

class Radicale {
 public:
  explicit Radicale(const testing::TempDir& dir) : port_(testing::FreePort()) {
    std::string cfg = dir.Write("radicale.conf", "[server]\nhosts = 127.0.0.1:" + std::to_string(port_) +
                                                     "\n[auth]\ntype = none\n[rights]\ntype = owner_only\n"
                                                     "[storage]\nfilesystem_folder = " +
                                                     dir.path() + "/collections\n[logging]\nlevel = warning\n");
    SpawnOptions o;
    o.argv = {"radicale", "--config", cfg};
    started_ = proc_.Start(o).ok();
    proc_.CloseStdin();
    // Bounded wait until it answers (at most 15 s), polling every 50 ms.
    for (int i = 0; started_ && i < 300 && !ready_; ++i) {
      ready_ = Dav("PROPFIND", "/", "").status == 207;
      if (!ready_) poll(nullptr, 0, 50);
    }
  }
  ~Radicale() {
    proc_.Signal(SIGTERM);
    int64_t rss;
    proc_.Wait(&rss);
  }
  bool ready() const { return ready_; }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  HttpFetchResponse Dav(const std::string& method, const std::string& path, const std::string& body,
                        const std::string& type = "application/xml") const {
    HttpFetchRequest r;
    r.method = method;
    r.url = Url(path);
    r.body = body;
    r.timeout_ms = 5000;
    r.headers = {
        {"Authorization", BasicAuth("coop", "s3cret")}, {"Content-Type", type}, {"Depth", "0"}};  // coop:s3cret
    return HttpFetch(r);
  }
  int Put(const std::string& name, const std::string& uid, const std::string& summary) const {
    std::string ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
                      "\r\nSUMMARY:" + summary +
                      "\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\n"
                      "END:VEVENT\r\nEND:VCALENDAR\r\n";
    return Dav("PUT", "/coop/cal/" + name, ics, "text/calendar").status;
  }

 private:
  int port_;
  bool started_ = false, ready_ = false;
  Subprocess proc_;
};

TEST(CalDav, BasicAuthIsEncodedAsRfc7617Says) {
  EXPECT_EQ(BasicAuth("coop", "s3cret"), "Basic Y29vcDpzM2NyZXQ=");
  EXPECT_EQ(BasicAuth("a", ""), "Basic YTo=");
  EXPECT_EQ(BasicAuth("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(CalDav, SyncsChangesAndDeletionsFromRadicale) {
  testing::ScratchHub hub;
  Radicale server(hub.dir());
  ASSERT_TRUE(server.ready()) << "radicale did not start (apt-get install radicale)";
  ASSERT_EQ(server
                .Dav("MKCOL", "/coop/cal/",
                     "<?xml version=\"1.0\"?><d:mkcol xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
                     "<d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop></d:set>"
                     "</d:mkcol>")
                .status,
            201);
  ASSERT_EQ(server.Put("agm.ics", "agm@coop", "General assembly"), 201);
  ASSERT_EQ(server.Put("lunch.ics", "lunch@coop", "Members' lunch"), 201);

  setenv("COOPHUB_TEST_CALDAV_PASSWORD", "s3cret", 1);
  json config = {{"url", server.Url("/coop/cal/")},
                 {"caldav", true},
                 {"username", "coop"},
                 {"password", "${env:COOPHUB_TEST_CALDAV_PASSWORD}"},
                 {"window_past_days", 3650}};
  SyncResult first = hub.Sync("cal", "ical", config);
  ASSERT_TRUE(first.ok()) << first.run.message;
  EXPECT_EQ(first.received, 2);

  SyncResult unchanged = hub.Sync("cal", "ical", config);
  ASSERT_TRUE(unchanged.ok()) << unchanged.run.message;
  EXPECT_EQ(unchanged.received, 0) << "same ctag: nothing read";

  ASSERT_EQ(server.Put("agm.ics", "agm@coop", "General assembly (room 2)"), 201);
  ASSERT_EQ(server.Dav("DELETE", "/coop/cal/lunch.ics", "").status, 200);
  SyncResult second = hub.Sync("cal", "ical", config);
  ASSERT_TRUE(second.ok()) << second.run.message;
  EXPECT_EQ(second.deleted, 1);
  json records = hub.Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["title"], "General assembly (room 2)");
  EXPECT_EQ(records[0]["id"], "agm@coop");

  SyncResult bad = hub.Sync("cal2", "ical", {{"url", server.Url("/coop/nope/")}, {"caldav", true}});
  EXPECT_EQ(bad.run.outcome, RunResult::Outcome::kConnectorError) << bad.run.message;
  EXPECT_EQ(bad.run.message,
            "HTTP 404 from " + server.Url("/coop/nope/") + ": there is nothing at this address; check the URL");
}

}  // namespace
}  // namespace coophub
