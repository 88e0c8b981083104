// SPDX-License-Identifier: Apache-2.0
// The client's address behind a reverse proxy.
#include "http_server.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(ForwardedClient, TheProxysEntryIsTheLastOne) {
  EXPECT_EQ(ForwardedClient("203.0.113.7", "127.0.0.1"), "203.0.113.7");
  // A client may send its own X-Forwarded-For; the proxy appends the address it saw.
  EXPECT_EQ(ForwardedClient("1.2.3.4, 198.51.100.9", "127.0.0.1"), "198.51.100.9");
  EXPECT_EQ(ForwardedClient("2001:db8::1", "::1"), "2001:db8::1");
  EXPECT_EQ(ForwardedClient(" 10.0.0.2 ", "127.0.0.1"), "10.0.0.2");
  for (std::string bad : {std::string(), std::string("  "), std::string("unknown"), std::string("<script>"),
                          std::string("1.2.3.4, "), std::string(60, '1')})
    EXPECT_EQ(ForwardedClient(bad, "127.0.0.1"), "127.0.0.1") << "\"" << bad << "\" is no address";
}

}  // namespace
}  // namespace coophub
