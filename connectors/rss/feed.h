// SPDX-License-Identifier: Apache-2.0
//
// A feed parser over libxml2: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 0.3 and 1.0. Text comes
// out as plain text (HTML stripped, entities decoded), links absolute (xml:base and the
// document URL), dates as UTC RFC 3339. Ill-formed XML is recovered where libxml2 can;
// what cannot be read is an error naming the line. Pure functions, thread-safe after
// FeedGlobalInit().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coophub::feed {

struct Link {
  std::string rel, href, type;
};

struct Entry {
  std::string id, title, link, summary, content, author, author_email, lang;
  std::string published, updated;  // UTC RFC 3339 or ""
  std::vector<std::string> tags;
  std::vector<Link> links;
};

struct Feed {
  std::string version;  // rss090, rss091, rss092, rss10, rss20, atom03, atom10
  std::string id, title, link, subtitle, language, author, author_email, updated;
  std::vector<Entry> entries;
  // Set when there are no entries: why, as far as the document tells (items in a
  // namespace this reader does not take as the feed's, or none at all).
  std::string why_empty;
  std::string encoding;       // what the document was read as (charset.h)
  std::string encoding_note;  // set when that was a guess or went against the document
};

struct ParseResult {
  std::optional<Feed> feed;
  std::string error;                    // when !feed: what is wrong and where
  std::vector<std::string> feed_links;  // when !feed and it is a web page: the feeds it links
};

void FeedGlobalInit();

// Parses a feed document. base_url resolves relative links (the URL it came from);
// charset, when given (from an HTTP Content-Type), overrides the declared encoding.
ParseResult Parse(std::string_view document, const std::string& base_url, const std::string& charset = "");

// The feeds a web page names in its head (<link rel="alternate" type="application/rss+xml"
// or "application/atom+xml" href>, as browsers and feed readers discover them), as
// absolute URLs against base_url (or the page's <base href>), in page order.
std::vector<std::string> FeedLinks(std::string_view html, const std::string& base_url);

// Plain text of an HTML fragment: tags dropped (script and style with their content),
// entities decoded, white space collapsed.
std::string HtmlToText(std::string_view html);

// Dates in the forms feeds use: RFC 822/1123 with named or numeric zones, two- or
// four-digit years, ISO 8601 / W3C-DTF (full, reduced, basic). Unix seconds, UTC.
std::optional<int64_t> ParseDate(std::string_view text);

}  // namespace coophub::feed
