// SPDX-License-Identifier: Apache-2.0
//
// What every page of web/ is made of, for the renderers in files of their own: the
// reader's words and the frame of a page (head, header, main, footer; page.cc).
// Internal to the web module. Pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "web/html.h"
#include "web/page.h"

namespace coophub::web {

// The words of the page in one language.
struct Words {
  const PageContext& c;
  std::string operator()(const std::string& key, const std::map<std::string, std::string>& args = {}) const {
    return c.catalogs ? c.catalogs->Text(c.lang, key, args) : key;
  }
};

inline Html Line() { return Html::Trusted("\n", "a newline"); }

// A page other than the dashboard: head, header, main (of class main_class), footer.
std::string FramedPage(const Words& w, const PageContext& c, const std::string& title, const char* script,
                       const char* main_class, Html main);

// The member's pieces of work with their answer forms (matching_pages.cc): on /work, and
// the first few on the dashboard.
Html WorkList(const Words& w, const PageContext& c, const std::vector<WorkItem>& items);

}  // namespace coophub::web
