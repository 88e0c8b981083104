// SPDX-License-Identifier: Apache-2.0
// Tests of the feed parser: unit cases, then every file of the feedparser corpus, each
// checked against what its Expect: comment says of fields our records carry.
#include "feed.h"

#include <gtest/gtest.h>

#include <coophub/time.hpp>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <variant>

namespace coophub::feed {
namespace {

namespace fs = std::filesystem;

TEST(FeedDate, ParsesTheFormsFeedsUse) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"Sat, 07 Sep 2002 00:00:01 GMT", "2002-09-07T00:00:01Z"},
      {"Thu, 01 Jan 2004 19:48:21 EST", "2004-01-02T00:48:21Z"},
      {"7 Sep 02 0:00 +0100", "2002-09-06T23:00:00Z"},
      {"Fri, 1 Jan 2010 19:48:21 -0130", "2010-01-01T21:18:21Z"},
      {"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
      {"2003-12-31T10:14:55.123-08:00", "2003-12-31T18:14:55Z"},
      {"2003-12-31T10:14Z", "2003-12-31T10:14:00Z"},
      {"2003-12-31", "2003-12-31T00:00:00Z"},
      {"2003-12", "2003-12-01T00:00:00Z"},
      {"20031231T101455Z", "2003-12-31T10:14:55Z"},
  };
  for (const auto& c : cases) {
    auto t = ParseDate(c.in);
    ASSERT_TRUE(t.has_value()) << c.in;
    EXPECT_EQ(FormatRfc3339(*t), c.want) << c.in;
  }
  for (const char* bad : {"", "yesterday", "32 Foo 2002", "2003-13-01", "Sat, 07 Sep 2002 25:99:00 XYZ"})
    EXPECT_FALSE(ParseDate(bad).has_value()) << bad;
}

TEST(FeedText, HtmlBecomesPlainText) {
  EXPECT_EQ(HtmlToText("<p>Hello <b>world</b></p><p>again</p>"), "Hello world again");
  EXPECT_EQ(HtmlToText("It&#8217;s &amp; that"), "It\u2019s & that");
  EXPECT_EQ(HtmlToText("safe<script>alert(1)</script><style>p{}</style> text"), "safe text");
  EXPECT_EQ(HtmlToText("  plain\n text  "), "plain text");
}

TEST(FeedParse, Rss20WithEntitiesAndRelativeLinks) {
  const char* doc = R"(<?xml version="1.0"?>
<rss version="2.0"><channel><title>Coop &amp; news</title><link>/</link>
<item><title>It&rsquo;s here</title><link>posts/1</link><guid isPermaLink="false">p1</guid>
<description>&lt;p&gt;First &lt;b&gt;post&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Sat, 07 Sep 2002 00:00:01 GMT</pubDate><category>news</category>
<author>ann@example.coop (Ann)</author></item></channel></rss>)";
  auto r = Parse(doc, "https://example.coop/feed.xml");
  ASSERT_TRUE(r.feed) << r.error;
  EXPECT_EQ(r.feed->version, "rss20");
  EXPECT_EQ(r.feed->title, "Coop & news");
  ASSERT_EQ(r.feed->entries.size(), 1u);
  const Entry& e = r.feed->entries[0];
  EXPECT_EQ(e.title, "It\u2019s here");
  EXPECT_EQ(e.link, "https://example.coop/posts/1");
  EXPECT_EQ(e.id, "p1");
  EXPECT_EQ(e.summary, "First post");
  EXPECT_EQ(e.published, "2002-09-07T00:00:01Z");
  EXPECT_EQ(e.author, "Ann");
  EXPECT_EQ(e.author_email, "ann@example.coop");
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0], "news");
}

// WordPress writes categories and authors in CDATA, where & is a plain character; an
// Atom text title's & is too once unescaped. Neither may come out as "&amp;".
TEST(FeedParse, AnAmpersandInCdataIsOneCharacter) {
  const char* doc = R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Coop</title><link>/</link>
<!-- a comment with a bare & and an &rsquo; -->
<item><title><![CDATA[Care & repair: it&rsquo;s <b>on</b>]]></title><link>/p/1</link><guid>p1</guid>
<dc:creator><![CDATA[Ana & Joan]]></dc:creator><category><![CDATA[Care & Health]]></category>
<description><![CDATA[<p>Tools &amp; tips</p>]]></description></item>
<item><title>Caf&eacute; &amp; more &</title><link>/p/2</link><guid>p2</guid></item></channel></rss>)";
  auto r = Parse(doc, "https://example.coop/feed.xml");
  ASSERT_TRUE(r.feed) << r.error;
  ASSERT_EQ(r.feed->entries.size(), 2u);
  const Entry& e = r.feed->entries[0];
  EXPECT_EQ(e.author, "Ana & Joan");
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0], "Care & Health");
  EXPECT_EQ(e.summary, "Tools & tips") << "CDATA holding HTML: its entities are the HTML's";
  EXPECT_NE(e.title.find("Care & repair"), std::string::npos) << e.title;
  EXPECT_EQ(r.feed->entries[1].title, "Caf\u00e9 & more &") << "outside CDATA the repair still applies";
}

// RSS 2.0 in Userland's default namespace, and items under <rss> with no channel: both
// are read, not "ok" with nothing in them.
TEST(FeedParse, Rss20InItsUserlandNamespaceAndItemsWithoutAChannel) {
  auto ns = Parse(R"(<rss xmlns="http://backend.userland.com/rss2" version="2.0"><channel><title>Coop</title>
<link>https://coop.example/</link><item><title>One</title><guid>1</guid></item></channel></rss>)",
                  "https://coop.example/feed.xml");
  ASSERT_TRUE(ns.feed) << ns.error;
  EXPECT_EQ(ns.feed->title, "Coop");
  ASSERT_EQ(ns.feed->entries.size(), 1u);
  EXPECT_EQ(ns.feed->entries[0].title, "One");
  auto bare = Parse(R"(<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><item><title>Loose</title>
<guid>2</guid><dcterms:issued>2026-11-30T09:00:00Z</dcterms:issued></item></rss>)",
                    "https://coop.example/feed.xml");
  ASSERT_TRUE(bare.feed) << bare.error;
  ASSERT_EQ(bare.feed->entries.size(), 1u);
  EXPECT_EQ(bare.feed->entries[0].title, "Loose");
  EXPECT_EQ(bare.feed->entries[0].published, "2026-11-30T09:00:00Z") << "dcterms:issued is when it was published";
}

// A feed that parses but lists nothing says why, as far as the document tells.
TEST(FeedParse, AnEmptyFeedSaysWhy) {
  auto odd = Parse(R"(<rss version="2.0"><channel><title>T</title><link>/</link>
<x:list xmlns:x="urn:example:list"><x:item><title>Hidden</title></x:item></x:list></channel></rss>)",
                   "https://coop.example/feed.xml");
  ASSERT_TRUE(odd.feed) << odd.error;
  EXPECT_TRUE(odd.feed->entries.empty());
  EXPECT_NE(odd.feed->why_empty.find("<item> elements in the namespace urn:example:list"), std::string::npos)
      << odd.feed->why_empty;
  auto none = Parse(R"(<rss version="2.0"><channel><title>T</title><link>/</link></channel></rss>)",
                    "https://coop.example/feed.xml");
  ASSERT_TRUE(none.feed) << none.error;
  EXPECT_NE(none.feed->why_empty.find("lists no <item> or <entry> at all"), std::string::npos) << none.feed->why_empty;
  auto full = Parse(R"(<rss version="2.0"><channel><item><title>A</title></item></channel></rss>)", "https://x/");
  ASSERT_TRUE(full.feed);
  EXPECT_EQ(full.feed->why_empty, "");
}

// Atom 1.0 base64-encodes a text construct whose type is neither text nor XML; Atom
// 0.3 says mode="base64". Both are decoded; bytes that are not text are dropped.
TEST(FeedParse, Base64TextIsDecoded) {
  auto r = Parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><id>1</id><title type="application/octet-stream">
  RXhhbXBsZSA8Yj5BdG9tPC9iPg==
</title></entry>
<entry><id>2</id><title type="application/octet-stream">/wD+</title></entry></feed>)",
                 "https://x/");
  ASSERT_TRUE(r.feed) << r.error;
  ASSERT_EQ(r.feed->entries.size(), 2u);
  EXPECT_EQ(r.feed->entries[0].title, "Example <b>Atom</b>");
  EXPECT_EQ(r.feed->entries[1].title, "") << "not UTF-8";
}

TEST(FeedParse, Atom10WithXmlBaseAndXhtml) {
  const char* doc = R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
<title type="html">Partner &lt;em&gt;blog&lt;/em&gt;</title>
<entry xml:base="2026/"><id>tag:blog.example,2026:1</id><title>One</title>
<link href="one.html"/><updated>2026-11-20T10:00:00+01:00</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body <b>text</b></p></div></content>
<author><name>Bo</name></author><category term="coop"/></entry></feed>)";
  auto r = Parse(doc, "");
  ASSERT_TRUE(r.feed) << r.error;
  EXPECT_EQ(r.feed->version, "atom10");
  EXPECT_EQ(r.feed->title, "Partner blog");
  const Entry& e = r.feed->entries.at(0);
  EXPECT_EQ(e.link, "https://blog.example/2026/one.html");
  EXPECT_EQ(e.updated, "2026-11-20T09:00:00Z");
  EXPECT_EQ(e.content, "Body text");
  EXPECT_EQ(e.author, "Bo");
  EXPECT_EQ(e.tags.at(0), "coop");
}

TEST(FeedParse, BadDocumentsGiveErrorsNotCrashes) {
  EXPECT_EQ(Parse("", "").error, "the document is empty");
  EXPECT_NE(Parse("<html><body>hi</body></html>", "").error.find("web page"), std::string::npos);
  EXPECT_NE(Parse("\x01\x02 not xml at all", "").error.find("not XML"), std::string::npos);
  // Truncated but recoverable: the entries before the cut survive.
  auto r = Parse("<rss version=\"2.0\"><channel><item><title>kept</title></item><item><title>cut", "");
  ASSERT_TRUE(r.feed) << r.error;
  EXPECT_EQ(r.feed->entries.at(0).title, "kept");
}

// ---- The feedparser corpus -------------------------------------------------------

// A Python literal from an Expect: expression: a string, an int, or a tuple of ints.
using Literal = std::variant<std::string, int64_t, std::vector<int64_t>>;

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80)
    *out += static_cast<char>(cp);
  else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<Literal> ParseLiteral(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.empty()) return std::nullopt;
  if (s[0] == 'u') s.erase(0, 1);
  if (s[0] == '\'' || s[0] == '"') {
    char q = s[0];
    std::string out;
    size_t i = 1;
    for (; i < s.size() && s[i] != q; ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      char c = s[++i];
      if (c == 'n')
        out += '\n';
      else if (c == 't')
        out += '\t';
      else if (c == 'r')
        out += '\r';
      else if (c == 'x') {
        AppendUtf8(&out, std::stoul(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else if (c == 'u') {
        AppendUtf8(&out, std::stoul(s.substr(i + 1, 4), nullptr, 16));
        i += 4;
      } else if (c == 'U') {
        AppendUtf8(&out, std::stoul(s.substr(i + 1, 8), nullptr, 16));
        i += 8;
      } else
        out += c;
    }
    if (i + 1 != s.size()) return std::nullopt;  // something follows the string
    return out;
  }
  if (s[0] == '(') {
    std::vector<int64_t> v;
    std::stringstream ss(s.substr(1, s.find(')') - 1));
    std::string item;
    while (std::getline(ss, item, ',')) v.push_back(std::atoll(item.c_str()));
    return v;
  }
  return std::nullopt;
}

// "entries[0]['links'][1]['href']" -> {"entries", "0", "links", "1", "href"}
std::optional<std::vector<std::string>> ParsePath(const std::string& lhs) {
  static const std::regex head(R"(^(feed|entries\[(\d+)\]))");
  static const std::regex step(R"(^(?:\[\s*'([a-z_]+)'\s*\]|\[(\d+)\]|\.([a-z_]+)))");
  std::smatch m;
  if (!std::regex_search(lhs, m, head)) return std::nullopt;
  std::vector<std::string> path = {m[2].matched ? "entries" : "feed"};
  if (m[2].matched) path.push_back(m[2]);
  std::string rest = m.suffix();
  while (!rest.empty()) {
    if (!std::regex_search(rest, m, step)) return std::nullopt;
    path.push_back(m[1].matched ? m[1].str() : m[2].matched ? m[2].str() : m[3].str());
    rest = m.suffix();
  }
  return path;
}

std::string Norm(const std::string& s) { return HtmlToText(s); }
// Our values are plain text already: only white space is folded.
std::string Fold(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct Actual {
  std::string value;
  bool text = false;  // compare as plain text
  bool time = false;  // compare with a time tuple
};

std::string WithEmail(const std::string& name, const std::string& email) {
  return email.empty() ? name : name.empty() ? email : name + " (" + email + ")";
}

// What our parse says for a feedparser key path; nullopt when the key is not one our
// records carry (those expectations are not counted).
std::optional<std::optional<Actual>> Lookup(const Feed& f, const std::vector<std::string>& p) {
  using R = std::optional<std::optional<Actual>>;
  auto key = [&](size_t i) { return i < p.size() ? p[i] : std::string(); };
  if (p[0] == "feed") {
    std::string k = key(1), k2 = key(2);
    if ((k == "title" || k == "title_detail") && (k2.empty() || k2 == "value")) return R(Actual{f.title, true});
    if ((k == "subtitle" || k == "tagline" || k == "description" || k == "subtitle_detail" || k == "tagline_detail") &&
        (k2.empty() || k2 == "value") && p.size() <= 3)
      return R(Actual{f.subtitle, true});
    if (k == "link" && p.size() == 2) return R(Actual{f.link});
    if (k == "id" && p.size() == 2) return R(Actual{f.id});
    if (k == "language" && p.size() == 2) return R(Actual{f.language});
    if (k == "author" && p.size() == 2) return R(Actual{WithEmail(f.author, f.author_email)});
    if (k == "updated_parsed") return R(Actual{f.updated, false, true});
    return std::nullopt;
  }
  size_t idx = std::stoul(p[1]);
  std::string k = key(2), k2 = key(3), k3 = key(4);
  static const std::map<std::string, int> known = {{"title", 1},
                                                   {"title_detail", 1},
                                                   {"link", 1},
                                                   {"id", 1},
                                                   {"guid", 1},
                                                   {"summary", 1},
                                                   {"summary_detail", 1},
                                                   {"description", 1},
                                                   {"content", 1},
                                                   {"author", 1},
                                                   {"published_parsed", 1},
                                                   {"issued_parsed", 1},
                                                   {"updated_parsed", 1},
                                                   {"modified_parsed", 1},
                                                   {"tags", 1},
                                                   {"category", 1},
                                                   {"links", 1}};
  if (!known.count(k)) return std::nullopt;
  if (idx >= f.entries.size()) return R(std::nullopt);  // counted: the entry is missing
  const Entry& e = f.entries[idx];
  if ((k == "title" || k == "title_detail") && (k2.empty() || k2 == "value")) return R(Actual{e.title, true});
  if ((k == "summary" || k == "description" || k == "summary_detail") && (k2.empty() || k2 == "value"))
    return R(Actual{e.summary.empty() ? e.content : e.summary, true});
  if (k == "content" && k3 == "value") return R(Actual{e.content, true});
  if (k == "link" && p.size() == 3) return R(Actual{e.link});
  if ((k == "id" || k == "guid") && p.size() == 3) return R(Actual{e.id});
  if (k == "author" && p.size() == 3) return R(Actual{WithEmail(e.author, e.author_email)});
  if (k == "published_parsed" || k == "issued_parsed") return R(Actual{e.published, false, true});
  if (k == "updated_parsed" || k == "modified_parsed") return R(Actual{e.updated, false, true});
  if (k == "category" && p.size() == 3) return R(Actual{e.tags.empty() ? "" : e.tags[0]});
  if (k == "tags" && k3 == "term") {
    size_t t = std::stoul(k2);
    return t < e.tags.size() ? R(Actual{e.tags[t]}) : R(std::nullopt);
  }
  if (k == "links" && (k3 == "href" || k3 == "rel")) {
    size_t t = std::stoul(k2);
    if (t >= e.links.size()) return R(std::nullopt);
    return R(Actual{k3 == "href" ? e.links[t].href : e.links[t].rel});
  }
  return std::nullopt;
}

std::string CorporaDir() {
  if (const char* env = std::getenv("COOPHUB_CORPORA")) return env;
  return COOPHUB_CORPORA;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The comment block of a corpus file, as ASCII (UTF-16/32 files lose their NULs).
std::string CommentText(const std::string& bytes) {
  std::string out;
  for (char c : bytes.substr(0, 8192))
    if (c != '\0') out += c;
  return out;
}

TEST(FeedCorpus, FeedparserExpectationsHold) {
  fs::path root = fs::path(CorporaDir()) / "feedparser/tests";
  ASSERT_TRUE(fs::exists(root)) << "corpus missing at " << root << " (set COOPHUB_CORPORA)";
  static const std::regex expect_re(R"(Description:\s*([\s\S]*?)\s*Expect:\s*([\s\S]*?)\s*-->)");
  static const std::regex header_re(R"(Header:\s*([A-Za-z-]+):\s*([^\r\n]*))");
  int files = 0, checked = 0, passed = 0;
  std::vector<std::string> failures;
  for (const auto& ent : fs::recursive_directory_iterator(root)) {
    if (!ent.is_regular_file() || ent.path().extension() != ".xml") continue;
    ++files;
    std::string bytes = ReadFile(ent.path());
    std::string rel = fs::relative(ent.path(), root.parent_path()).string();
    std::string comment = CommentText(bytes);
    std::string charset;
    for (std::sregex_iterator it(comment.begin(), comment.end(), header_re), end; it != end; ++it) {
      std::string name = (*it)[1], value = (*it)[2];
      if (strcasecmp(name.c_str(), "Content-Type") == 0 && value.find("charset=") != std::string::npos)
        charset = value.substr(value.find("charset=") + 8);
    }
    // Every file must parse or fail cleanly; ASan and UBSan watch for the rest.
    ParseResult r = Parse(bytes, "http://127.0.0.1:8097/" + rel, charset);
    std::smatch m;
    if (!std::regex_search(comment, m, expect_re)) continue;
    std::string expr = m[2];
    for (const char* prefix : {"not bozo and ", "bozo and "})
      if (expr.rfind(prefix, 0) == 0) expr = expr.substr(std::strlen(prefix));
    size_t eq = expr.find(" == ");
    if (eq == std::string::npos) continue;
    auto path = ParsePath(expr.substr(0, eq));
    auto lit = ParseLiteral(expr.substr(eq + 4));
    if (!path || !lit) continue;
    std::optional<std::optional<Actual>> actual;
    if (r.feed)
      actual = Lookup(*r.feed, *path);
    else
      actual = std::optional<Actual>();  // parse failed: counted as a failure if mappable
    if (!r.feed && !Lookup(Feed{}, *path).has_value()) continue;
    if (!actual) continue;  // a key our records do not carry
    ++checked;
    bool ok = false;
    std::string want_text, got_text = *actual ? (*actual)->value : "<missing>";
    if (auto* s = std::get_if<std::string>(&*lit)) {
      want_text = *s;
      if (*actual) ok = (*actual)->text ? Norm(*s) == Fold((*actual)->value) : *s == (*actual)->value;
    } else if (auto* t = std::get_if<std::vector<int64_t>>(&*lit); t && t->size() >= 6) {
      int64_t secs = DaysFromCivil((*t)[0], (*t)[1], (*t)[2]) * 86400 + (*t)[3] * 3600 + (*t)[4] * 60 + (*t)[5];
      want_text = FormatRfc3339(secs);
      ok = *actual && (*actual)->value == want_text;
    }
    if (ok)
      ++passed;
    else
      failures.push_back(rel + ": " + expr.substr(0, eq) + " want \"" + want_text.substr(0, 80) + "\" got \"" +
                         got_text.substr(0, 80) + "\"" + (r.feed ? "" : " (" + r.error + ")"));
  }
  double rate = checked ? 100.0 * passed / checked : 0;
  std::printf("feedparser corpus: %d files parsed, %d expectations on record fields checked, %d passed (%.1f%%)\n",
              files, checked, passed, rate);
  for (size_t i = 0; i < failures.size() && i < 40; ++i) std::printf("  miss: %s\n", failures[i].c_str());
  EXPECT_GT(files, 2000);
  EXPECT_GT(checked, 500);
  EXPECT_GE(rate, 90.0) << "below 90% of the checkable expectations";
}

// feedparser's encoding files say what each is (`Expect: ... encoding == 'utf-32be'`): the
// UTF-16 and UTF-32 ones, with and without a BOM, and one declared "u16", each read, in
// the encoding named.
TEST(FeedCorpus, Utf16And32AndTheirAliasesAreRead) {
  fs::path dir = fs::path(CorporaDir()) / "feedparser/tests/encoding";
  static const std::regex want_re(R"(encoding == '([^']+)')");
  int files = 0;
  for (const char* name :
       {"u16.xml", "utf16.xml", "utf-16be.xml", "utf-16be-bom.xml", "utf-16be-autodetect.xml", "utf-16le.xml",
        "utf-16le-bom.xml", "utf-16le-autodetect.xml", "utf-32be.xml", "utf-32be-bom.xml", "utf-32be-autodetect.xml",
        "utf-32le.xml", "utf-32le-bom.xml", "utf-32le-autodetect.xml"}) {
    std::string bytes = ReadFile(dir / name);
    std::smatch m;
    std::string comment = CommentText(bytes);
    ASSERT_TRUE(std::regex_search(comment, m, want_re)) << name;
    std::string want = m[1];
    for (auto& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (want == "UTF-16") want = "UTF-16LE";  // utf16.xml: little-endian with a BOM
    ParseResult r = Parse(bytes, "");
    ASSERT_TRUE(r.feed) << name << ": " << r.error;
    EXPECT_EQ(r.feed->encoding, want) << name;
    EXPECT_EQ(r.feed->encoding_note, "") << name;
    ++files;
  }
  EXPECT_EQ(files, 14);
}

// feedparser's chardet files: text in a legacy encoding that nothing declares. Each is
// read in the encoding its expectation names, and the feed says it was a guess.
TEST(FeedCorpus, UndeclaredLegacyEncodingsAreFoundAndNoted) {
  fs::path dir = fs::path(CorporaDir()) / "feedparser/tests/illformed/chardet";
  static const std::regex want_re(R"(encoding == '([^']+)')");
  // What iconv reads them as: the supersets of GB2312 and EUC-KR.
  const std::map<std::string, std::string> superset = {{"GB2312", "GB18030"}, {"EUC-KR", "CP949"}};
  int files = 0;
  for (const auto& ent : fs::directory_iterator(dir)) {
    std::string bytes = ReadFile(ent.path());
    std::smatch m;
    std::string comment = CommentText(bytes);
    ASSERT_TRUE(std::regex_search(comment, m, want_re)) << ent.path();
    std::string want = m[1];
    for (auto& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (superset.count(want)) want = superset.at(want);
    ParseResult r = Parse(bytes, "");
    ASSERT_TRUE(r.feed) << ent.path() << ": " << r.error;
    EXPECT_EQ(r.feed->encoding, want) << ent.path();
    EXPECT_NE(r.feed->encoding_note.find("declares no encoding and is not UTF-8: read as " + want), std::string::npos)
        << r.feed->encoding_note;
    if (want == "KOI8-R") {
      ASSERT_FALSE(r.feed->entries.empty());
      EXPECT_EQ(r.feed->entries[0].title, "Как пережить новогоднюю ночь");
    }
    ++files;
  }
  EXPECT_EQ(files, 8);
}

TEST(FeedLinks, AHomePageNamesItsFeedsAsBrowsersFindThem) {
  std::string page =
      "<!doctype html><html><head><base href=\"https://coop.example/blog/\">"
      "<link rel=stylesheet href=/s.css type=text/css>"
      "<LINK REL=\"Alternate\" TYPE=\"application/RSS+xml\" href=\"feed.xml\">"
      "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"https://coop.example/atom\">"
      "<link rel=alternate type=application/rss+xml href=feed.xml>"
      "<link rel=alternate hreflang=fr href=/fr/>"
      "</head><body><link rel=alternate type=application/rss+xml href=/in-body.xml></body></html>";
  EXPECT_EQ(FeedLinks(page, "https://coop.example/"),
            (std::vector<std::string>{"https://coop.example/blog/feed.xml", "https://coop.example/atom"}));
  EXPECT_TRUE(FeedLinks("<html><head><title>x</title></head></html>", "https://a.example/").empty());

  ParseResult r = Parse(page, "https://coop.example/");
  ASSERT_FALSE(r.feed);
  EXPECT_EQ(r.feed_links.size(), 2u);
  EXPECT_NE(r.error.find("https://coop.example/blog/feed.xml"), std::string::npos) << r.error;
  EXPECT_TRUE(Parse("<rss version=\"2.0\"><channel><title>t</title></channel></rss>", "").feed_links.empty());
}

}  // namespace
}  // namespace coophub::feed
