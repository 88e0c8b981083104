// SPDX-License-Identifier: Apache-2.0
#include "mail/mail.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace coophub::mail {
namespace {

std::string Unbase64(const std::string& b64) {
  std::string out(b64.size(), '\0');
  size_t len = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(), b64.size(), "\r\n",
                              &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0)
      << b64;
  out.resize(len);
  return out;
}

// "=?UTF-8?B?…?=\r\n =?UTF-8?B?…?=" back to its text, checking each word's frame.
std::string DecodeWords(const std::string& header) {
  std::string out;
  for (size_t at = 0; (at = header.find("=?UTF-8?B?", at)) != std::string::npos;) {
    size_t end = header.find("?=", at + 10);
    EXPECT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - at, 75u) << "an encoded-word longer than RFC 2047 allows";
    out += Unbase64(header.substr(at + 10, end - at - 10));
    at = end + 2;
  }
  return out;
}

TEST(Mail, HeadersInAnyLanguageAreEncodedAsRfc2047Says) {
  EXPECT_EQ(HeaderText("Your week at the coop"), "Your week at the coop");
  for (std::string text :
       {std::string("Résumé de la semaine : 3 changements"),
        std::string("Veckans sammanfattning för Åsa Öberg – ändrade pass"),
        std::string("週のまとめ: シフトが変わりました、確認してください。ありがとう！"), std::string(200, 'a') + "é"}) {
    std::string header = HeaderText(text);
    EXPECT_EQ(DecodeWords(header), text) << header;
    for (char c : header) EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << "8-bit in a header: " << header;
  }
  EXPECT_EQ(FormatAddress({"Ana \"the carer\"", "ana@coop.example"}), "\"Ana \\\"the carer\\\"\" <ana@coop.example>");
  EXPECT_EQ(FormatAddress({"", "ana@coop.example"}), "ana@coop.example");
  std::string named = FormatAddress({"Åsa Öberg", "asa@coop.example"});
  EXPECT_EQ(DecodeWords(named), "Åsa Öberg");
  EXPECT_NE(named.find(" <asa@coop.example>"), std::string::npos);
}

TEST(Mail, AMessageIsMultipartUtf8InShortCrlfLines) {
  Message m;
  m.from = {"Riverside co-op", "hub@riverside.example"};
  m.to = {{"Élodie", "elodie@riverside.example"}};
  m.subject = "Cette semaine à la coop";
  m.text = "Bonjour Élodie,\n3 choses ont changé.\n";
  m.html = "<p>Bonjour Élodie,</p><p>3 choses ont changé.</p>";
  m.headers = {{"List-Unsubscribe", "<https://hub.example/unsubscribe/x>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  std::string raw = Render(m, 1796601600, "digest-1", "b0undary");  // 2026-12-07
  EXPECT_EQ(raw.find("Date: Mon, 07 Dec 2026 00:00:00 +0000\r\n"), 0u) << raw;
  EXPECT_NE(raw.find("\r\nMessage-ID: <digest-1@riverside.example>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: multipart/alternative; boundary=\"b0undary\""), std::string::npos);
  EXPECT_NE(raw.find("\r\n--b0undary--\r\n"), std::string::npos);
  for (size_t at = 0, end; (end = raw.find('\n', at)) != std::string::npos; at = end + 1) {
    EXPECT_EQ(raw[end - 1], '\r') << "a bare LF at " << end;
    EXPECT_LE(end - at, 78u) << "a line over 78 characters: " << raw.substr(at, end - at);
  }
  for (char c : raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80u) << "8-bit data in the message";
  size_t text = raw.find("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  ASSERT_NE(text, std::string::npos);
  size_t body = raw.find("\r\n\r\n", text) + 4;
  EXPECT_EQ(Unbase64(raw.substr(body, raw.find("--b0undary", body) - body)), m.text);
}

TEST(Mail, ConfigIsStrictAndKeepsThePasswordOutOfTheFile) {
  auto ok = ParseMail({{"smtp_url", "smtp://mail.example.org:587"},
                       {"from", "hub@riverside.example"},
                       {"password", "${env:SMTP_PASSWORD}"},
                       {"username", "hub"}},
                      "hub.yaml:30");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->starttls, MailConfig::StartTls::kRequired) << "STARTTLS by default";
  auto bad = [](const json& j) {
    auto c = ParseMail(j, "hub.yaml:30");
    EXPECT_FALSE(c.ok()) << j.dump();
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_EQ(bad({{"smtp_url", "http://x"}, {"from", "a@b.org"}}).rfind("hub.yaml:30.smtp_url: \"http://x\"", 0), 0u);
  EXPECT_NE(bad({{"smtp_url", "smtp://u:p@x:25"}, {"from", "a@b.org"}}).find("no user or password in the URL"),
            std::string::npos);
  EXPECT_NE(bad({{"smtp_url", "smtp://x:25"}, {"from", "not an address"}}).find("hub.yaml:30.from"), std::string::npos);
  EXPECT_NE(bad({{"smtp_url", "smtp://x:25"}, {"from", "a@b.org"}, {"password", "hunter2"}}).find("by reference"),
            std::string::npos);
  EXPECT_NE(bad({{"smtp_url", "smtp://x:25"}, {"from", "a@b.org"}, {"starttls", "maybe"}}).find("starttls"),
            std::string::npos);
  EXPECT_NE(bad({{"smtp_url", "smtp://x:25"}, {"from", "a@b.org"}, {"port", "25"}}).find("unknown key \"port\""),
            std::string::npos);
  for (const char* good : {"ana@coop.example", "a.b+c@sub.coop.example"}) EXPECT_TRUE(ValidAddress(good)) << good;
  for (const char* wrong :
       {"ana", "@coop.example", "ana@", "ana@localhost", "a b@c.org", "<a@b.org>", "a@b.org,c@d.org"})
    EXPECT_FALSE(ValidAddress(wrong)) << wrong;
}

}  // namespace
}  // namespace coophub::mail
