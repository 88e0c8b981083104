// SPDX-License-Identifier: Apache-2.0
//
// The one stand-in HTTP server of the tests: cpp-httplib on a loopback address and a
// free port, listening from construction to destruction. A test gives it its routes;
// what a route keeps for the test to look at is the test's (guard it: routes run on
// the server's threads).
#pragma once

#include <httplib.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace coophub::testing {

class LocalServer {
 public:
  using Routes = std::function<void(httplib::Server&)>;

  explicit LocalServer(const Routes& routes, std::string address = "127.0.0.1") : address_(std::move(address)) {
    routes(srv_);
    port_ = srv_.bind_to_any_port(address_);
    if (port_ <= 0) throw std::runtime_error("LocalServer: cannot bind " + address_);
    // Bound and listening already: connections wait in the backlog until the loop runs.
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
  }
  ~LocalServer() {
    srv_.stop();
    thread_.join();
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // http://ADDRESS:PORT/path; host replaces the address (a name that resolves to it).
  std::string Url(const std::string& path = "", const std::string& host = "") const {
    return "http://" + (host.empty() ? address_ : host) + ":" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  std::string address_;
  httplib::Server srv_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace coophub::testing
