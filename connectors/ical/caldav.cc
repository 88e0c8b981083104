// SPDX-License-Identifier: Apache-2.0
// CalDAV multistatus parsing with libxml2; see caldav.h.
#include "caldav.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>
#include <functional>
#include <memory>

namespace coophub::ical {
namespace {

using DocPtr = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

DocPtr Read(std::string_view xml) {
  return DocPtr(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
                xmlFreeDoc);
}

void Each(xmlNode* n, const char* local_name, const std::function<void(xmlNode*)>& fn) {
  for (; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), local_name) == 0) fn(n);
    Each(n->children, local_name, fn);
  }
}

std::string Content(xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string s = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return s;
}

}  // namespace

const char* const kCtagPropfind =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<d:propfind xmlns:d=\"DAV:\" xmlns:cs=\"http://calendarserver.org/ns/\">"
    "<d:prop><cs:getctag/><d:displayname/></d:prop></d:propfind>";

const char* const kCalendarQuery =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<c:calendar-query xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
    "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
    "<c:filter><c:comp-filter name=\"VCALENDAR\"/></c:filter></c:calendar-query>";

std::optional<std::string> CtagOf(std::string_view multistatus) {
  DocPtr doc = Read(multistatus);
  if (!doc) return std::nullopt;
  std::optional<std::string> ctag;
  Each(xmlDocGetRootElement(doc.get()), "getctag", [&](xmlNode* n) { ctag = Content(n); });
  return ctag;
}

std::optional<std::vector<std::string>> CalendarDataOf(std::string_view multistatus, std::string* error) {
  DocPtr doc = Read(multistatus);
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root || std::strcmp(reinterpret_cast<const char*>(root->name), "multistatus") != 0) {
    *error = "the answer to REPORT is not a WebDAV multistatus: is this a CalDAV calendar collection?";
    return std::nullopt;
  }
  std::vector<std::string> out;
  Each(root, "calendar-data", [&](xmlNode* n) { out.push_back(Content(n)); });
  return out;
}

}  // namespace coophub::ical
