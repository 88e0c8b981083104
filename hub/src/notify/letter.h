// SPDX-License-Identifier: Apache-2.0
//
// The body of a message from the hub, written once as plain text and as HTML that
// reads well on a phone's mail client (inline styles, one column, 16 px): paragraphs,
// sections of linked lines, a button and a small print. Digests and alerts are made
// of these.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "i18n/i18n.h"

namespace coophub::notify {

struct Line {
  std::string title, detail, url;
};

struct Section {
  std::string heading;
  std::vector<Line> lines;
  int more = 0;  // beyond the lines shown
};

class Letter {
 public:
  Letter(const Catalogs& c, const std::string& lang) : c_(c), lang_(lang) {}
  // The reader's words for key.
  std::string T(const std::string& key, const std::map<std::string, std::string>& args = {}) const {
    return c_.Text(lang_, key, args);
  }
  void Paragraph(const std::string& text);
  void Add(const Section& s);  // nothing when it has no lines
  void Button(const std::string& label, const std::string& url);
  // Why they get it, and the link that stops it.
  void Small(const std::string& text, const std::string& link_label, const std::string& url);
  std::string text() const { return text_; }
  std::string html() const;

 private:
  const Catalogs& c_;
  std::string lang_, text_, html_;
};

}  // namespace coophub::notify
