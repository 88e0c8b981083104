// SPDX-License-Identifier: Apache-2.0
// The sandbox of sources made through the API: which addresses are public, which
// hosts an admin allowed, which files lie under the file roots.
#include "model/outbound_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <filesystem>
#include <fstream>

namespace coophub {
namespace {

TEST(OutboundPolicy, OnlyAddressesAnyoneCouldReachArePublic) {
  for (const char* a : {"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4007:80e::200e",
                        "::ffff:93.184.216.34", "64:ff9b::5db8:d822"})
    EXPECT_TRUE(IsPublicAddressText(a)) << a;
  for (const char* a : {"127.0.0.1",
                        "127.255.0.9",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "64:ff9b::a00:1",
                        "2002:7f00:1::",
                        "2001:db8::1",
                        "not an address"})
    EXPECT_FALSE(IsPublicAddressText(a)) << a;
  EXPECT_TRUE(IsPublicAddressText("172.32.0.1")) << "just past 172.16/12";
}

sockaddr_in V4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, text, &a.sin_addr);
  return a;
}

TEST(OutboundPolicy, AllowHostsNamesHostsAddressesAndRanges) {
  OutboundPolicy p{.sandboxed = true, .file_roots = {}, .allow_hosts = {"Intranet.Coop", "127.0.0.2", "10.1.2.0/24"}};
  auto may = [&](const char* host, const char* addr) {
    sockaddr_in a = V4(addr);
    return MayConnect(p, host, reinterpret_cast<const sockaddr*>(&a));
  };
  EXPECT_TRUE(may("intranet.coop", "192.168.7.7")) << "a named host, any address (case does not matter)";
  EXPECT_TRUE(may("other", "127.0.0.2"));
  EXPECT_TRUE(may("other", "10.1.2.200"));
  EXPECT_FALSE(may("other", "10.1.3.1"));
  EXPECT_FALSE(may("evil.example", "127.0.0.1"));
  EXPECT_TRUE(may("example.org", "93.184.216.34"));
  OutboundPolicy open;  // hub.yaml's sources
  sockaddr_in lo = V4("127.0.0.1");
  EXPECT_TRUE(MayConnect(open, "x", reinterpret_cast<const sockaddr*>(&lo)));
}

TEST(OutboundPolicy, FilesOnlyUnderTheRootsWithLinksFollowed) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("coophub-policy-" + std::to_string(::getpid()));
  fs::create_directories(dir / "root/sub");
  fs::create_directories(dir / "outside");
  std::ofstream(dir / "root/sub/a.csv") << "x";
  std::ofstream(dir / "outside/b.csv") << "x";
  fs::create_symlink(dir / "outside/b.csv", dir / "root/link.csv");
  OutboundPolicy p{.sandboxed = true, .file_roots = {(dir / "root/").string()}, .allow_hosts = {}};
  EXPECT_TRUE(MayReadFile(p, (dir / "root/sub/a.csv").string()).ok());
  EXPECT_FALSE(MayReadFile(p, (dir / "root/../outside/b.csv").string()).ok());
  EXPECT_FALSE(MayReadFile(p, (dir / "root/link.csv").string()).ok()) << "a link out of the root";
  EXPECT_FALSE(MayReadFile(p, (dir / "rootless").string()).ok()) << "a sibling sharing the prefix";
  EXPECT_FALSE(MayReadFile(p, "/etc/passwd").ok());
  EXPECT_EQ(FileUrlPath("file:///srv/a%20b.csv"), "/srv/a b.csv");
  EXPECT_EQ(FileUrlPath("https://x/"), "");
  fs::remove_all(dir);
}

TEST(OutboundPolicy, ConfigsMadeThroughTheApiNeedSchemesAndNoPlaceholders) {
  OutboundPolicy p{.sandboxed = true, .file_roots = {"/srv/exports"}, .allow_hosts = {}};
  using json = nlohmann::json;
  EXPECT_TRUE(CheckSandboxedConfig(p, json{{"url", "https://coop.example/feed"}, {"n", 3}}).ok());
  EXPECT_TRUE(CheckSandboxedConfig(p, json{{"base_url", "http://coop.example"}}).ok());
  Status bare = CheckSandboxedConfig(p, json{{"url", "coop.example/feed.xml"}});
  EXPECT_NE(bare.message().find("did you mean https://coop.example/feed.xml"), std::string::npos) << bare.message();
  EXPECT_NE(CheckSandboxedConfig(p, json{{"auth", {{"token", "${env:X}"}}}}).message().find("config.auth.token"),
            std::string::npos);
  EXPECT_FALSE(CheckSandboxedConfig(p, json{{"url", "gopher://x"}}).ok());
  EXPECT_FALSE(CheckSandboxedConfig(p, json{{"url", "file:///etc/passwd"}}).ok());
  EXPECT_TRUE(CheckSandboxedConfig(p, json{{"url", "file:///srv/exports/ledger.csv"}}).ok());
}

}  // namespace
}  // namespace coophub
