// SPDX-License-Identifier: Apache-2.0
// The HTML builder: text is escaped wherever it goes; only Trusted passes markup.
#include "web/html.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(Html, TextIsEscapedInContentAndAttributes) {
  std::string hostile = "<script>alert(\"x\")</script> & 'co'";
  Html h = El("a").Attr("href", "https://x.example/?a=1&b=\"2\"").Attr("title", hostile)(hostile);
  EXPECT_EQ(h.str(),
            "<a href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\" title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/"
            "script&gt; &amp; &#39;co&#39;\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
            "&#39;co&#39;</a>");
  Html joined;
  joined += hostile;  // a string added to Html is text too
  EXPECT_EQ(joined.str().find('<'), std::string::npos);
}

TEST(Html, ChildrenAreHtmlOrTextAndOnlyTrustedPassesMarkup) {
  Html mark = Html::Trusted("<mark>co</mark>op", "a test's literal");
  EXPECT_EQ(El("p").Class("summary")(mark, " & ", El("em")("<b>")).str(),
            "<p class=\"summary\"><mark>co</mark>op &amp; <em>&lt;b&gt;</em></p>");
}

TEST(Html, VoidElementsFlagsAndOpenTags) {
  EXPECT_EQ(El("input").Attr("name", "q").Flag("required").Flag("disabled", false)().str(),
            "<input name=\"q\" required>");
  EXPECT_EQ(El("body").Attr("data-lang", "fr\"").Open().str(), "<body data-lang=\"fr&quot;\">");
}

}  // namespace
}  // namespace coophub
