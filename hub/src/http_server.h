// SPDX-License-Identifier: Apache-2.0
//
// Serves an Api over HTTP with cpp-httplib: the one file that includes httplib.h.
// Sets what Debian's build of httplib leaves slow by default (TCP_NODELAY, keep-alive
// count, listen backlog, worker threads) and adds security headers to every response.
#pragma once

#include <memory>
#include <string>

#include "api.h"
#include "status.h"

namespace coophub {

struct TlsFiles {
  std::string cert, key;  // PEM; both empty: plain HTTP
};

struct ServerOptions {
  TlsFiles tls;
  // Behind a reverse proxy (serve --behind-proxy): the client is the last address of
  // X-Forwarded-For, the one the proxy added (those before it are the client's word),
  // and X-Forwarded-Proto: https counts as HTTPS (Secure cookies).
  bool behind_proxy = false;
};

// The client's address as a proxy reports it: the last entry of an X-Forwarded-For
// value, trimmed; peer when there is none or it is not an address.
std::string ForwardedClient(const std::string& forwarded_for, const std::string& peer);

class HttpServer {
 public:
  // With tls files the server speaks HTTPS only; status() says whether they loaded.
  explicit HttpServer(const Api& api, const ServerOptions& options = {});
  Status status() const { return status_; }
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds address:port (port 0 picks a free one) or says why not.
  Status Bind(const std::string& address, int port);
  int port() const { return port_; }
  // Serves until Stop(); call on its own thread.
  void Serve();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  Status status_;
};

}  // namespace coophub
