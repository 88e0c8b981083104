// SPDX-License-Identifier: Apache-2.0
//
// Serves an ApiRequest -> ApiResponse handler over HTTP/1.1 (and HTTPS) with
// Boost.Beast on an Asio event loop: the one file that speaks sockets to browsers.
//
// Connections cost no thread. A few event-loop threads read requests and write answers;
// a complete request runs on a worker from a pool that keeps none while the hub is idle.
// So a slow client, an idle keep-alive socket or an open event stream holds a few KB of
// memory, never a thread, and cannot stop anyone else (docs/development.md says why
// this is not cpp-httplib). Every request has a deadline for its headers and caps on
// their size, and one client address has a cap on its open connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"
#include "base/status.h"

namespace coophub {

struct TlsFiles {
  std::string cert, key;  // PEM; both empty: plain HTTP
};

// What one client may hold. The defaults are the hub's; tests shorten the times.
struct ServerLimits {
  size_t header_bytes = 32 * 1024;  // request line and every header field: 431 past it
  size_t line_bytes = 8 * 1024;     // the target (414 past it), and each header field (431)
  size_t body_bytes = 1 << 20;      // 413 past it
  // From a connection's start, or a keep-alive request's first byte, to its last header
  // byte: a client that sends its headers slowly (slowloris) is closed when it passes.
  std::chrono::milliseconds header_deadline{10'000};
  std::chrono::milliseconds body_deadline{30'000};
  std::chrono::milliseconds idle{30'000};   // a keep-alive connection with no request
  std::chrono::milliseconds write{30'000};  // to take one answer, or one event, off us
  // Open connections from one address; past it a connection is answered 429. 0: none
  // (behind a proxy every connection is the proxy's, which limits its own clients).
  int per_client = 128;
  // Open connections in all: past it a new one is closed at once. Also kept below the
  // process's open-file limit.
  int max_connections = 10'000;
  // How often an event stream or a long poll asks whether something came (its ready()).
  std::chrono::milliseconds poll{100};
  std::chrono::milliseconds keep_alive_comment{5'000};  // a quiet event stream's comment line
};

struct ServerOptions {
  TlsFiles tls;
  // Behind a reverse proxy (serve --behind-proxy): the client is the last address of
  // X-Forwarded-For, the one the proxy added (those before it are the client's word),
  // and X-Forwarded-Proto: https counts as HTTPS (Secure cookies).
  bool behind_proxy = false;
  ServerLimits limits;
};

// The client's address as a proxy reports it: the last entry of an X-Forwarded-For
// value, trimmed; peer when there is none or it is not an address.
std::string ForwardedClient(const std::string& forwarded_for, const std::string& peer);

// Requests as the server hands them over: path and query decoded, header names
// lower-cased. Runs on a worker thread, many at once; must not throw.
using RequestHandler = std::function<ApiResponse(const ApiRequest&)>;

class HttpServer {
 public:
  // With tls files the server speaks HTTPS only; status() says whether they loaded.
  explicit HttpServer(RequestHandler handler, const ServerOptions& options = {});
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
  // Connections open now (for tests and metrics).
  int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  Status status_;
};

}  // namespace coophub
