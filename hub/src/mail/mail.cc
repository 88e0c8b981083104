// SPDX-License-Identifier: Apache-2.0
// Mail config and messages; see mail.h.
#include "mail/mail.h"

#include <sodium.h>

#include <ctime>
#include <set>

namespace coophub::mail {
namespace {

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // its NUL
  return out;
}

// A body part's base64 in lines of 76, each ending in CRLF (RFC 2045).
std::string Base64Lines(std::string_view bytes) {
  std::string b64 = Base64(bytes), out;
  for (size_t at = 0; at < b64.size(); at += 76) out += b64.substr(at, 76) + "\r\n";
  return out;
}

bool PrintableAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

// The length of the UTF-8 character that starts with byte c.
size_t CharLength(unsigned char c) { return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1; }

}  // namespace

Result<MailConfig> ParseMail(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::Invalid(where + ": mail must be a map (smtp_url:, from:, ...)");
  static const std::set<std::string> kKeys = {"smtp_url",    "from",       "from_name",     "username",
                                              "password",    "starttls",   "hub_url",       "digest",
                                              "digest_hour", "per_minute", "alert_failures"};
  static const std::set<std::string> kNumbers = {"digest_hour", "per_minute", "alert_failures"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key))
      return Status::Invalid(where + ": unknown key \"" + key +
                             "\" (smtp_url, from, from_name, username, password, starttls, hub_url, digest,"
                             " digest_hour, per_minute, alert_failures)");
    if (kNumbers.count(key) ? !value.is_number_integer() : !value.is_string())
      return Status::Invalid(where + "." + key + (kNumbers.count(key) ? ": must be a whole number" : ": must be text"));
  }
  MailConfig c;
  auto Text = [&](const char* key) { return j.contains(key) ? j[key].get<std::string>() : std::string(); };
  c.smtp_url = Text("smtp_url");
  c.from = Text("from");
  c.from_name = Text("from_name");
  c.username = Text("username");
  c.password = Text("password");
  if (c.smtp_url.rfind("smtp://", 0) != 0 && c.smtp_url.rfind("smtps://", 0) != 0)
    return Status::Invalid(where + ".smtp_url: \"" + c.smtp_url.substr(0, 80) +
                           "\" is not smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS)");
  if (c.smtp_url.find('@') != std::string::npos)
    return Status::Invalid(where + ".smtp_url: no user or password in the URL: use mail.username and mail.password");
  if (!ValidAddress(c.from))
    return Status::Invalid(where + ".from: \"" + c.from.substr(0, 80) + "\" is not a mail address (coop@example.org)");
  if (!c.password.empty() && c.password.rfind("${", 0) != 0)
    return Status::Invalid(where +
                           ".password: write it by reference, ${env:NAME} or ${file:/path}, never in hub.yaml itself");
  std::string tls = j.contains("starttls") ? Text("starttls") : "required";
  if (tls == "required")
    c.starttls = MailConfig::StartTls::kRequired;
  else if (tls == "optional")
    c.starttls = MailConfig::StartTls::kOptional;
  else if (tls == "off")
    c.starttls = MailConfig::StartTls::kOff;
  else
    return Status::Invalid(where + ".starttls: \"" + tls.substr(0, 40) + "\" is not required, optional or off");
  c.hub_url = Text("hub_url");
  while (!c.hub_url.empty() && c.hub_url.back() == '/') c.hub_url.pop_back();
  if (!c.hub_url.empty() && c.hub_url.rfind("https://", 0) != 0 && c.hub_url.rfind("http://", 0) != 0)
    return Status::Invalid(where + ".hub_url: \"" + c.hub_url.substr(0, 80) +
                           "\" is not where members open the hub (https://hub.coop.example)");
  if (j.contains("digest")) c.digest = Text("digest");
  if (c.digest != "never" && c.digest != "weekly" && c.digest != "monthly")
    return Status::Invalid(where + ".digest: \"" + c.digest.substr(0, 40) + "\" is not never, weekly or monthly");
  int64_t hour = j.value("digest_hour", int64_t{8}), per_minute = j.value("per_minute", int64_t{60});
  if (hour < 0 || hour > 23)
    return Status::Invalid(where + ".digest_hour: " + std::to_string(hour) + " is not an hour from 0 to 23");
  if (per_minute < 1 || per_minute > 100000)
    return Status::Invalid(where + ".per_minute: " + std::to_string(per_minute) +
                           " is not a number of messages from 1 to 100000");
  int64_t failures = j.value("alert_failures", int64_t{3});
  if (failures < 1 || failures > 1000)
    return Status::Invalid(where + ".alert_failures: " + std::to_string(failures) +
                           " is not a number of failed runs from 1 to 1000");
  c.digest_hour = static_cast<int>(hour);
  c.per_minute = static_cast<int>(per_minute);
  c.alert_failures = static_cast<int>(failures);
  return c;
}

Address SenderOf(const MailConfig& c) { return {c.from_name.empty() ? "coophub" : c.from_name, c.from}; }

bool ValidAddress(std::string_view text) {
  size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size() || text.size() > 254) return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == '<' || c == '>' ||
        c == ',' || c == '"' || c == '(' || c == ')' || c == ';' || c == '\\')
      return false;
  std::string_view domain = text.substr(at + 1);
  return domain.find('.') != std::string_view::npos && domain.front() != '.' && domain.back() != '.' &&
         text.substr(0, at).find('@') == std::string_view::npos;
}

std::string HeaderText(std::string_view text) {
  if (PrintableAscii(text)) return std::string(text);
  // Each word "=?UTF-8?B?…?=" is at most 75 characters: 12 of them are its frame, which
  // leaves 63 for base64, 45 bytes of text; whole characters only.
  std::string out;
  for (size_t at = 0; at < text.size();) {
    size_t end = at;
    while (end < text.size()) {
      size_t next = end + CharLength(static_cast<unsigned char>(text[end]));
      if (next - at > 45) break;
      end = std::min(next, text.size());
    }
    if (end == at) end = std::min(text.size(), at + CharLength(static_cast<unsigned char>(text[at])));
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") + Base64(text.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

std::string FormatAddress(const Address& a) {
  if (a.name.empty()) return a.email;
  std::string name = a.name;
  if (PrintableAscii(name)) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    name = quoted + "\"";
  } else {
    name = HeaderText(name);
  }
  return name + " <" + a.email + ">";
}

std::string Render(const Message& m, int64_t now_unix, const std::string& id_part, const std::string& boundary) {
  char date[64];
  std::time_t t = now_unix;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string to;
  for (const auto& a : m.to) to += (to.empty() ? "" : ",\r\n ") + FormatAddress(a);
  std::string domain = m.from.email.substr(m.from.email.rfind('@') + 1);
  std::string out = "Date: " + std::string(date) + "\r\nFrom: " + FormatAddress(m.from) + "\r\nTo: " + to +
                    "\r\nSubject: " + HeaderText(m.subject) + "\r\nMessage-ID: <" + id_part + "@" + domain +
                    ">\r\nMIME-Version: 1.0\r\n";
  for (const auto& [name, value] : m.headers) out += name + ": " + value + "\r\n";
  auto Part = [](const char* type, const std::string& body) {
    return std::string("Content-Type: ") + type + "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           Base64Lines(body);
  };
  if (m.html.empty()) return out + Part("text/plain", m.text);
  return out + "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n--" + boundary + "\r\n" +
         Part("text/plain", m.text) + "--" + boundary + "\r\n" + Part("text/html", m.html) + "--" + boundary + "--\r\n";
}

}  // namespace coophub::mail
