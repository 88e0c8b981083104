// SPDX-License-Identifier: Apache-2.0
//
// Mail: hub.yaml's `mail:` section (the SMTP server the hub hands its messages to) and
// the messages themselves, written as RFC 5322 and MIME say: multipart text and HTML in
// UTF-8, headers with non-ASCII words encoded as RFC 2047 says, lines of CRLF within
// the lengths servers accept. Sending is runtime's (SmtpSend). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/protocol.h"

namespace coophub::mail {

struct MailConfig {
  std::string smtp_url;   // smtp://host:587 (STARTTLS) or smtps://host:465
  std::string from;       // the sender's address: coop@example.org
  std::string from_name;  // shown with it: "Riverside co-op"
  std::string username;
  std::string password;  // a secret reference, resolved when sending: ${env:NAME} or ${file:/path}
  enum class StartTls { kRequired, kOptional, kOff } starttls = StartTls::kRequired;
  // Where members open the hub, for the links in mail: https://hub.coop.example ("":
  // http://server.address:port, which only this machine can open).
  std::string hub_url;
  std::string digest = "weekly";  // the coop's default: never, weekly or monthly
  int digest_hour = 8;            // digests go at this hour, coop time: Mondays, or the 1st
  int per_minute = 60;            // messages handed to the server in a minute, at most
  int alert_failures = 3;         // runs of a source failed in a row before editors are alerted
  bool operator==(const MailConfig&) const = default;
};

// hub.yaml's `mail:` section as JSON; where: "hub.yaml:12" for messages. Strict: an
// unknown key, a URL that is not smtp:// or smtps://, an address that is not one are
// errors naming them.
Result<MailConfig> ParseMail(const json& j, const std::string& where);

struct Address;
// Who the hub's mail is from: from_name (or "coophub") and from.
Address SenderOf(const MailConfig& c);

// Whether text is a mail address the hub will write to: local@domain, printable ASCII,
// no spaces, angle brackets or commas.
bool ValidAddress(std::string_view text);

struct Address {
  std::string name;  // may be any UTF-8, or ""
  std::string email;
};

struct Message {
  Address from;
  std::vector<Address> to;
  std::string subject;  // UTF-8
  std::string text;     // the plain text part, UTF-8
  std::string html;     // the HTML part, UTF-8 ("": text only)
  // More headers, as they are (ASCII): List-Unsubscribe, List-Unsubscribe-Post, …
  std::vector<std::pair<std::string, std::string>> headers;
};

// A header's text as it may stand in a header: as it is when it is printable ASCII,
// else RFC 2047 encoded-words (UTF-8, base64), each at most 75 characters and never
// splitting a character.
std::string HeaderText(std::string_view text);
// "Name <email>", the name quoted or encoded as it needs.
std::string FormatAddress(const Address& a);
// The whole message, CRLF lines: headers (Date from now_unix, Message-ID with
// id_part@the sender's domain), then multipart/alternative text and HTML (boundary
// separates them), each part base64 in lines of 76.
std::string Render(const Message& m, int64_t now_unix, const std::string& id_part, const std::string& boundary);

}  // namespace coophub::mail
