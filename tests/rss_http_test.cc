// SPDX-License-Identifier: Apache-2.0
//
// The rss connector over real HTTP on 127.0.0.1: conditional GET with the ETag kept in
// state, the charset of a Content-Type header, and HTTP failures that say what to do.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "config/config.h"
#include "store/store.h"
#include "sync/sync.h"
#include "support/local_server.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

const char* kFeedV1 = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coop</title>
<item><guid>a</guid><title>First</title><pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>)";
const char* kFeedV2 = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coop</title>
<item><guid>a</guid><title>First, edited</title><pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item>
<item><guid>b</guid><title>Second</title><pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>)";

class FeedServer {
 public:
  std::string Url(const std::string& path) const { return server_.Url(path); }

  std::atomic<int> version_{1}, requests_{0}, not_modified_{0};

 private:
  testing::LocalServer server_{[this](httplib::Server& srv) {
    srv.Get("/feed.xml", [this](const httplib::Request& req, httplib::Response& res) {
      std::string etag = version_ == 1 ? "\"v1\"" : "\"v2\"";
      ++requests_;
      if (req.get_header_value("If-None-Match") == etag) {
        ++not_modified_;
        res.status = 304;
        return;
      }
      res.set_header("ETag", etag);
      res.set_content(version_ == 1 ? kFeedV1 : kFeedV2, "application/rss+xml");
    });
    srv.Get("/latin1.xml", [](const httplib::Request&, httplib::Response& res) {
      // No XML declaration: only the header names the encoding. "Caf\xe9" is latin-1.
      res.set_content(
          "<rss version=\"2.0\"><channel><item><guid>c</guid><title>Caf\xe9 co-op</title>"
          "</item></channel></rss>",
          "text/xml; charset=iso-8859-1");
    });
    srv.Get("/page.html", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><head><title>Coop</title></head><body>Hi</body></html>", "text/html");
    });
    srv.Get("/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    srv.Get("/private.xml", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer s3cret") {
        res.status = 401;
        return;
      }
      res.set_content(kFeedV1, "application/rss+xml");
    });
  }};
};

class RssHttp : public ::testing::Test {
 protected:
  SyncResult Sync(const json& config) { return hub_.Sync("feed", "rss", config); }
  std::vector<std::string> Titles() {
    std::vector<std::string> out;
    for (const auto& r : hub_.Records()) out.push_back(r["title"]);
    return out;
  }

  testing::ScratchHub hub_;
  Store* store_ = &hub_.store();
  FeedServer server_;
};

TEST_F(RssHttp, ConditionalGetKeepsEtagInState) {
  json cfg = {{"url", server_.Url("/feed.xml")}};
  SyncResult first = Sync(cfg);
  ASSERT_TRUE(first.ok()) << first.run.message;
  EXPECT_EQ(first.received, 1);
  EXPECT_EQ(store_->LoadState("feed").value()["entries"]["etag"], "\"v1\"");

  SyncResult same = Sync(cfg);
  ASSERT_TRUE(same.ok()) << same.run.message;
  EXPECT_EQ(server_.not_modified_, 1) << "the second fetch sent If-None-Match and got 304";
  EXPECT_EQ(same.received, 0);
  EXPECT_EQ(store_->LoadState("feed").value()["entries"]["etag"], "\"v1\"") << "state kept across a 304";

  server_.version_ = 2;
  SyncResult changed = Sync(cfg);
  ASSERT_TRUE(changed.ok()) << changed.run.message;
  EXPECT_EQ(changed.received, 2);
  EXPECT_EQ(Titles(), (std::vector<std::string>{"Second", "First, edited"}));
  EXPECT_EQ(store_->LoadState("feed").value()["entries"]["etag"], "\"v2\"");
}

TEST_F(RssHttp, CharsetFromContentTypeHeader) {
  SyncResult r = Sync({{"url", server_.Url("/latin1.xml")}});
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Titles(), std::vector<std::string>{"Caf\xc3\xa9 co-op"});
}

TEST_F(RssHttp, FailuresSayWhatToDoAndKeepWhatWasStored) {
  ASSERT_TRUE(Sync({{"url", server_.Url("/feed.xml")}}).ok());
  struct Case {
    std::string path, message;
    bool retryable;
  } cases[] = {
      {"/missing.xml", "HTTP 404 from " + server_.Url("/missing.xml") + ": there is nothing at this address", false},
      {"/broken", "HTTP 503 from " + server_.Url("/broken") + ": the server is busy or failing", true},
      {"/private.xml",
       "HTTP 401 from " + server_.Url("/private.xml") +
           ": the server refused access; a private document needs auth_header",
       false},
      {"/page.html",
       server_.Url("/page.html") + ": not a feed: the document's root element is <html>; this is a web page", false},
  };
  for (const auto& c : cases) {
    SyncResult r = Sync({{"url", server_.Url(c.path)}});
    EXPECT_EQ(r.run.outcome, RunResult::Outcome::kConnectorError) << c.path;
    EXPECT_EQ(r.run.message.rfind(c.message, 0), 0u) << r.run.message;
    EXPECT_EQ(r.run.retryable, c.retryable) << c.path;
  }
  EXPECT_EQ(Titles(), std::vector<std::string>{"First"}) << "failed syncs lose nothing stored";
}

TEST_F(RssHttp, AuthHeaderComesFromASecretReference) {
  setenv("COOPHUB_TEST_FEED_TOKEN", "s3cret", 1);
  SyncResult r = Sync({{"url", server_.Url("/private.xml")}, {"auth_header", "Bearer ${env:COOPHUB_TEST_FEED_TOKEN}"}});
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 1);
  auto runs = store_->ListRuns("feed", 1);
  auto log = store_->RunLogs(runs->at(0).id);
  ASSERT_TRUE(log.ok());
  for (const auto& line : *log) EXPECT_EQ(line.message.find("s3cret"), std::string::npos) << "a secret in the run log";
}

// An HTTPS server with a self-signed certificate, made by the openssl command at test time.
TEST(RssHttps, SelfSignedCertificateIsATlsFailureNamedAsSuch) {
  testing::ScratchHub hub;
  std::string key = hub.dir().path() + "/key.pem", cert = hub.dir().path() + "/cert.pem";
  std::string out, err;
  ASSERT_EQ(testing::RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                                 cert, "-days", "1", "-subj", "/CN=127.0.0.1"},
                                &out, &err),
            0)
      << err;
  httplib::SSLServer srv(cert.c_str(), key.c_str());
  ASSERT_TRUE(srv.is_valid());
  srv.Get("/feed.xml",
          [](const httplib::Request&, httplib::Response& res) { res.set_content(kFeedV1, "application/rss+xml"); });
  int port = srv.bind_to_any_port("127.0.0.1");
  std::thread t([&] { srv.listen_after_bind(); });
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/feed.xml";
  SyncResult r = hub.Sync("feed", "rss", {{"url", url}});
  srv.stop();
  t.join();
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_EQ(r.run.message.rfind("TLS failure talking to " + url + ": ", 0), 0u) << r.run.message;
  EXPECT_NE(r.run.message.find("self-signed certificate"), std::string::npos) << r.run.message;
  EXPECT_TRUE(hub.Records().empty());
}

}  // namespace
}  // namespace coophub
