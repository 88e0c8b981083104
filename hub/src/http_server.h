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

class HttpServer {
 public:
  // With tls files the server speaks HTTPS only; ok() says whether they loaded.
  explicit HttpServer(const Api& api, const TlsFiles& tls = {});
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
