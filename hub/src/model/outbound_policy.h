// SPDX-License-Identifier: Apache-2.0
//
// What a source made through the API may reach (docs/security.md). hub.yaml's sources
// are the admin's and reach anything the hub's user can; sources made through the API
// (by editors) are sandboxed: files only under api_sources.file_roots, and network
// addresses only if public, or if the admin allows the host in api_sources.allow_hosts.
// The address check is made on the address a connection is about to use, after name
// resolution and again for every redirect, so a name that resolves differently between
// a check and a fetch gains nothing. Pure functions over plain values: thread-safe.
#pragma once

#include <sys/socket.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace coophub {

struct OutboundPolicy {
  bool sandboxed = false;                // false: hub.yaml's sources, nothing is refused
  std::vector<std::string> file_roots;   // absolute directories whose files may be read
  std::vector<std::string> allow_hosts;  // host names, addresses or CIDR ranges allowed
                                         // even when not public (e.g. intranet.coop)

  nlohmann::json ToJson() const;
  // The policy a worker was given; a malformed one is sandboxed with nothing allowed.
  static OutboundPolicy FromJson(const nlohmann::json& j);
};

// True for an address anyone on the internet could also reach: not loopback, private
// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local, carrier-grade NAT, multicast,
// reserved, unspecified, nor an IPv4 address hidden in an IPv6 one (::ffff:a.b.c.d,
// 64:ff9b::/96, 2002::/16).
bool IsPublicAddress(const sockaddr* address);
// The same for an address written as text ("10.1.2.3", "::1"); false if it is not one.
bool IsPublicAddressText(const std::string& text);
// True when one of this machine's interfaces has the address (the hub's own address,
// whatever it listens on).
bool IsLocalInterfaceAddress(const sockaddr* address);

// Whether a connection to address, made for a URL whose host is host, is allowed.
bool MayConnect(const OutboundPolicy& policy, const std::string& host, const sockaddr* address);

// Whether the file at path (absolute) may be read: always when not sandboxed, else only
// when its real path (symbolic links followed) is inside one of the file roots.
Status MayReadFile(const OutboundPolicy& policy, const std::string& path);

// The path of a file:// URL, %XX decoded ("file:///srv/a%20b.csv" -> "/srv/a b.csv");
// "" for other URLs.
std::string FileUrlPath(const std::string& url);

// The message for a connection the policy refused. It is the same as for an address
// where nothing answers, so that a refused address tells nothing about what runs there.
std::string UnreachableMessage(const std::string& url);

// Checks a config made through the API before it is kept: no ${env:} or ${file:}
// placeholders, and every URL field ("url", "*_url") with a scheme, http(s) or a
// file:// under the file roots. The error names the field and the fix.
Status CheckSandboxedConfig(const OutboundPolicy& policy, const nlohmann::json& config,
                            const std::string& where = "config");

}  // namespace coophub
