// SPDX-License-Identifier: Apache-2.0
//
// What each dashboard widget shows, read from the store: the records of its kind and
// sources in the order that widget wants (an agenda soonest first, open decisions by
// deadline), money totals per currency, the changes since the reader's last visit.
// Rendering is page.cc's. Thread-safe (the store is).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dashboards/dashboards.h"
#include "store/store.h"

namespace coophub {

struct WidgetData {
  WidgetConfig config;
  std::vector<json> records;  // as /api/v1/records items, in the widget's order
  // money: currency -> exact decimal sum over the last 30 days, and how many records
  std::map<std::string, std::string> totals;
  int64_t totals_count = 0;
  bool totals_capped = false;  // more transactions than were summed
  // changes: the changes since the last visit that the reader may see, newest first
  // ({"seq","op","created","record"} or deletes), and how many of each (kind -> n)
  std::vector<json> changes;
  std::map<std::string, int64_t> created_by_kind, changed_by_kind;
  int64_t deleted = 0;
  std::vector<std::string> removed;      // changes: the titles of removed records, newest first
  std::map<std::string, int64_t> added;  // changes: source added since -> its older records (not news)
  // agenda: for each record, the later starts (RFC 3339) of its series (data.series),
  // which is shown once; empty for a single event
  std::vector<std::vector<std::string>> later;
};

struct WidgetContext {
  std::vector<std::string> visibilities;  // what the reader may see (empty: all)
  int64_t now = 0;                        // unix seconds
  int64_t seen_seq = -1;                  // the change seq of the last visit; -1: first visit
  std::string me;                         // the reader's account name ("" a stranger)
  bool only_mine = false;                 // agenda and tasks: only what Involves(me)
  int64_t seen_time = 0;                  // when the last visit was (unix seconds; 0 unknown)
  // Sources added since the last visit: their records are new only when their time is
  // after seen_time; the others are counted in WidgetData::added.
  std::set<std::string> added_sources;
};

// Whether record names the member called name among its people: the whole entry, the
// name before an address ("Ana <ana@coop.example>"), or the address's part before "@",
// without regard to case.
bool Involves(const json& record, const std::string& name);

// The data of one widget. Sources widgets come back empty: the page has them already.
Result<WidgetData> LoadWidget(Store& store, const WidgetConfig& widget, const WidgetContext& ctx);

// a + b of two decimal strings ("12.50", "-3", "0.125") exactly; nullopt if either is
// not a decimal number. The result has as many decimals as the longer of the two.
std::optional<std::string> AddDecimal(const std::string& a, const std::string& b);

}  // namespace coophub
