// SPDX-License-Identifier: Apache-2.0
//
// Mail through a real SMTP server: Debian's aiosmtpd, started by the test on 127.0.0.1,
// keeping what it receives in a maildir. `coophub mail test` hands it a message whose
// envelope, headers and body are read back from there; a server that is not there is
// said as such, naming the setting to check.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/hub_process.h"
#include "support/smtp_server.h"

namespace coophub {
namespace {

using testing::SmtpServer;
using testing::Unbase64;

TEST(MailServer, ATestMessageReachesARealSmtpServerAsSent) {
  testing::TempDir dir;
  SmtpServer smtp(dir);
  ASSERT_TRUE(smtp.ready()) << "aiosmtpd did not start (Debian's python3-aiosmtpd)";
  std::string cfg = dir.Write("hub.yaml", "mail:\n  smtp_url: " + smtp.url() +
                                              "\n  from: hub@riverside.example\n  from_name: Riverside co-op\n"
                                              "  starttls: off  # a server on this machine\n");
  std::string out, err;
  int rc = testing::RunCommand({COOPHUB_BINARY, "mail", "test", "ana@riverside.example", "--config", cfg}, &out, &err);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_NE(out.find("sent a test message to ana@riverside.example"), std::string::npos) << out;
  std::vector<std::string> got = smtp.Received();
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_NE(m.find("X-MailFrom: hub@riverside.example"), std::string::npos) << m;
  EXPECT_NE(m.find("X-RcptTo: ana@riverside.example"), std::string::npos) << m;
  EXPECT_NE(m.find("From: \"Riverside co-op\" <hub@riverside.example>"), std::string::npos) << m;
  // The subject's check mark travels as an RFC 2047 word, and reads back whole.
  size_t word = m.find("Subject: =?UTF-8?B?");
  ASSERT_NE(word, std::string::npos) << m;
  size_t end = m.find("?=", word);
  EXPECT_EQ(Unbase64(m.substr(word + 19, end - word - 19)), "coophub: mail works ✓");
  EXPECT_NE(m.find("Content-Type: multipart/alternative"), std::string::npos);
  size_t text = m.find("Content-Type: text/plain; charset=UTF-8");
  ASSERT_NE(text, std::string::npos);
  size_t body = m.find("\n\n", text) + 2;
  EXPECT_NE(Unbase64(m.substr(body, m.find("--", body) - body)).find("the hub can reach its members by mail"),
            std::string::npos);

  // Nothing answering, and a server that asks for STARTTLS it does not have: each said.
  std::string nobody =
      dir.Write("nobody.yaml", "mail:\n  smtp_url: smtp://127.0.0.1:" + std::to_string(testing::FreePort()) +
                                   "\n  from: hub@riverside.example\n  starttls: off\n");
  rc = testing::RunCommand({COOPHUB_BINARY, "mail", "test", "ana@riverside.example", "--config", nobody}, &out, &err);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("nothing answers"), std::string::npos) << err;
  EXPECT_NE(err.find("mail.smtp_url in " + nobody), std::string::npos) << err;
  std::string strict = dir.Write(
      "strict.yaml", "mail:\n  smtp_url: " + smtp.url() + "\n  from: hub@riverside.example\n");  // STARTTLS required
  rc = testing::RunCommand({COOPHUB_BINARY, "mail", "test", "ana@riverside.example", "--config", strict}, &out, &err);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("does not offer STARTTLS"), std::string::npos) << err;
  EXPECT_EQ(smtp.Received().size(), 1u) << "a message went out in the clear";
  rc = testing::RunCommand({COOPHUB_BINARY, "mail", "test", "not-an-address", "--config", cfg}, &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("is not a mail address"), std::string::npos) << err;
}

}  // namespace
}  // namespace coophub

namespace coophub {
namespace {

// Each account has an address for the hub's mail: given with `coophub user add --email`,
// or by an admin through the API; a wrong one is refused, naming the field.
TEST(MailServer, AccountsHaveAnAddressForMail) {
  testing::TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  std::string data = dir.path() + "/data", out, err;
  std::string pw = dir.Write("pw", "a long password 1\n");
  ASSERT_EQ(testing::RunCommand({COOPHUB_BINARY, "user", "add", "ana", "--email", "ana@riverside.example",
                                 "--password-file", pw, "--config", cfg, "--data", data},
                                &out, &err),
            0)
      << err;
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "user", "add", "bo", "--email", "bo at riverside", "--password-file",
                                 pw, "--config", cfg, "--data", data},
                                &out, &err),
            2);
  EXPECT_NE(err.find("--email \"bo at riverside\" is not a mail address"), std::string::npos) << err;
  testing::Hub hub(cfg, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  auto Email = [&](const std::string& name) {
    json users = hub.Get("/api/v1/users").Json();
    for (const auto& u : users["items"])
      if (u["name"] == name) return std::make_pair(u["id"].get<int64_t>(), u["email"].get<std::string>());
    return std::make_pair(int64_t{0}, std::string("(no such user)"));
  };
  EXPECT_EQ(Email("ana").second, "ana@riverside.example");
  testing::Http made = hub.Post("/api/v1/users", R"({"name": "cai", "password": "a long password 2",
                                                     "email": "cai@riverside.example"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.Json()["email"], "cai@riverside.example");
  EXPECT_EQ(hub.Post("/api/v1/users", R"({"name": "dee", "password": "a long password 2", "email": "dee"})").status,
            400);
  int64_t cai = Email("cai").first;
  testing::Http changed =
      hub.Send("PATCH", "/api/v1/users/" + std::to_string(cai), R"({"email": "cai@elsewhere.example"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Email("cai").second, "cai@elsewhere.example");
  testing::Http wrong =
      hub.Send("PATCH", "/api/v1/users/" + std::to_string(cai), R"({"email": "<cai@elsewhere.example>"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("email is a mail address"), std::string::npos) << wrong.body;
  EXPECT_EQ(Email("cai").second, "cai@elsewhere.example") << "a refused change changed it";
  testing::Http cleared = hub.Send("PATCH", "/api/v1/users/" + std::to_string(cai), R"({"email": ""})");
  EXPECT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(Email("cai").second, "");
}

}  // namespace
}  // namespace coophub
