// SPDX-License-Identifier: Apache-2.0
// Messages' bodies; see letter.h.
#include "notify/letter.h"

#include "base/text.h"

namespace coophub::notify {

void Letter::Paragraph(const std::string& text) {
  text_ += text + "\n\n";
  html_ += "<p style=\"margin:0 0 16px\">" + XmlEscape(text) + "</p>\n";
}

void Letter::Add(const Section& s) {
  if (s.lines.empty()) return;
  text_ += s.heading + "\n";
  html_ += "<h2 style=\"font-size:18px;margin:24px 0 8px\">" + XmlEscape(s.heading) +
           "</h2>\n<ul style=\"padding-left:20px;margin:0\">\n";
  for (const auto& l : s.lines) {
    text_ += "- " + l.title + (l.detail.empty() ? "" : " (" + l.detail + ")") + "\n";
    if (!l.url.empty()) text_ += "  " + l.url + "\n";
    html_ += "<li style=\"margin:0 0 8px\">";
    html_ += l.url.empty()
                 ? XmlEscape(l.title)
                 : "<a href=\"" + XmlEscape(l.url) + "\" style=\"color:#0b5394\">" + XmlEscape(l.title) + "</a>";
    if (!l.detail.empty()) html_ += "<br><span style=\"color:#555\">" + XmlEscape(l.detail) + "</span>";
    html_ += "</li>\n";
  }
  if (s.more > 0) {
    std::string more = T("digest.more", {{"n", std::to_string(s.more)}});
    text_ += "- " + more + "\n";
    html_ += "<li style=\"margin:0 0 8px;color:#555\">" + XmlEscape(more) + "</li>\n";
  }
  text_ += "\n";
  html_ += "</ul>\n";
}

void Letter::Button(const std::string& label, const std::string& url) {
  text_ += label + ": " + url + "\n\n";
  html_ += "<p style=\"margin:24px 0\"><a href=\"" + XmlEscape(url) +
           "\" style=\"display:inline-block;background:#0b5394;color:#ffffff;padding:12px 20px;border-radius:6px;"
           "text-decoration:none;font-weight:600\">" +
           XmlEscape(label) + "</a></p>\n";
}

void Letter::Small(const std::string& text, const std::string& link_label, const std::string& url) {
  text_ += "--\n" + text + "\n" + link_label + ": " + url + "\n";
  html_ += "<p style=\"margin:32px 0 0;font-size:13px;color:#555\">" + XmlEscape(text) + "<br><a href=\"" +
           XmlEscape(url) + "\" style=\"color:#555\">" + XmlEscape(link_label) + "</a></p>\n";
}

std::string Letter::html() const {
  return "<!DOCTYPE html>\n<html lang=\"" + XmlEscape(lang_) +
         "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head>\n"
         "<body style=\"margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
         "font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff\">\n<div style=\"max-width:600px\">\n" +
         html_ + "</div>\n</body></html>\n";
}

}  // namespace coophub::notify
