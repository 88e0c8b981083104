// SPDX-License-Identifier: Apache-2.0
// Boost.Beast over Asio; see http_server.h.
//
// One Session per connection, its handlers serialised on a strand of the event loop.
// A request's life: read its headers under the header deadline and size caps, then its
// body; hand it to a worker (the handler may block: the store, a plugin's check);
// build the answer there (headers, gzip); write it back on the strand. An answer that
// waits (an event stream, a long poll) waits on the strand's timer, asking its ready().
#define BOOST_BEAST_USE_STD_STRING_VIEW  // Beast speaks std::string_view (this is its only file)
#include "http/http_server.h"

#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <coophub/encoding.hpp>
#include <spdlog/spdlog.h>

#include "base/elastic_pool.h"
#include "base/mutex.h"

namespace coophub {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kBacklog = 1024;
constexpr size_t kGzipMin = 860;  // below a TCP segment's worth, gzip saves nothing

const std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Frame-Options", "DENY"},
};

bool HasToken(std::string_view list, std::string_view token) {  // "gzip" in "deflate, gzip;q=1"
  size_t at = 0;
  while (at < list.size()) {
    size_t end = std::min(list.find(',', at), list.size());
    std::string_view item = list.substr(at, end - at);
    size_t b = item.find_first_not_of(" \t");
    if (b != std::string_view::npos) {
      item.remove_prefix(b);
      std::string_view name = item.substr(0, item.find_first_of(" \t;"));
      bool refused = item.find("q=0") != std::string_view::npos && item.find("q=0.") == std::string_view::npos;
      if (name.size() == token.size() && !refused &&
          std::equal(name.begin(), name.end(), token.begin(),
                     [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
        return true;
    }
    at = end + 1;
  }
  return false;
}

bool Compressible(const std::string& type) {
  if (type.rfind("text/event-stream", 0) == 0) return false;
  return type.rfind("text/", 0) == 0 || type.find("json") != std::string::npos ||
         type.find("javascript") != std::string::npos || type.find("xml") != std::string::npos;
}

// gzip (RFC 1952) at zlib's default level: well under a millisecond for a page (brotli
// at its default quality took some 50 ms for the same page, which a browser waits for).
std::optional<std::string> Gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

// What the handler sees: path percent-decoded, the query split and decoded ('+' a
// space), header names lower-cased (a repeated header: its last value).
ApiRequest ToApi(const http::request<http::string_body>& r) {
  ApiRequest a;
  a.method = std::string(r.method_string());
  std::string_view target = r.target();
  size_t q = target.find('?');
  a.path = PercentDecode(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        size_t eq = pair.find('=');
        a.query.emplace(PercentDecode(pair.substr(0, eq), true),
                        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& f : r) {
    std::string name(f.name_string());
    for (auto& c : name)  // ASCII only, as header names are: no locale lookup per letter
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    a.headers.insert_or_assign(std::move(name), std::string(f.value()));
  }
  a.body = r.body();
  return a;
}

using Response = http::response<http::string_body>;

// Security headers, then the response's own: one of the same name replaces the default
// (embeds set their frame-ancestors); one with an empty value is not sent at all.
void SetHeaders(http::fields& to, const ApiResponse& out, bool secure) {
  for (const auto& [k, v] : kSecurityHeaders) {
    bool own = std::any_of(out.headers.begin(), out.headers.end(), [k = k](const auto& h) { return h.first == k; });
    if (!own) to.set(k, v);
  }
  if (secure) to.set("Strict-Transport-Security", "max-age=31536000");
  for (const auto& [k, v] : out.headers)
    if (!v.empty()) to.insert(k, v);
  to.set(http::field::content_type, out.content_type);
}

// The answer as it goes on the wire, built on the worker: headers, gzip where the
// client takes it.
std::shared_ptr<Response> ToWire(ApiResponse&& out, unsigned version, bool keep_alive, bool gzip_ok, bool secure) {
  auto res = std::make_shared<Response>(static_cast<http::status>(out.status), version);
  SetHeaders(*res, out, secure);
  if (Compressible(out.content_type)) {
    res->set(http::field::vary, "Accept-Encoding");
    if (gzip_ok && out.body.size() >= kGzipMin && res->find(http::field::content_encoding) == res->end()) {
      if (auto z = Gzip(out.body)) {
        out.body = std::move(*z);
        res->set(http::field::content_encoding, "gzip");
      }
    }
  }
  res->body() = std::move(out.body);
  res->keep_alive(keep_alive);
  res->prepare_payload();
  return res;
}

std::string PeerAddress(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "";
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
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

namespace {

// What the sessions share: the server's state (HttpServer::Impl is this, named).
struct Core {
  RequestHandler handler;
  ServerOptions options;
  bool secure = false;
  std::optional<ssl::context> tls;
  std::atomic<int> open{0};
  Mutex per_client_mu;
  std::map<std::string, int> per_client;  // open connections by peer address
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_pause;
  std::atomic<bool> stopping{false};
  // Declared last, so destroyed first: their jobs hold sessions, which need the above.
  std::unique_ptr<ElasticPool> pool;
  // Event streams' next events, apart: a thousand streams catching up from the start
  // of the change feed take these few threads, never the workers requests need.
  std::unique_ptr<ElasticPool> stream_pool;

  void Accept();
  // One more connection from peer; how many it has open now (0 when not counted).
  int Join(const std::string& peer) {
    ++open;
    if (options.limits.per_client <= 0) return 0;
    MutexLock lock(per_client_mu);
    return ++per_client[peer];
  }
  void Leave(const std::string& peer) {
    --open;
    if (options.limits.per_client <= 0) return;
    MutexLock lock(per_client_mu);
    if (auto it = per_client.find(peer); it != per_client.end() && --it->second <= 0) per_client.erase(it);
  }
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(Core& server, tcp::socket&& socket, std::string peer, bool over_cap)
      : server_(server),
        limits_(server.options.limits),
        stream_(MakeStream(server, std::move(socket))),
        timer_(stream_.get_executor()),
        peer_(std::move(peer)),
        over_cap_(over_cap) {}
  ~Session() { server_.Leave(peer_); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(limits_.header_deadline);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->ReadHeader();
      });
    } else {
      net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->ReadHeader(); });
    }
  }

 private:
  static Stream MakeStream(Core& server, tcp::socket&& socket) {
    if constexpr (kTls)
      return Stream(std::move(socket), *server.tls);
    else
      return Stream(std::move(socket));
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  auto Self() { return this->shared_from_this(); }

  // A keep-alive connection waits up to `idle` for its next request's first byte; the
  // header deadline starts there (or, for the first request, at the connection's start).
  void WaitForNextRequest() {
    if (buffer_.size() > 0) return ReadHeader();
    if (buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();  // what a big request left
    Lowest().expires_after(limits_.idle);
    stream_.async_read_some(buffer_.prepare(4096), [self = Self()](beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    head_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser_->body_limit(limits_.body_bytes);
    Lowest().expires_after(limits_.header_deadline);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::body_limit) return TooLarge();  // a Content-Length past it: said before the body comes
    if (ec == http::error::header_limit)
      return Refuse(431, "Headers too large",
                    "the request's headers are over " + std::to_string(limits_.header_bytes / 1024) + " KB in all");
    if (ec)
      return ec == http::error::end_of_stream || ec == beast::error::timeout || !parser_->got_some()
                 ? Close()
                 : Refuse(400, "Bad request", "the request is not well-formed HTTP (" + ec.message() + ")");
    const auto& req = parser_->get();
    if (req.target().size() > limits_.line_bytes)
      return Refuse(414, "URI too long",
                    "the address (path and query) is over " + std::to_string(limits_.line_bytes / 1024) + " KB");
    for (const auto& f : req)
      if (f.name_string().size() + f.value().size() > limits_.line_bytes)
        return Refuse(431, "Headers too large",
                      "the header " + std::string(f.name_string().substr(0, 64)) + " is over " +
                          std::to_string(limits_.line_bytes / 1024) + " KB");
    if (over_cap_)
      return Refuse(429, "Too many connections",
                    "this address has " + std::to_string(limits_.per_client) +
                        " connections open to the hub already: close some (browser tabs, scripts) and retry",
                    "5");
    if (parser_->is_done()) return Dispatch();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      Lowest().expires_after(limits_.write);
      return http::async_write(stream_, *continue_, [self = Self()](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(limits_.body_deadline);
    http::async_read(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) return self->TooLarge();
      if (ec) return self->Close();
      self->Dispatch();
    });
  }

  void TooLarge() {
    Refuse(413, "Payload too large", "the request body is over " + std::to_string(limits_.body_bytes >> 20) + " MB");
  }

  // Answers a request the server will not take, then closes: what is left unread of it
  // cannot be told from the next request.
  void Refuse(int status, const std::string& title, const std::string& detail, const std::string& retry_after = "") {
    ApiResponse p = Problem(status, title, detail);
    if (!retry_after.empty()) p.headers.emplace_back("Retry-After", retry_after);
    unsigned version = parser_ && parser_->got_some() ? parser_->get().version() : 11;
    Write(ToWire(std::move(p), version == 10 ? 10 : 11, false, false, server_.secure), false);
  }

  void Dispatch() {
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    ApiRequest in = ToApi(req);
    in.remote_addr = peer_;
    in.secure = server_.secure;
    if (server_.options.behind_proxy) {
      if (auto it = in.headers.find("x-forwarded-for"); it != in.headers.end())
        in.remote_addr = ForwardedClient(it->second, in.remote_addr);
      if (auto it = in.headers.find("x-forwarded-proto"); it != in.headers.end() && it->second == "https")
        in.secure = true;
    }
    head_ = req.method() == http::verb::head;
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    gzip_ok_ = HasToken(req[http::field::accept_encoding], "gzip");
    server_.pool->Enqueue([self = Self(), in = std::move(in)] { self->Answer(self->server_.handler(in)); });
  }

  // On a worker: an answer that waits goes back to the strand to wait; any other is
  // made ready for the wire here, and written there.
  void Answer(ApiResponse out) {
    if (out.finish || out.stream) {
      auto waiting = std::make_shared<ApiResponse>(std::move(out));
      return net::post(stream_.get_executor(), [self = Self(), waiting] { self->Wait(waiting); });
    }
    auto res = ToWire(std::move(out), version_, keep_alive_, gzip_ok_, server_.secure);
    net::post(stream_.get_executor(), [self = Self(), res] { self->Write(res, self->keep_alive_); });
  }

  void Write(std::shared_ptr<Response> res, bool keep_alive) {
    Lowest().expires_after(limits_.write);
    auto done = [self = Self(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->Close();
      self->WaitForNextRequest();
    };
    if (head_) {  // the headers of a GET, Content-Length and all, without its body
      auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
      return http::async_write_header(stream_, *sr, [sr, done](beast::error_code ec, size_t n) { done(ec, n); });
    }
    http::async_write(stream_, *res, std::move(done));
  }

  // A long poll waits for ready() or its deadline, then finishes on a worker; an event
  // stream sends its headers and first events, then pumps.
  void Wait(std::shared_ptr<ApiResponse> out) {
    if (out->stream) return StartStream(std::move(out));
    bool due = Clock::now() >= out->deadline || Ready(*out);
    if (!due) {
      timer_.expires_after(limits_.poll);
      return timer_.async_wait([self = Self(), out](beast::error_code ec) {
        if (!ec) self->Wait(out);
      });
    }
    server_.pool->Enqueue([self = Self(), out] {
      ApiResponse next;
      try {
        next = out->finish();
      } catch (const std::exception& e) {
        next = Problem(500, "Internal error", "the hub failed on this request; its log has the details");
        spdlog::error("a waiting answer failed: {}", e.what());
      }
      self->Answer(std::move(next));
    });
  }

  static bool Ready(const ApiResponse& out) {
    try {
      return !out.ready || out.ready();
    } catch (...) {
      return true;  // let stream()/finish() say what is wrong
    }
  }

  void StartStream(std::shared_ptr<ApiResponse> out) {
    live_ = std::move(out);
    stream_head_ =
        std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(live_->status), version_);
    SetHeaders(*stream_head_, *live_, server_.secure);
    stream_head_->keep_alive(keep_alive_);
    stream_head_->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*stream_head_);
    Lowest().expires_after(limits_.write);
    http::async_write_header(stream_, *sr, [self = Self(), sr](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->SendChunk(std::move(self->live_->body));
    });
  }

  void SendChunk(std::string chunk) {
    if (chunk.empty()) return Pump();
    last_sent_ = Clock::now();
    chunk_ = std::move(chunk);
    Lowest().expires_after(limits_.write);
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)), [self = Self()](beast::error_code ec, size_t) {
      if (ec) return self->Close();  // the client left, or stopped reading
      self->Pump();
    });
  }

  void Pump() {
    timer_.expires_after(limits_.poll);
    timer_.async_wait([self = Self()](beast::error_code ec) {
      if (ec) return;
      if (Ready(*self->live_)) return self->NextEvents();
      if (Clock::now() - self->last_sent_ >= self->limits_.keep_alive_comment)
        return self->SendChunk(": keep-alive\n\n");  // also how a client that left is noticed
      self->Pump();
    });
  }

  void NextEvents() {
    server_.stream_pool->Enqueue([self = Self()] {
      std::string chunk;
      bool more = false;
      try {
        more = self->live_->stream(&chunk);
      } catch (const std::exception& e) {
        spdlog::error("an event stream failed: {}", e.what());
      }
      net::post(self->stream_.get_executor(), [self, more, chunk = std::move(chunk)]() mutable {
        if (more) return self->SendChunk(std::move(chunk));
        self->EndStream(std::move(chunk));
      });
    });
  }

  // What came with the end still goes out, then the last (empty) chunk.
  void EndStream(std::string tail) {
    Lowest().expires_after(limits_.write);
    auto last = [self = Self()] {
      net::async_write(self->stream_, http::make_chunk_last(), [self](beast::error_code, size_t) { self->Close(); });
    };
    if (tail.empty()) return last();
    chunk_ = std::move(tail);
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = Self(), last](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       last();
                     });
  }

  // Ends the connection. Lingering: our side closes first, and what the client still
  // sends is read and dropped for up to 2 s, so that an answer sent before the end of
  // its request (413, 431) reaches it rather than a reset.
  void Close() {
    timer_.cancel();
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = Self()](beast::error_code) {});
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return;
      Lowest().expires_after(std::chrono::seconds(2));
      drain_ = std::make_unique<char[]>(kDrainBytes);  // only while closing: most never need it
      Drain();
    }
  }
  void Drain() {
    Lowest().async_read_some(net::buffer(drain_.get(), kDrainBytes), [self = Self()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (!ec && self->drained_ < 256 * 1024) self->Drain();
    });
  }

  Core& server_;
  const ServerLimits& limits_;
  Stream stream_;
  net::steady_timer timer_;
  std::string peer_;
  bool over_cap_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  // The request being answered.
  bool head_ = false, keep_alive_ = false, gzip_ok_ = false;
  unsigned version_ = 11;
  // An event stream being pumped.
  std::shared_ptr<ApiResponse> live_;
  std::shared_ptr<http::response<http::empty_body>> stream_head_;
  std::string chunk_;
  Clock::time_point last_sent_;
  static constexpr size_t kDrainBytes = 4096;
  std::unique_ptr<char[]> drain_;
  size_t drained_ = 0;
};

}  // namespace

struct HttpServer::Impl : Core {};

void Core::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (ec) {
      // Out of file descriptors (or another passing error): pause, rather than spin on it.
      spdlog::warn("cannot accept a connection: {}", ec.message());
      accept_pause->expires_after(std::chrono::milliseconds(100));
      return accept_pause->async_wait([this](beast::error_code) { Accept(); });
    }
    if (open.load() >= options.limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // the cheapest refusal; the client's retry finds room later
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::string peer = PeerAddress(socket);
      int from_peer = Join(peer);
      bool over = from_peer > options.limits.per_client;
      // Over the cap, a connection is told so (429); far over it, one is only closed
      // (a session not started ends here, and leaves the count).
      bool answer = !over || from_peer <= 2 * options.limits.per_client;
      if (tls) {
        auto session =
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), peer, over);
        if (answer) session->Start();
      } else {
        auto session = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket), peer, over);
        if (answer) session->Start();
      }
    }
    Accept();
  });
}

HttpServer::HttpServer(RequestHandler handler, const ServerOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.handler = std::move(handler);
  s.options = options;
  if (s.options.behind_proxy) s.options.limits.per_client = 0;
  // Each connection is a file descriptor: stay below the limit, with room for the store,
  // plugins' pipes and logs.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY)
    s.options.limits.max_connections =
        std::max(16, std::min<int>(s.options.limits.max_connections, static_cast<int>(files.rlim_cur) - 64));
  // Workers run handlers, which may block (the store, a plugin's check): the maximum
  // bounds requests answered at once, not connections; idle for a minute, they end.
  unsigned threads = std::max(64u, 8 * std::thread::hardware_concurrency());
  s.pool = std::make_unique<ElasticPool>(threads, std::chrono::seconds(60));
  s.stream_pool =
      std::make_unique<ElasticPool>(std::max(2u, std::thread::hardware_concurrency()), std::chrono::seconds(60));
  const TlsFiles& tls = options.tls;
  s.secure = !tls.cert.empty();
  if (s.secure) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    s.tls->use_certificate_chain_file(tls.cert, ec);
    if (!ec) s.tls->use_private_key_file(tls.key, ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(s.tls->native_handle()) != 1)
      status_ = Status::Invalid("cannot load the TLS certificate " + tls.cert + " and key " + tls.key +
                                ": check both are PEM files, readable, and that the key matches the certificate");
  }
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind(const std::string& address, int port) {
  Impl& s = *impl_;
  auto where = [&] { return address + ":" + std::to_string(port); };
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto found = resolver.resolve(address, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || found.empty()) return Status::Invalid("cannot listen on " + where() + ": " + ec.message());
  tcp::endpoint ep = found.begin()->endpoint();
  s.acceptor.emplace(s.ioc);
  s.acceptor->open(ep.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(ep, ec);
  if (!ec) s.acceptor->listen(kBacklog, ec);
  if (ec) {
    s.acceptor.reset();
    return Status::Unavailable("cannot listen on " + where() + " (" + ec.message() +
                               "): is another program using the port? Pick another with --port");
  }
  port_ = s.acceptor->local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Serve() {
  Impl& s = *impl_;
  if (!s.acceptor) return;
  s.accept_pause.emplace(s.ioc);
  s.Accept();
  // The event loop does little per request (parse, write): two threads keep up with the
  // workers on a small machine, more would only add switching.
  unsigned n = std::clamp(std::thread::hardware_concurrency(), 2u, 4u);
  std::vector<std::thread> more;
  for (unsigned i = 1; i < n; ++i) more.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : more) t.join();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  impl_->ioc.stop();
}

int HttpServer::connections() const { return impl_->open.load(); }

}  // namespace coophub
