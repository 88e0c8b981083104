// SPDX-License-Identifier: Apache-2.0
//
// Base64 (RFC 4648) for plugins and the hub: the standard alphabet with padding (HTTP
// basic auth) or the URL-safe one without (opaque cursors); and a UTF-8 structure check.
// Header-only, pure.
#ifndef COOPHUB_ENCODING_HPP_
#define COOPHUB_ENCODING_HPP_

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace coophub {

inline std::string Base64Encode(std::string_view in, bool url_safe = false) {
  const char* k = url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                           : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (unsigned char c : in) {
    v = (v << 8) | c;
    bits += 8;
    while (bits >= 6) out += k[(v >> (bits -= 6)) & 63];
  }
  if (bits) out += k[(v << (6 - bits)) & 63];
  if (!url_safe)
    while (out.size() % 4) out += '=';
  return out;
}

// Decodes either alphabet; trailing '=' padding is optional. nullopt for any other
// character.
inline std::optional<std::string> Base64Decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d = c >= 'A' && c <= 'Z'     ? c - 'A'
            : c >= 'a' && c <= 'z'   ? c - 'a' + 26
            : c >= '0' && c <= '9'   ? c - '0' + 52
            : (c == '+' || c == '-') ? 62
            : (c == '/' || c == '_') ? 63
                                     : -1;
    if (d < 0) return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) out += static_cast<char>((v >> (bits -= 8)) & 0xff);
  }
  return out;
}

// The offset of the first byte that does not start or continue a UTF-8 sequence, or
// npos. It checks the structure (lead bytes, continuations, truncation), which is what
// keeps text safe to cut, fold and put in JSON.
inline size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 99;
    if (n == 99 || i + n >= s.size() + (n == 0)) return i;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

// %XX sequences decoded (a % not followed by two hex digits is kept as it is); with
// plus_is_space, '+' is a space too, as in a form body (application/x-www-form-urlencoded).
inline std::string PercentDecode(std::string_view s, bool plus_is_space = false) {
  auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace coophub

#endif  // COOPHUB_ENCODING_HPP_
