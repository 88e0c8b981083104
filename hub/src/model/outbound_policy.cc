// SPDX-License-Identifier: Apache-2.0
// The sandbox of sources made through the API; see outbound_policy.h.
#include "model/outbound_policy.h"

#include <arpa/inet.h>
#include <coophub/encoding.hpp>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <optional>

namespace coophub {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// An address as 16 bytes (IPv4 as ::ffff:a.b.c.d), the form every check below reads.
struct Addr {
  std::array<uint8_t, 16> b{};
  bool v4() const {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(b.data(), kMapped, 12) == 0;
  }
};

std::optional<Addr> FromSockaddr(const sockaddr* sa) {
  Addr a;
  if (!sa) return std::nullopt;
  if (sa->sa_family == AF_INET) {
    a.b[10] = a.b[11] = 0xff;
    std::memcpy(&a.b[12], &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    std::memcpy(a.b.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

std::optional<Addr> FromText(const std::string& text) {
  Addr a;
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    a.b[10] = a.b[11] = 0xff;
    std::memcpy(&a.b[12], &v4, 4);
    return a;
  }
  std::string t = text;
  if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  if (inet_pton(AF_INET6, t.c_str(), a.b.data()) == 1) return a;
  return std::nullopt;
}

// Whether the first `bits` bits of a and prefix agree.
bool InPrefix(const Addr& a, const Addr& prefix, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.b[i] & mask) != (prefix.b[i] & mask)) return false;
  }
  return true;
}

bool InRange(const Addr& a, const char* prefix, int bits) {
  auto p = FromText(prefix);
  bool v4 = std::strchr(prefix, ':') == nullptr;
  return p && InPrefix(a, *p, v4 ? bits + 96 : bits);
}

bool PublicV4(const Addr& a) {
  static const std::pair<const char*, int> kNotPublic[] = {
      {"0.0.0.0", 8},       {"10.0.0.0", 8},     {"100.64.0.0", 10}, {"127.0.0.0", 8},    {"169.254.0.0", 16},
      {"172.16.0.0", 12},   {"192.0.0.0", 24},   {"192.0.2.0", 24},  {"192.168.0.0", 16}, {"198.18.0.0", 15},
      {"198.51.100.0", 24}, {"203.0.113.0", 24}, {"224.0.0.0", 4},   {"240.0.0.0", 4}};
  for (const auto& [p, bits] : kNotPublic)
    if (InRange(a, p, bits)) return false;
  return true;
}

bool Public(const Addr& a) {
  if (a.v4()) return PublicV4(a);
  // IPv4 inside IPv6: NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address.
  auto embedded = [&](int at) {
    Addr v4;
    v4.b[10] = v4.b[11] = 0xff;
    std::memcpy(&v4.b[12], &a.b[at], 4);
    return v4;
  };
  if (InRange(a, "64:ff9b::", 96)) return PublicV4(embedded(12));
  if (InRange(a, "2002::", 16)) return PublicV4(embedded(2));
  static const std::pair<const char*, int> kNotPublic[] = {
      {"::", 96},                           // unspecified, loopback and the old IPv4-compatible form
      {"fc00::", 7},                        // unique local
      {"fe80::", 10},                       // link-local
      {"fec0::", 10},                       // site-local (deprecated, still routed by some)
      {"ff00::", 8},                        // multicast
      {"100::", 64},                        // discard
      {"2001:db8::", 32}, {"2001::", 23}};  // documentation; IETF protocol assignments
  for (const auto& [p, bits] : kNotPublic)
    if (InRange(a, p, bits)) return false;
  return true;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether an allow_hosts entry (name, address or CIDR) allows this host and address.
bool Allows(const std::string& entry, const std::string& host, const Addr& a) {
  std::string e = Lower(entry);
  if (size_t slash = e.find('/'); slash != std::string::npos) {
    auto p = FromText(e.substr(0, slash));
    char* end = nullptr;
    long bits = std::strtol(e.c_str() + slash + 1, &end, 10);
    if (!p || *end != '\0' || bits < 0) return false;
    if (p->v4()) bits += 96;
    return bits <= 128 && InPrefix(a, *p, static_cast<int>(bits));
  }
  if (auto p = FromText(e)) return p->b == a.b;
  return !host.empty() && e == Lower(host);
}

// The scheme of a URL ("https"), lower-cased, or "" when it has none.
std::string SchemeOf(const std::string& url) {
  size_t colon = url.find("://");
  if (colon == std::string::npos || colon == 0) return "";
  std::string s = url.substr(0, colon);
  bool ok = std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
  return ok ? Lower(s) : "";
}

bool IsUrlField(const std::string& key) {
  return key == "url" || (key.size() > 4 && key.compare(key.size() - 4, 4, "_url") == 0);
}

Status CheckValue(const OutboundPolicy& policy, const json& v, const std::string& where, const std::string& key) {
  if (v.is_object()) {
    for (const auto& [k, sub] : v.items())
      if (Status s = CheckValue(policy, sub, where + "." + k, k); !s.ok()) return s;
    return Status::Ok();
  }
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i)
      if (Status s = CheckValue(policy, v[i], where + "[" + std::to_string(i) + "]", key); !s.ok()) return s;
    return Status::Ok();
  }
  if (!v.is_string()) return Status::Ok();
  const std::string& text = v.get_ref<const std::string&>();
  if (text.find("${env:") != std::string::npos || text.find("${file:") != std::string::npos)
    return Status::Invalid(where +
                           ": ${env:…} and ${file:…} are for sources in hub.yaml, which the admin "
                           "writes; type the value itself here (secret fields are kept encrypted)");
  if (!IsUrlField(key)) return Status::Ok();
  std::string scheme = SchemeOf(text);
  std::string roots = policy.file_roots.empty() ? "" : " (or file:// URLs under api_sources.file_roots)";
  if (scheme.empty() && (text.empty() || text[0] == '/' || text[0] == '.' || text[0] == '~'))
    return Status::Invalid(where + ": \"" + text.substr(0, 80) +
                           "\" is a path, not a URL: files on the hub's "
                           "machine are for hub.yaml's sources" +
                           roots + "; for a web address write https://…");
  if (scheme.empty())
    return Status::Invalid(where + ": \"" + text.substr(0, 80) + "\" is not a URL: did you mean https://" +
                           text.substr(0, 80) + "?");
  if (scheme == "http" || scheme == "https") return Status::Ok();
  if (scheme == "file") return MayReadFile(policy, FileUrlPath(text)).Prefixed(where);
  return Status::Invalid(where + ": \"" + scheme + "://\" is not a scheme the hub fetches; use https://");
}

}  // namespace

json OutboundPolicy::ToJson() const {
  return {{"sandboxed", sandboxed}, {"file_roots", file_roots}, {"allow_hosts", allow_hosts}};
}

OutboundPolicy OutboundPolicy::FromJson(const json& j) {
  OutboundPolicy p;
  p.sandboxed = true;
  if (!j.is_object()) return p;
  if (auto it = j.find("sandboxed"); it != j.end() && it->is_boolean()) p.sandboxed = it->get<bool>();
  for (const char* field : {"file_roots", "allow_hosts"}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_array()) continue;
    auto& out = std::string(field) == "file_roots" ? p.file_roots : p.allow_hosts;
    for (const auto& e : *it)
      if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return p;
}

bool IsPublicAddress(const sockaddr* address) {
  auto a = FromSockaddr(address);
  return a && Public(*a);
}

bool IsPublicAddressText(const std::string& text) {
  auto a = FromText(text);
  return a && Public(*a);
}

bool IsLocalInterfaceAddress(const sockaddr* address) {
  auto a = FromSockaddr(address);
  if (!a) return false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return true;  // unknown: treat as ours, refuse
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    auto mine = FromSockaddr(i->ifa_addr);
    found = mine && mine->b == a->b;
  }
  freeifaddrs(list);
  return found;
}

bool MayConnect(const OutboundPolicy& policy, const std::string& host, const sockaddr* address) {
  if (!policy.sandboxed) return true;
  auto a = FromSockaddr(address);
  if (!a) return false;  // not an IP socket (a unix one, say)
  for (const auto& entry : policy.allow_hosts)
    if (Allows(entry, host, *a)) return true;
  return Public(*a) && !IsLocalInterfaceAddress(address);
}

Status MayReadFile(const OutboundPolicy& policy, const std::string& path) {
  if (!policy.sandboxed) return Status::Ok();
  std::error_code ec;
  fs::path real = fs::weakly_canonical(fs::path(path), ec);
  if (!ec) {
    for (const auto& root : policy.file_roots) {
      fs::path r = fs::weakly_canonical(fs::path(root), ec);
      if (ec || root.empty() || root[0] != '/') continue;
      if (r.filename().empty()) r = r.parent_path();  // "/srv/x/" -> "/srv/x"
      auto [ri, pi] = std::mismatch(r.begin(), r.end(), real.begin(), real.end());
      if (ri == r.end() && real != r) return Status::Ok();
    }
  }
  std::string roots;
  for (const auto& r : policy.file_roots) roots += (roots.empty() ? "" : ", ") + r;
  return Status::Invalid("\"" + path.substr(0, 120) +
                         "\" is not under a directory that sources made through the "
                         "API may read (" +
                         (roots.empty() ? "none is set" : roots) +
                         "): an admin lists them in hub.yaml as api_sources.file_roots, or adds the source there");
}

std::string FileUrlPath(const std::string& url) {
  if (SchemeOf(url) != "file") return "";
  std::string rest = url.substr(7);
  if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
  std::string out = PercentDecode(rest);
  return out.empty() ? "/" : out;
}

std::string UnreachableMessage(const std::string& url) {
  return "cannot connect to " + url.substr(0, 200) +
         ": nothing answers there, or the address is not public (sources made through the API reach public "
         "addresses only; an admin can allow a host in hub.yaml under api_sources.allow_hosts)";
}

Status CheckSandboxedConfig(const OutboundPolicy& policy, const json& config, const std::string& where) {
  return CheckValue(policy, config, where, "");
}

}  // namespace coophub
