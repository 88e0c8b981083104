// SPDX-License-Identifier: Apache-2.0
//
// HTML that is escaped by default. An Html holds markup known to be safe; the only ways
// to make one are the element builder below, Html::Text (escapes), and Html::Trusted,
// which takes raw markup and a reason, so that every raw piece says at the call who made
// it safe. A std::string handed to an element is text, and is escaped:
//
//   El("a").Attr("href", url)(title)           // <a href="...">title, escaped</a>
//   El("li").Class("record")(El("strong")(name), " · ", TimeTag(...))
//
// Attribute names and element names are the code's own literals; values are escaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace coophub {

// Escapes text for element content and attribute values (& < > " ').
std::string HtmlEscape(std::string_view s);

class Html {
 public:
  Html() = default;
  static Html Text(std::string_view text) { return Html(HtmlEscape(text)); }
  // Markup passed as it is. `why` is for the reader of the call: who escaped it.
  static Html Trusted(std::string markup, std::string_view why) {
    (void)why;
    return Html(std::move(markup));
  }

  Html& operator+=(const Html& more) {
    s_ += more.s_;
    return *this;
  }
  Html& operator+=(std::string_view text) { return *this += Text(text); }
  friend Html operator+(Html a, const Html& b) { return a += b; }

  bool empty() const { return s_.empty(); }
  const std::string& str() const& { return s_; }
  std::string str() && { return std::move(s_); }

 private:
  explicit Html(std::string s) : s_(std::move(s)) {}
  std::string s_;
};

// One element and its attributes; called with its children, it gives the Html.
class El {
 public:
  explicit El(std::string_view name) : name_(name) {}

  El& Attr(std::string_view name, std::string_view value) {
    open_ += " ";
    open_ += name;
    open_ += "=\"";
    open_ += HtmlEscape(value);
    open_ += "\"";
    return *this;
  }
  // A boolean attribute (selected, required...), present when on.
  El& Flag(std::string_view name, bool on = true) {
    if (on) {
      open_ += " ";
      open_ += name;
    }
    return *this;
  }
  El& Class(std::string_view value) { return Attr("class", value); }
  El& Id(std::string_view value) { return Attr("id", value); }

  // The start tag alone, for an element whose end the caller writes (a page's <body>).
  Html Open() const {
    return Html::Trusted("<" + name_ + open_ + ">", "names are literals and values escaped by Attr");
  }

  // <name attrs>children</name>; a void element (input, meta, link) takes none.
  template <class... Children>
  Html operator()(const Children&... children) const {
    Html inner;
    (Add(&inner, children), ...);
    std::string out = "<" + name_ + open_ + ">";
    if (IsVoid()) return Html::Trusted(std::move(out), "names are literals and values escaped by Attr");
    out += inner.str();
    out += "</" + name_ + ">";
    return Html::Trusted(std::move(out), "names are literals, values escaped by Attr, children Html or text");
  }

 private:
  static void Add(Html* to, const Html& h) { *to += h; }
  static void Add(Html* to, std::string_view text) { *to += Html::Text(text); }
  bool IsVoid() const { return name_ == "input" || name_ == "meta" || name_ == "link" || name_ == "br"; }

  std::string name_;
  std::string open_;  // the attributes, each with its leading space
};

}  // namespace coophub
