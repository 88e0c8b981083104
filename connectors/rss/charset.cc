// SPDX-License-Identifier: Apache-2.0
// A feed's encoding, found and undone; see charset.h.
#include "charset.h"

#include <iconv.h>

#include <coophub/encoding.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <map>

namespace coophub::feed {
namespace {

struct Conversion {
  bool known = false;  // iconv knows the encoding
  std::string text;
  size_t bad = 0;  // byte sequences that did not decode (each now U+FFFD)
};

// unit: the bytes to skip past one that does not decode (2 or 4 for UTF-16 and UTF-32).
Conversion Convert(std::string_view in, const std::string& from, size_t unit = 1) {
  Conversion c;
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return c;
  c.known = true;
  c.text.reserve(in.size() + in.size() / 2);
  char* src = const_cast<char*>(in.data());
  size_t left = in.size();
  char buf[16384];
  while (left > 0) {
    char* dst = buf;
    size_t room = sizeof buf;
    size_t r = iconv(cd, &src, &left, &dst, &room);
    c.text.append(buf, static_cast<size_t>(dst - buf));
    if (r != static_cast<size_t>(-1) || errno == E2BIG) continue;
    // EILSEQ (no such character) or EINVAL (a sequence cut by the end): replace and go on.
    c.text += "\xEF\xBF\xBD";
    ++c.bad;
    size_t skip = std::min(unit, left);
    src += skip;
    left -= skip;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  char* dst = buf;
  size_t room = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &room);
  c.text.append(buf, static_cast<size_t>(dst - buf));
  iconv_close(cd);
  return c;
}

// UTF-16 and UTF-32 by their byte order mark, or by how "<?xml" (or any ASCII first
// character) is laid out in them; *bom gets the mark's length.
std::string FromFirstBytes(std::string_view d, size_t* bom) {
  auto b = [&](size_t i) { return i < d.size() ? static_cast<int>(static_cast<unsigned char>(d[i])) : -1; };
  *bom = 0;
  if (b(0) == 0 && b(1) == 0 && b(2) == 0xFE && b(3) == 0xFF) return *bom = 4, "UTF-32BE";
  if (b(0) == 0xFF && b(1) == 0xFE && b(2) == 0 && b(3) == 0) return *bom = 4, "UTF-32LE";
  if (b(0) == 0xFE && b(1) == 0xFF) return *bom = 2, "UTF-16BE";
  if (b(0) == 0xFF && b(1) == 0xFE) return *bom = 2, "UTF-16LE";
  if (b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) return *bom = 3, "UTF-8";
  if (b(0) == 0 && b(1) == 0 && b(2) == 0 && b(3) > 0) return "UTF-32BE";
  if (b(0) > 0 && b(1) == 0 && b(2) == 0 && b(3) == 0) return "UTF-32LE";
  if (b(0) == 0 && b(1) > 0) return "UTF-16BE";
  if (b(0) > 0 && b(1) == 0) return "UTF-16LE";
  return "";
}

// The encoding="..." of the XML declaration, lower-cased; "" when none.
std::string Declared(std::string_view doc) {
  std::string head(doc.substr(0, std::min<size_t>(doc.size(), 300)));
  if (head.rfind("<?xml", 0) != 0) return "";
  head = head.substr(0, head.find("?>"));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = head.find("encoding");
  if (at == std::string::npos) return "";
  size_t quote = head.find_first_of("'\"", at);
  if (quote == std::string::npos) return "";
  size_t end = head.find(head[quote], quote + 1);
  return end == std::string::npos ? "" : head.substr(quote + 1, end - quote - 1);
}

// The name iconv knows an encoding by, for the names feeds give it (Python's codec
// aliases among them). ISO-8859-1 and US-ASCII feeds are windows-1252 in practice
// (curly quotes in 0x80-0x9F), as browsers assume; supersets stand for their subsets.
std::string Canonical(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return c == ' '; }), name.end());
  static const std::map<std::string, std::string> kAliases = {{"u8", "UTF-8"},
                                                              {"utf", "UTF-8"},
                                                              {"utf8", "UTF-8"},
                                                              {"utf_8", "UTF-8"},
                                                              {"cp65001", "UTF-8"},
                                                              {"u16", "UTF-16"},
                                                              {"utf16", "UTF-16"},
                                                              {"utf_16", "UTF-16"},
                                                              {"u32", "UTF-32"},
                                                              {"utf32", "UTF-32"},
                                                              {"utf_32", "UTF-32"},
                                                              {"iso-8859-1", "WINDOWS-1252"},
                                                              {"iso8859-1", "WINDOWS-1252"},
                                                              {"iso_8859-1", "WINDOWS-1252"},
                                                              {"latin1", "WINDOWS-1252"},
                                                              {"latin-1", "WINDOWS-1252"},
                                                              {"l1", "WINDOWS-1252"},
                                                              {"us-ascii", "WINDOWS-1252"},
                                                              {"ascii", "WINDOWS-1252"},
                                                              {"cp1252", "WINDOWS-1252"},
                                                              {"sjis", "SHIFT_JIS"},
                                                              {"x-sjis", "SHIFT_JIS"},
                                                              {"shift-jis", "SHIFT_JIS"},
                                                              {"gb2312", "GB18030"},
                                                              {"gbk", "GB18030"},
                                                              {"x-gbk", "GB18030"},
                                                              {"euc-kr", "CP949"},
                                                              {"ks_c_5601-1987", "CP949"}};
  auto it = kAliases.find(name);
  return it != kAliases.end() ? it->second : name;
}

// How well text read in an encoding looks like the script that encoding is for: the
// share of its non-ASCII characters that are letters of that script (kana and hangul
// count double, as they tell one CJK encoding from another), lowered where the text
// reads as no language does: Latin text with more accented letters than plain ones,
// Korean with more hanja than a quarter of its syllables. 0 to 2.
double Fit(const std::string& utf8, const std::string& encoding) {
  double score = 0;
  size_t n = 0, ascii_letters = 0, hangul = 0, han = 0;
  auto in = [](uint32_t cp, uint32_t lo, uint32_t hi) { return cp >= lo && cp <= hi; };
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < len && i + k < utf8.size(); ++k) cp = (cp << 6) | (utf8[i + k] & 0x3F);
    i += len;
    if (cp < 0x80) {
      ascii_letters += std::isalpha(static_cast<int>(cp)) ? 1 : 0;
      continue;
    }
    ++n;
    bool kana = in(cp, 0x3040, 0x30FF), is_han = in(cp, 0x4E00, 0x9FFF), is_hangul = in(cp, 0xAC00, 0xD7A3);
    han += is_han;
    hangul += is_hangul;
    if (encoding == "EUC-JP" || encoding == "SHIFT_JIS")
      score += kana ? 2 : is_han ? 1 : 0;
    else if (encoding == "CP949")
      score += is_hangul ? 2 : is_han ? 0.5 : 0;
    else if (encoding == "GB18030" || encoding == "BIG5")
      score += is_han ? 1 : 0;
    else if (encoding == "KOI8-R" || encoding == "WINDOWS-1251")
      score += in(cp, 0x0430, 0x044F) ? 1 : in(cp, 0x0410, 0x042F) ? 0.3 : 0;
    else if (encoding == "WINDOWS-1255")
      score += in(cp, 0x05D0, 0x05EA) ? 1 : 0;
    else if (encoding == "WINDOWS-1253")
      score += in(cp, 0x0391, 0x03CE) ? 1 : 0;
    else if (encoding == "WINDOWS-1256")
      score += in(cp, 0x0621, 0x064A) ? 1 : 0;
    else if (encoding == "TIS-620")
      score += in(cp, 0x0E01, 0x0E5B) ? 1 : 0;
    else
      score += (in(cp, 0xC0, 0xFF) && cp != 0xD7 && cp != 0xF7) ? 1 : in(cp, 0xA0, 0x2122) ? 0.5 : 0;
  }
  if (!n) return 0;
  double fit = score / static_cast<double>(n);
  if (encoding == "WINDOWS-1252" && n > 0.35 * static_cast<double>(n + ascii_letters)) fit *= 0.2;
  if (encoding == "CP949" && han > (hangul + han) / 4) fit *= 0.3;
  return fit;
}

}  // namespace

Decoded DecodeToUtf8(std::string_view doc, const std::string& http_charset) {
  Decoded out;
  size_t bom = 0;
  std::string wide = FromFirstBytes(doc, &bom);
  std::string_view body = doc.substr(bom);
  if (!wide.empty() && wide != "UTF-8") {
    Conversion c = Convert(body, wide, wide.rfind("UTF-32", 0) == 0 ? 4 : 2);
    out.utf8 = std::move(c.text);
    out.encoding = wide;
    if (c.bad) out.note = std::to_string(c.bad) + " characters of this " + wide + " document could not be read";
    return out;
  }
  std::string named = !http_charset.empty() ? http_charset : Declared(body);
  std::string encoding = named.empty() ? "" : Canonical(named);
  // A declaration of UTF-16 or -32 on bytes that are not: the declaration is wrong.
  if (encoding.rfind("UTF-16", 0) == 0 || encoding.rfind("UTF-32", 0) == 0) encoding = "UTF-8";
  if (!encoding.empty() && encoding != "UTF-8") {
    Conversion c = Convert(body, encoding);
    if (c.known) {
      out.utf8 = std::move(c.text);
      out.encoding = encoding;
      if (c.bad)
        out.note = std::to_string(c.bad) + " bytes are not " + named + ", as the feed declares; they show as �";
      return out;
    }
    out.note = "the feed declares encoding \"" + named + "\", which is no encoding known here";
    encoding.clear();
  }
  if (coophub::InvalidUtf8At(body) == std::string_view::npos) {
    out.utf8 = std::string(body);
    out.encoding = "UTF-8";
    return out;
  }
  if (encoding == "UTF-8") {  // declared UTF-8, and mostly is
    Conversion c = Convert(body, "UTF-8");
    out.utf8 = std::move(c.text);
    out.encoding = "UTF-8";
    out.note = std::to_string(c.bad) + " bytes are not UTF-8, as the feed declares; they show as �";
    return out;
  }
  // Not UTF-8 and nothing (true) said: the legacy encoding whose script the text fits.
  // Hebrew before Cyrillic: windows-1255 cannot decode the bytes Russian text is full of
  // (ы, ь, я and the capitals), while Hebrew text decodes as windows-1251 lower case.
  static const char* kLegacy[] = {"WINDOWS-1252", "WINDOWS-1255", "KOI8-R",  "WINDOWS-1251",
                                  "WINDOWS-1253", "WINDOWS-1256", "TIS-620", "EUC-JP",
                                  "SHIFT_JIS",    "CP949",        "GB18030", "BIG5"};
  std::string best = "WINDOWS-1252";
  double best_fit = -1;
  for (const char* e : kLegacy) {
    Conversion c = Convert(body, e);
    if (!c.known || c.bad) continue;
    double fit = Fit(c.text, e);
    if (fit > best_fit + 0.05) {
      best_fit = fit;
      best = e;
      out.utf8 = std::move(c.text);
    }
  }
  if (best_fit < 0) out.utf8 = Convert(body, best).text;
  out.encoding = best;
  std::string said = out.note.empty() ? "the feed declares no encoding" : out.note;
  out.note = said + " and is not UTF-8: read as " + best +
             (best_fit >= 0.6 ? ", which its text fits best" : ", a guess its text does not clearly support") +
             "; its publisher should declare it (<?xml version=\"1.0\" encoding=\"...\"?>)";
  return out;
}

}  // namespace coophub::feed
