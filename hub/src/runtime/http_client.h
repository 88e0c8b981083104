// SPDX-License-Identifier: Apache-2.0
//
// Outgoing HTTP(S) and file:// requests, made on behalf of connectors (the host side of
// the plugin ABI's http callback), and mail handed to an SMTP server. The one file that
// talks to libcurl. Each call is
// independent and thread-safe once HttpGlobalInit() has run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/outbound_policy.h"

namespace coophub {

struct HttpFetchRequest {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  int64_t timeout_ms = 30000;
  int64_t max_body_bytes = int64_t{64} << 20;
  // What the request may reach (a sandboxed source's); null: anything. Checked for the
  // file of a file:// URL and for the address of every connection, redirects included.
  const OutboundPolicy* policy = nullptr;
};

struct HttpFetchResponse {
  int status = 0;  // 0: no response; error says why. file:// success is 200.
  std::string body;
  std::string headers;  // "name: value\n", names lower-cased, of the final response
  std::string error;
  std::string url;  // after redirects
};

void HttpGlobalInit();
HttpFetchResponse HttpFetch(const HttpFetchRequest& request);

// One message handed to an SMTP server (RFC 5321) by libcurl: smtp://host:port with
// STARTTLS as tls says, or smtps://host:port (TLS from the start).
struct SmtpSendRequest {
  std::string url;  // smtp://mail.example.org:587 or smtps://mail.example.org:465
  enum class Tls { kRequired, kIfOffered, kOff } starttls = Tls::kRequired;  // smtp:// only
  std::string username, password;                                            // none: no AUTH
  std::string from;                                                          // the envelope sender
  std::vector<std::string> to;                                               // envelope recipients
  std::string message;                                                       // RFC 5322, CRLF lines
  int64_t timeout_ms = 30000;
};

struct SmtpSendResult {
  bool sent = false;
  int code = 0;        // the server's last reply code (250, 421, 550, …); 0: no reply
  bool retry = false;  // worth trying again later: no answer, or a 4xx
  std::string error;   // what went wrong, naming the server, never the password
};
SmtpSendResult SmtpSend(const SmtpSendRequest& request);

}  // namespace coophub
