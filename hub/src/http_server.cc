// SPDX-License-Identifier: Apache-2.0
// cpp-httplib adapter; see http_server.h.
#include "http_server.h"

#include "elastic_pool.h"

#include <algorithm>

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

namespace coophub {
namespace {

constexpr int kBacklog = 1024;

// httplib's connection threads, from a pool that keeps none while the hub is idle.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(size_t max) : pool_(max, std::chrono::seconds(60)) {}
  void enqueue(std::function<void()> fn) override { pool_.Enqueue(std::move(fn)); }
  void shutdown() override { pool_.Shutdown(); }

 private:
  ElasticPool pool_;
};

const std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Frame-Options", "DENY"},
};

// httplib compresses a text or JSON answer in whatever the client accepts, brotli first,
// at brotli's default quality (11): about 50 ms for a 20 KB page here, which a browser
// waits for on every load. zlib's gzip takes well under a millisecond for the same
// page, so the hub takes "br" out of Accept-Encoding before httplib reads it. httplib
// hands handlers a const view of its own (non-const) request object.
void OfferGzipOnly(const httplib::Request& r) {
  auto& headers = const_cast<httplib::Headers&>(r.headers);
  auto [from, to] = headers.equal_range("Accept-Encoding");  // names compare case-insensitively
  for (auto it = from; it != to; ++it) {
    std::string kept;
    std::stringstream codings(it->second);
    for (std::string c; std::getline(codings, c, ',');) {
      size_t start = c.find_first_not_of(' ');
      std::string name = start == std::string::npos ? "" : c.substr(start);
      if (name.empty() || name.rfind("br", 0) == 0) continue;
      kept += (kept.empty() ? "" : ", ") + name;
    }
    it->second = kept;
  }
}

ApiRequest ToApi(const httplib::Request& r) {
  ApiRequest a;
  a.method = r.method;
  a.path = r.path;
  for (const auto& [k, v] : r.params) a.query.emplace(k, v);
  for (const auto& [k, v] : r.headers) {
    std::string name = k;
    for (auto& c : name)  // ASCII only, as header names are: no locale lookup per letter
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    a.headers.insert_or_assign(std::move(name), v);
  }
  a.body = r.body;
  a.remote_addr = r.remote_addr;
  return a;
}

}  // namespace

std::string ForwardedClient(const std::string& forwarded_for, const std::string& peer) {
  size_t comma = forwarded_for.rfind(',');
  std::string last = forwarded_for.substr(comma == std::string::npos ? 0 : comma + 1);
  size_t b = last.find_first_not_of(" \t"), e = last.find_last_not_of(" \t");
  last = b == std::string::npos ? "" : last.substr(b, e - b + 1);
  if (last.empty() || last.size() > 45) return peer;  // 45: the longest IPv6 text
  for (char c : last)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':') return peer;
  return last;
}

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> server;
  std::atomic<int> fd{-1};
};

HttpServer::HttpServer(const Api& api, const ServerOptions& options) : impl_(std::make_unique<Impl>()) {
  const TlsFiles& tls = options.tls;
  bool secure = !tls.cert.empty();
  if (secure) {
    auto ssl = std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str());
    if (!ssl->is_valid())
      status_ = Status::Invalid("cannot load the TLS certificate " + tls.cert + " and key " + tls.key +
                                ": check both are PEM files, readable, and that the key matches the certificate");
    impl_->server = std::move(ssl);
  } else {
    impl_->server = std::make_unique<httplib::Server>();
  }
  auto& s = *impl_->server;
  // httplib gives each keep-alive connection a thread until it closes, so the maximum
  // bounds concurrent clients, not CPU use; threads idle for a minute end.
  unsigned threads = std::max(64u, 8 * std::thread::hardware_concurrency());
  s.new_task_queue = [threads] { return new ConnectionThreads(threads); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(5);
  s.set_write_timeout(10);
  s.set_payload_max_length(1 << 20);
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl_->fd = sock;
  });
  auto handler = [&api, secure, proxy = options.behind_proxy](const httplib::Request& req, httplib::Response& res) {
    OfferGzipOnly(req);
    ApiRequest in = ToApi(req);
    in.secure = secure;
    if (proxy) {
      if (auto it = in.headers.find("x-forwarded-for"); it != in.headers.end())
        in.remote_addr = ForwardedClient(it->second, in.remote_addr);
      if (auto it = in.headers.find("x-forwarded-proto"); it != in.headers.end() && it->second == "https")
        in.secure = true;
    }
    ApiResponse out = api.Handle(in);
    res.status = out.status;
    // A response's own header of the same name replaces the default (embeds set their
    // frame-ancestors); one with an empty value is not sent at all.
    for (const auto& [k, v] : kSecurityHeaders) {
      bool own = std::any_of(out.headers.begin(), out.headers.end(), [k = k](const auto& h) { return h.first == k; });
      if (!own) res.set_header(k, v);
    }
    if (secure) res.set_header("Strict-Transport-Security", "max-age=31536000");
    for (const auto& [k, v] : out.headers)
      if (!v.empty()) res.set_header(k, v);
    if (out.stream) {
      auto first = std::make_shared<std::string>(std::move(out.body));
      auto next = std::move(out.stream);
      res.set_chunked_content_provider(out.content_type, [first, next](size_t, httplib::DataSink& sink) {
        std::string chunk;
        if (!first->empty()) chunk.swap(*first);
        else if (!next(&chunk)) {
          sink.done();
          return true;
        }
        return chunk.empty() || sink.write(chunk.data(), chunk.size());
      });
      return;
    }
    res.set_content(std::move(out.body), out.content_type.c_str());
  };
  // What httplib itself refuses (too long a request line, too big a body, garbage) also
  // answers with a problem that says why.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string title = "Request refused", detail = "the server could not take this request";
    switch (res.status) {
      case 413: title = "Payload too large", detail = "the request body is over 1 MB"; break;
      case 414: title = "URI too long", detail = "the address (path and query) is over 8 KB"; break;
      case 431: title = "Headers too large", detail = "the request headers are over 8 KB"; break;
      // httplib answers 400, not 431, to a header line over its 8 KB limit.
      case 400: title = "Bad request", detail = "the request is not well-formed HTTP, or a header is over 8 KB"; break;
    }
    ApiResponse p = Problem(res.status, title, detail);
    for (const auto& [k, v] : kSecurityHeaders) res.set_header(k, v);
    res.set_content(p.body, p.content_type.c_str());
  });
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Patch(".*", handler);
  s.Delete(".*", handler);
  s.Options(".*", handler);
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind(const std::string& address, int port) {
  auto& s = *impl_->server;
  if (port == 0) {
    port_ = s.bind_to_any_port(address);
    if (port_ <= 0) return Status::Unavailable("cannot listen on " + address + ": " + strerror(errno));
  } else {
    if (!s.bind_to_port(address, port))
      return Status::Unavailable("cannot listen on " + address + ":" + std::to_string(port) +
                                 " (" + strerror(errno) +
                                 "): is another program using the port? Pick another with --port");
    port_ = port;
  }
  // httplib listens with a backlog of 5; a busy hub needs more. listen() again raises it.
  if (impl_->fd >= 0) ::listen(impl_->fd, kBacklog);
  return Status::Ok();
}

void HttpServer::Serve() { impl_->server->listen_after_bind(); }

void HttpServer::Stop() {
  if (impl_ && impl_->server && impl_->server->is_running()) impl_->server->stop();
}

}  // namespace coophub
