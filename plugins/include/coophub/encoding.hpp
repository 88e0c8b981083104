// SPDX-License-Identifier: Apache-2.0
//
// Base64 (RFC 4648) for plugins and the hub: the standard alphabet with padding (HTTP
// basic auth) or the URL-safe one without (opaque cursors). Header-only, pure.
#ifndef COOPHUB_ENCODING_HPP_
#define COOPHUB_ENCODING_HPP_

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

}  // namespace coophub

#endif  // COOPHUB_ENCODING_HPP_
