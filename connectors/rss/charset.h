// SPDX-License-Identifier: Apache-2.0
//
// A feed's bytes to UTF-8, before any XML is parsed: the encoding from the byte order
// mark or the first bytes (UTF-16 and UTF-32, with or without a BOM), else the HTTP
// charset, else the XML declaration (with the aliases feeds use: "u16", "latin1"...,
// ISO-8859-1 and US-ASCII read as windows-1252, as browsers do), else UTF-8 when the bytes
// are UTF-8, else the legacy encoding the text fits best (windows-1252, KOI8-R,
// windows-1251/1253/1255/1256, TIS-620, EUC-JP, Shift_JIS, EUC-KR, GB18030, Big5). Bytes that do not decode become U+FFFD.
// Thread-safe (iconv descriptors are per call).
#pragma once

#include <string>
#include <string_view>

namespace coophub::feed {

struct Decoded {
  std::string utf8;
  std::string encoding;  // what it was read as, e.g. "KOI8-R"
  // Set when the encoding is a guess or the document says something wrong about it:
  // what was done, and what the publisher should fix. "" when all was as declared.
  std::string note;
};

Decoded DecodeToUtf8(std::string_view doc, const std::string& http_charset = "");

}  // namespace coophub::feed
