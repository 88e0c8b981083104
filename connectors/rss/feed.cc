// SPDX-License-Identifier: Apache-2.0
// RSS and Atom parsing over libxml2; see feed.h.
#include "feed.h"

#include "charset.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <functional>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include <coophub/encoding.hpp>
#include <coophub/time.hpp>
#include <cstring>
#include <memory>

namespace coophub::feed {
namespace {

constexpr const char* kAtom10 = "http://www.w3.org/2005/Atom";
constexpr const char* kAtom03 = "http://purl.org/atom/ns#";
constexpr const char* kRss10 = "http://purl.org/rss/1.0/";
constexpr const char* kRss090 = "http://my.netscape.com/rdf/simple/0.9/";
// RSS 2.0 as some feeds write it, in a default namespace that Userland once proposed.
constexpr const char* kRss20Userland = "http://backend.userland.com/rss2";
constexpr const char* kRssUserland = "http://backend.userland.com/rss";
constexpr const char* kDc = "http://purl.org/dc/elements/1.1/";
constexpr const char* kDcTerms = "http://purl.org/dc/terms/";
constexpr const char* kContent = "http://purl.org/rss/1.0/modules/content/";

using DocPtr = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

std::string Str(const xmlChar* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

// Takes ownership of a libxml2 string.
std::string Take(xmlChar* s) {
  std::string out = Str(s);
  xmlFree(s);
  return out;
}

const char* Ns(const xmlNode* n) { return n->ns ? reinterpret_cast<const char*>(n->ns->href) : nullptr; }

bool NameIs(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

// An element of the feed's own vocabulary: no namespace, RSS 1.0/0.90, Userland's RSS
// 2.0, or Atom.
bool Core(const xmlNode* n, const char* name) {
  if (!NameIs(n, name)) return false;
  const char* ns = Ns(n);
  return !ns || !std::strcmp(ns, kRss10) || !std::strcmp(ns, kRss090) || !std::strcmp(ns, kAtom10) ||
         !std::strcmp(ns, kAtom03) || !std::strcmp(ns, kRss20Userland) || !std::strcmp(ns, kRssUserland);
}

bool InNs(const xmlNode* n, const char* ns, const char* name) {
  return NameIs(n, name) && Ns(n) && !std::strcmp(Ns(n), ns);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::string Content(xmlNode* n) { return Take(xmlNodeGetContent(n)); }

std::string Attr(xmlNode* n, const char* name) { return Take(xmlGetProp(n, BAD_CAST name)); }

// The child elements serialised as XML (for Atom's type="xhtml" and mode="xml").
std::string InnerXml(xmlNode* n) {
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buf(xmlBufferCreate(), xmlBufferFree);
  for (xmlNode* c = n->children; c; c = c->next) xmlNodeDump(buf.get(), n->doc, c, 0, 0);
  return Str(xmlBufferContent(buf.get()));
}

std::string Resolve(xmlNode* n, const std::string& ref) {
  if (ref.empty()) return ref;
  std::string base = Take(xmlNodeGetBase(n->doc, n));
  if (base.empty()) return ref;
  xmlChar* abs = xmlBuildURI(BAD_CAST ref.c_str(), BAD_CAST base.c_str());
  return abs ? Take(abs) : ref;
}

std::string Base64Decode(const std::string& in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (d < 0) continue;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) out += static_cast<char>((v >> (bits -= 8)) & 0xff);
  }
  return out;
}

// An Atom text construct (or RSS text) as plain text.
std::string TextConstruct(xmlNode* n, bool assume_html) {
  std::string type = Attr(n, "type"), mode = Attr(n, "mode");
  bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
  bool has_elements = false;
  for (xmlNode* c = n->children; c; c = c->next) has_elements = has_elements || c->type == XML_ELEMENT_NODE;
  if (xhtml || (mode == "xml" && has_elements) || (assume_html && has_elements)) return HtmlToText(InnerXml(n));
  std::string text = Content(n);
  // Atom 0.3 says mode="base64"; Atom 1.0 (RFC 4287 4.1.3.3) base64-encodes any media
  // type that is neither text nor XML (type="application/octet-stream").
  bool binary_type = type.find('/') != std::string::npos && type.rfind("text/", 0) != 0 &&
                     type.find("xml") == std::string::npos && type != "text/html";
  if (mode == "base64" || binary_type) {
    text = Base64Decode(text);
    if (InvalidUtf8At(text) != std::string::npos) return "";  // binary: nothing a person could read
  }
  bool html = type == "html" || type == "text/html" || mode == "escaped" || assume_html;
  if (type == "text" || type == "text/plain") html = false;
  return html ? HtmlToText(text) : Collapse(text);
}

// RSS's "email (Name)" or "Name <email>" split into name and email.
void SplitPerson(const std::string& raw, std::string* name, std::string* email) {
  std::string s = Collapse(raw);
  size_t open = s.find('('), close = s.rfind(')');
  if (open != std::string::npos && close > open && s.find('@') < open) {
    *email = Collapse(s.substr(0, open));
    *name = Collapse(s.substr(open + 1, close - open - 1));
    return;
  }
  size_t lt = s.find('<'), gt = s.rfind('>');
  if (lt != std::string::npos && gt > lt) {
    *name = Collapse(s.substr(0, lt));
    *email = s.substr(lt + 1, gt - lt - 1);
    return;
  }
  if (s.find('@') != std::string::npos && s.find(' ') == std::string::npos) *email = s;
  *name = s;
}

void AtomPerson(xmlNode* n, std::string* name, std::string* email) {
  for (xmlNode* c = n->children; c; c = c->next) {
    if (Core(c, "name"))
      *name = Collapse(Content(c));
    else if (Core(c, "email"))
      *email = Collapse(Content(c));
  }
}

void SetDate(xmlNode* n, std::string* out) {
  if (!out->empty()) return;
  if (auto t = ParseDate(Collapse(Content(n)))) *out = FormatRfc3339(*t);
}

void AtomLink(xmlNode* c, std::vector<Link>* links, std::string* link) {
  Link l{Attr(c, "rel"), Resolve(c, Attr(c, "href")), Attr(c, "type")};
  if (l.rel.empty()) l.rel = "alternate";
  if (l.rel == "alternate" && link->empty() && (l.type.empty() || l.type.find("html") != std::string::npos))
    *link = l.href;
  links->push_back(std::move(l));
}

// Fields common to RSS items and channels and Atom entries and feeds.
bool CommonField(xmlNode* c, Entry* e, bool atom) {
  if (Core(c, "title"))
    e->title = TextConstruct(c, !atom);
  else if (InNs(c, kDc, "title") && e->title.empty())
    e->title = TextConstruct(c, true);
  else if (atom && Core(c, "link"))
    AtomLink(c, &e->links, &e->link);
  else if (!atom && Core(c, "link") && e->link.empty())
    e->link = Resolve(c, Collapse(Content(c)));
  else if (InNs(c, kAtom10, "link"))
    AtomLink(c, &e->links, &e->link);
  else if (InNs(c, kDc, "creator") || InNs(c, kDc, "author")) {
    if (e->author.empty()) e->author = Collapse(Content(c));
  } else if (Core(c, "author")) {
    if (atom)
      AtomPerson(c, &e->author, &e->author_email);
    else
      SplitPerson(Content(c), &e->author, &e->author_email);
  } else if (InNs(c, kDc, "date") || Core(c, "pubDate") || Core(c, "published") || Core(c, "issued") ||
             InNs(c, kDcTerms, "issued") || InNs(c, kDcTerms, "created")) {
    SetDate(c, &e->published);
  } else if (Core(c, "updated") || Core(c, "modified") || InNs(c, kDcTerms, "modified") || Core(c, "lastBuildDate")) {
    SetDate(c, &e->updated);
  } else if (Core(c, "category")) {
    std::string term = atom || !Attr(c, "term").empty() ? Attr(c, "term") : Collapse(Content(c));
    if (term.empty()) term = Collapse(Content(c));
    if (!term.empty()) e->tags.push_back(term);
  } else if (InNs(c, kDc, "subject")) {
    std::string term = Collapse(Content(c));
    if (!term.empty()) e->tags.push_back(term);
  } else if (InNs(c, kDc, "language") || Core(c, "language")) {
    e->lang = Collapse(Content(c));
  } else {
    return false;
  }
  return true;
}

Entry ParseItem(xmlNode* item, bool atom) {
  Entry e;
  std::string guid;
  bool guid_is_link = false;
  for (xmlNode* c = item->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || CommonField(c, &e, atom)) continue;
    if (atom && Core(c, "id"))
      e.id = Resolve(c, Collapse(Content(c)));
    else if (Core(c, "guid")) {
      guid = Collapse(Content(c));
      std::string perma = Attr(c, "isPermaLink");
      guid_is_link = perma != "false" && (guid.rfind("http://", 0) == 0 || guid.rfind("https://", 0) == 0);
    } else if (Core(c, "summary") || (Core(c, "description") && !atom)) {
      e.summary = TextConstruct(c, !atom);
    } else if ((InNs(c, kDc, "description") || NameIs(c, "body") || NameIs(c, "fullitem")) && e.summary.empty()) {
      e.summary = TextConstruct(c, true);
    } else if (Core(c, "content") || InNs(c, kContent, "encoded")) {
      if (e.content.empty()) e.content = TextConstruct(c, !atom || InNs(c, kContent, "encoded"));
    }
  }
  if (e.id.empty()) e.id = guid;
  if (e.link.empty() && guid_is_link) e.link = guid;
  if (e.lang.empty()) e.lang = Take(xmlNodeGetLang(item));
  return e;
}

void ParseChannel(xmlNode* chan, Feed* f, bool atom) {
  Entry meta;
  for (xmlNode* c = chan->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (Core(c, "item") || Core(c, "entry")) {
      f->entries.push_back(ParseItem(c, atom));
      continue;
    }
    if (CommonField(c, &meta, atom)) continue;
    if (atom && Core(c, "id"))
      f->id = Resolve(c, Collapse(Content(c)));
    else if (Core(c, "subtitle") || Core(c, "tagline") || (!atom && Core(c, "description")))
      f->subtitle = TextConstruct(c, !atom);
  }
  f->title = meta.title;
  f->link = meta.link;
  f->author = meta.author;
  f->author_email = meta.author_email;
  f->updated = meta.updated.empty() ? meta.published : meta.updated;
  f->language = meta.lang.empty() ? Take(xmlNodeGetLang(chan)) : meta.lang;
}

// Replaces HTML named entities that XML does not define (&rsquo;, &nbsp;...) with
// numeric references, so that a lenient parse keeps the characters. CDATA sections and
// comments are copied as they are: an & in them is already just a character.
std::string FixHtmlEntities(std::string_view doc) {
  if (doc.size() >= 2 && (static_cast<unsigned char>(doc[0]) == 0xFE || static_cast<unsigned char>(doc[0]) == 0xFF ||
                          doc[0] == '\0' || doc[1] == '\0'))
    return std::string(doc);  // UTF-16/32: the byte scan below does not apply
  size_t doctype = doc.find("<!DOCTYPE");
  if (doctype != std::string_view::npos && doc.find('[', doctype) < doc.find('>', doctype))
    return std::string(doc);  // the document declares its own entities
  std::string out;
  out.reserve(doc.size());
  size_t i = 0, markup = doc.find("<!");  // the next CDATA section, comment or declaration
  while (i < doc.size()) {
    size_t amp = doc.find('&', i);
    if (amp == std::string_view::npos) break;
    if (markup < i) markup = doc.find("<!", i);  // found once each, however many & come before it
    if (markup < amp) {
      std::string_view rest = doc.substr(markup);
      std::string_view close = rest.substr(0, 9) == "<![CDATA[" ? "]]>" : rest.substr(0, 4) == "<!--" ? "-->" : "";
      size_t stop = close.empty() ? markup + 2 : doc.find(close, markup);
      stop = stop == std::string_view::npos ? doc.size() : close.empty() ? stop : stop + close.size();
      out.append(doc.substr(i, stop - i));
      i = stop;
      continue;
    }
    out.append(doc.substr(i, amp - i));
    size_t end = amp + 1;
    while (end < doc.size() && end - amp < 32 && std::isalnum(static_cast<unsigned char>(doc[end]))) ++end;
    std::string name(doc.substr(amp + 1, end - amp - 1));
    bool terminated = end < doc.size() && doc[end] == ';';
    if (amp + 1 < doc.size() && doc[amp + 1] == '#') {  // numeric: keep, but &#X41; -> &#x41;
      out += (amp + 2 < doc.size() && doc[amp + 2] == 'X') ? "&#x" : "&#";
      i = amp + ((amp + 2 < doc.size() && doc[amp + 2] == 'X') ? 3 : 2);
      continue;
    }
    bool xml_entity = name == "lt" || name == "gt" || name == "amp" || name == "quot" || name == "apos";
    const htmlEntityDesc* ent =
        terminated && !name.empty() && !xml_entity ? htmlEntityLookup(BAD_CAST name.c_str()) : nullptr;
    if (ent) {
      out += "&#" + std::to_string(ent->value) + ";";
      i = end + 1;
    } else if (terminated && xml_entity) {
      out += '&';
      i = amp + 1;
    } else {  // a bare & (a URL's query) or an unknown name: the text means the character
      out += "&amp;";
      i = amp + 1;
    }
  }
  out.append(doc.substr(std::min(i, doc.size())));
  return out;
}

void CollectText(xmlNode* n, std::string* out) {
  for (xmlNode* c = n; c; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      *out += Str(c->content);
    } else if (c->type == XML_ELEMENT_NODE) {
      const char* name = reinterpret_cast<const char*>(c->name);
      if (!strcasecmp(name, "script") || !strcasecmp(name, "style") || !strcasecmp(name, "noscript") ||
          !strcasecmp(name, "template") || !strcasecmp(name, "head"))
        continue;
      bool block = !strcasecmp(name, "br") || !strcasecmp(name, "p") || !strcasecmp(name, "div") ||
                   !strcasecmp(name, "li") || !strcasecmp(name, "tr") || !strcasecmp(name, "h1") ||
                   !strcasecmp(name, "h2") || !strcasecmp(name, "h3") || !strcasecmp(name, "blockquote");
      if (block) *out += ' ';
      CollectText(c->children, out);
      if (block) *out += ' ';
    }
  }
}

// Why a feed that parsed has no entries: <item> or <entry> elements where this reader
// does not look for them (another namespace, deeper down), or none at all.
std::string WhyEmpty(xmlNode* root) {
  std::vector<xmlNode*> stack = {root};
  while (!stack.empty()) {
    xmlNode* n = stack.back();
    stack.pop_back();
    for (xmlNode* c = n->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (NameIs(c, "item") || NameIs(c, "entry"))
        return "it has <" + Str(c->name) + "> elements" +
               (Ns(c) ? " in the namespace " + std::string(Ns(c)) + ", which is not RSS's or Atom's"
                      : " where a feed does not keep them (inside <" + Str(n->name) + ">)") +
               ": the site writes a variant of RSS or Atom that this reader does not take";
      stack.push_back(c);
    }
  }
  return "the document lists no <item> or <entry> at all: a new site, or a feed of a category or search "
         "with nothing in it; if the site shows posts, check this is the address of its feed of all posts";
}

std::string VersionOf(xmlNode* root) {
  const char* ns = Ns(root);
  if (NameIs(root, "feed")) {
    if (ns && !std::strcmp(ns, kAtom03)) return "atom03";
    return "atom10";
  }
  if (NameIs(root, "RDF")) {
    for (xmlNode* c = root->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE && Ns(c) && !std::strcmp(Ns(c), kRss090)) return "rss090";
    return "rss10";
  }
  if (NameIs(root, "rss")) {
    std::string v = Attr(root, "version");
    if (v == "0.91") return "rss091";
    if (v == "0.92") return "rss092";
    return "rss20";
  }
  if (NameIs(root, "channel")) return "rss20";  // a bare channel, seen in the wild
  return "";
}

struct Month {
  const char* name;
  int number;
};
const Month kMonths[] = {{"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4},  {"may", 5},  {"jun", 6},
                         {"jul", 7}, {"aug", 8}, {"sep", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12}};

struct Zone {
  const char* name;
  int hours;
};
const Zone kZones[] = {{"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},    {"est", -5}, {"edt", -4},
                       {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7},
                       {"a", -1},   {"m", -12},  {"n", 1},    {"y", 12}};

std::optional<int64_t> Civil(int y, int mo, int d, int h, int mi, int s, int64_t offset) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 61 || y < 1000 || y > 9999) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 +
         std::min(s, 59) - offset;
}

// ISO 8601 / W3C-DTF, full or reduced ("2003", "2003-12", "2003-12-31T10:14Z"), and
// the basic form ("20031231T101455Z").
std::optional<int64_t> ParseIso(std::string_view s) {
  std::string digits;
  size_t i = 0;
  int f[6] = {0, 1, 1, 0, 0, 0};
  int idx = 0;
  auto num = [&](size_t n) -> std::optional<int> {
    if (i + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(s[i + k]))) return std::nullopt;
      v = v * 10 + (s[i + k] - '0');
    }
    i += n;
    return v;
  };
  auto y = num(4);
  if (!y) return std::nullopt;
  f[idx++] = *y;
  bool basic = i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
  for (int part = 1; part < 3 && i < s.size(); ++part) {
    if (!basic) {
      if (s[i] != '-') break;
      ++i;
    }
    auto v = num(2);
    if (!v) return std::nullopt;
    f[idx++] = *v;
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    ++i;
    for (int part = 3; part < 6 && i < s.size(); ++part) {
      if (part > 3 && !basic) {
        if (s[i] != ':') break;
        ++i;
      }
      auto v = num(2);
      if (!v) return std::nullopt;
      f[part] = *v;
    }
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    }
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
      ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      auto oh = num(2);
      if (!oh) return std::nullopt;
      if (i < s.size() && s[i] == ':') ++i;
      auto om = num(2);
      offset = sign * (*oh * 3600 + (om ? *om : 0) * 60);
    }
  }
  if (i != s.size()) return std::nullopt;
  return Civil(f[0], f[1], f[2], f[3], f[4], f[5], offset);
}

// RFC 822 / 1123 and the variants feeds write: "Sat, 07 Sep 2002 00:00:01 GMT",
// "7 Sep 02 0:00 +0100", "Thu, 01 Jan 2004 19:48:21 EST".
std::optional<int64_t> ParseRfc822(std::string_view in) {
  std::string s;
  for (char c : in) s += (c == ',' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::vector<std::string> tok;
  size_t p = 0;
  while (p < s.size()) {
    size_t q = s.find(' ', p);
    if (q == std::string::npos) q = s.size();
    if (q > p) tok.push_back(s.substr(p, q - p));
    p = q + 1;
  }
  if (!tok.empty() && std::isalpha(static_cast<unsigned char>(tok[0][0])) && tok[0].size() >= 3) {
    bool is_month = false;
    for (const auto& m : kMonths) is_month = is_month || tok[0].rfind(m.name, 0) == 0;
    if (!is_month) tok.erase(tok.begin());  // the weekday
  }
  if (tok.size() < 3) return std::nullopt;
  int day = 0, month = 0, year = 0;
  auto month_of = [](const std::string& t) {
    for (const auto& m : kMonths)
      if (t.rfind(m.name, 0) == 0) return m.number;
    return 0;
  };
  if (std::isdigit(static_cast<unsigned char>(tok[0][0]))) {
    day = std::atoi(tok[0].c_str());
    month = month_of(tok[1]);
  } else {  // "Sep 07 2002"
    month = month_of(tok[0]);
    day = std::atoi(tok[1].c_str());
  }
  year = std::atoi(tok[2].c_str());
  if (tok[2].size() <= 2) year += year < 50 ? 2000 : 1900;
  if (!month) return std::nullopt;
  int h = 0, mi = 0, sec = 0;
  int64_t offset = 0;
  if (tok.size() > 3) {
    if (std::sscanf(tok[3].c_str(), "%d:%d:%d", &h, &mi, &sec) < 2) return std::nullopt;
  }
  if (tok.size() > 4) {
    const std::string& z = tok[4];
    if (z[0] == '+' || z[0] == '-') {
      std::string d;
      for (char c : z.substr(1))
        if (std::isdigit(static_cast<unsigned char>(c))) d += c;
      if (d.size() == 2) d += "00";
      if (d.size() != 4) return std::nullopt;
      int v = std::atoi(d.c_str());
      offset = (z[0] == '-' ? -1 : 1) * ((v / 100) * 3600 + (v % 100) * 60);
    } else {
      bool known = false;
      for (const auto& zone : kZones)
        if (z == zone.name) {
          offset = zone.hours * 3600;
          known = true;
        }
      if (!known && z.rfind("gmt", 0) != 0 && z.rfind("utc", 0) != 0) return std::nullopt;
    }
  }
  return Civil(year, month, day, h, mi, sec, offset);
}

}  // namespace

// libxml2 prints some errors (an encoding it cannot convert, for one) through its
// generic handler, to stderr, whatever the parse options say; the parse result already
// carries what went wrong, so those lines would only be noise in a run's log.
namespace {
void Quiet(void*, const char*, ...) {}
}  // namespace

void FeedGlobalInit() {
  xmlInitParser();
  xmlSetGenericErrorFunc(nullptr, Quiet);
}

std::string HtmlToText(std::string_view html) {
  if (html.find('<') == std::string_view::npos && html.find('&') == std::string_view::npos) return Collapse(html);
  std::string wrapped = "<html><body><div>" + std::string(html) + "</div></body></html>";
  htmlDocPtr doc = htmlReadMemory(wrapped.data(), static_cast<int>(wrapped.size()), nullptr, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  if (!doc) return Collapse(html);
  std::string text;
  CollectText(xmlDocGetRootElement(doc), &text);
  xmlFreeDoc(doc);
  return Collapse(text);
}

std::optional<int64_t> ParseDate(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  if (auto t = ParseIso(s)) return t;
  return ParseRfc822(s);
}

std::vector<std::string> FeedLinks(std::string_view html, const std::string& base_url) {
  std::vector<std::string> out;
  DocPtr doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), base_url.empty() ? nullptr : base_url.c_str(),
                            "UTF-8", HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET),
             xmlFreeDoc);
  if (!doc) return out;
  std::string base = base_url;  // a <base href> in the head wins, as in a browser
  std::function<void(xmlNode*)> walk = [&](xmlNode* n) {
    for (; n; n = n->next) {
      if (n->type != XML_ELEMENT_NODE) continue;
      std::string name = Str(n->name);
      if (name == "body") return;  // feeds are named in the head
      if (name == "base" && !Attr(n, "href").empty()) {
        xmlChar* abs = xmlBuildURI(BAD_CAST Collapse(Attr(n, "href")).c_str(), BAD_CAST base.c_str());
        if (abs) base = Take(abs);
      }
      if (name == "link") {
        std::string rel = " " + Lower(Attr(n, "rel")) + " ", type = Lower(Attr(n, "type"));
        std::string href = Collapse(Attr(n, "href"));
        if (rel.find(" alternate ") != std::string::npos && !href.empty() &&
            (type == "application/rss+xml" || type == "application/atom+xml")) {
          xmlChar* built = base.empty() ? nullptr : xmlBuildURI(BAD_CAST href.c_str(), BAD_CAST base.c_str());
          std::string abs = built ? Take(built) : href;
          if (std::find(out.begin(), out.end(), abs) == out.end()) out.push_back(abs);
        }
      }
      walk(n->children);
    }
  };
  walk(xmlDocGetRootElement(doc.get()));
  return out;
}

// What a failed parse says when the document is a web page that links its feed.
void OfferFeedLinks(const std::string& html, const std::string& base_url, ParseResult* out) {
  out->feed_links = FeedLinks(html, base_url);
  if (out->feed_links.empty()) return;
  out->error = "this is a web page, not a feed; it names its feed: " + out->feed_links.front() +
               (out->feed_links.size() > 1 ? " (and " + std::to_string(out->feed_links.size() - 1) + " more)" : "") +
               ": use that address";
}

ParseResult Parse(std::string_view document, const std::string& base_url, const std::string& charset) {
  ParseResult out;
  if (document.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.error = "the document is empty";
    return out;
  }
  // Decoded first (charset.h), so that the entity repair and libxml2 both see UTF-8 and
  // the declaration's encoding, read already, is ignored.
  Decoded decoded = DecodeToUtf8(document, charset);
  std::string fixed = FixHtmlEntities(decoded.utf8);
  xmlResetLastError();
  DocPtr doc(xmlReadMemory(fixed.data(), static_cast<int>(fixed.size()), base_url.empty() ? nullptr : base_url.c_str(),
                           "UTF-8",
                           XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                               XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC),
             xmlFreeDoc);
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root) {
    const xmlError* err = xmlGetLastError();
    out.error =
        err ? "not XML (line " + std::to_string(err->line) + ": " + Collapse(err->message ? err->message : "") + ")"
            : "not XML";
    OfferFeedLinks(decoded.utf8, base_url, &out);
    return out;
  }
  Feed f;
  f.version = VersionOf(root);
  if (f.version.empty()) {
    std::string name = Str(root->name);
    out.error =
        "not a feed: the document's root element is <" + name + ">" +
        (name == "html" || name == "HTML" ? "; this is a web page, whose feed is linked from a <link rel=\"alternate\" "
                                            "type=\"application/rss+xml\"> in its head"
                                          : "; expected <rss>, <feed> or <rdf:RDF>");
    OfferFeedLinks(decoded.utf8, base_url, &out);
    return out;
  }
  bool atom = f.version.rfind("atom", 0) == 0;
  if (f.version.rfind("rss", 0) == 0 && !NameIs(root, "channel")) {
    for (xmlNode* c = root->children; c; c = c->next)
      if (Core(c, "channel")) ParseChannel(c, &f, false);
    // RSS 1.0 and 0.90 keep items beside the channel; some RSS 2.0 feeds do too, or
    // have items under <rss> and no channel at all.
    for (xmlNode* c = root->children; c; c = c->next)
      if (Core(c, "item")) f.entries.push_back(ParseItem(c, false));
  } else {
    ParseChannel(root, &f, atom);
  }
  if (f.entries.empty()) f.why_empty = WhyEmpty(root);
  f.encoding = decoded.encoding;
  f.encoding_note = decoded.note;
  out.feed = std::move(f);
  return out;
}

}  // namespace coophub::feed
