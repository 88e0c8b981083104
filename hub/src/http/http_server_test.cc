// SPDX-License-Identifier: Apache-2.0
// The HTTP server against raw sockets: what slow, greedy and hostile clients can and
// cannot do to everyone else, event streams and long polls, and the client's address
// behind a reverse proxy.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/wait.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace coophub {
namespace {

using namespace std::chrono_literals;

// One client connection, from a loopback address of its choice.
class Client {
 public:
  Client(int port, const char* from = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, from, &src.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) return;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  bool connected() const { return connected_; }

  bool Send(const std::string& s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until `until` is in what came, the server closes, or `timeout` passes.
  std::string ReadUntil(const std::string& until, std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got_.find(until) == std::string::npos && !closed_ && std::chrono::steady_clock::now() < deadline)
      ReadSome(50);
    return got_;
  }
  // Whether the server closed within timeout (what it sent meanwhile is kept).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) ReadSome(50);
    return closed_;
  }
  void ReadSome(int wait_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) return;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      closed_ = true;
    else
      got_.append(buf, static_cast<size_t>(n));
  }
  const std::string& got() const { return got_; }
  void Forget() { got_.clear(); }

 private:
  int fd_ = -1;
  bool connected_ = false, closed_ = false;
  std::string got_;
};

// A server on a free loopback port, serving `handler` on its own thread.
class TestServer {
 public:
  explicit TestServer(RequestHandler handler, ServerLimits limits = {}) {
    ServerOptions o;
    o.limits = limits;
    server_ = std::make_unique<HttpServer>(std::move(handler), o);
    ok_ = server_->Bind("127.0.0.1", 0).ok();
    if (ok_) thread_ = std::thread([this] { server_->Serve(); });
  }
  ~TestServer() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  int port() const { return server_->port(); }
  HttpServer& server() { return *server_; }
  // Waits (bounded) until the server counts n open connections.
  bool WaitForConnections(int n, std::chrono::milliseconds timeout = 10s) {
    return testing::PollFor(
        timeout, [&] { return server_->connections() == n; }, 1ms);
  }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
};

ApiResponse Hello(const ApiRequest& r) { return {200, "text/plain", "hello " + r.path}; }

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: hub\r\n" + extra + "\r\n";
}

// Each client holds a file descriptor on both ends: room for a few hundred of them.
void RaiseFileLimit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

TEST(HttpServer, SlowClientsAndOpenStreamsHoldNoThreadFromOthers) {
  RaiseFileLimit();
  ServerLimits limits;
  limits.per_client = 0;
  TestServer hub(
      [](const ApiRequest& r) {
        if (r.path != "/stream") return Hello(r);
        ApiResponse s{200, "text/event-stream", "retry: 3000\n\n"};
        s.ready = [] { return false; };
        s.stream = [](std::string*) { return true; };
        return s;
      },
      limits);
  ASSERT_TRUE(hub.ok());
  // More than the 64 connection threads the hub used to have, of each kind: clients
  // that never finish their headers, idle keep-alive ones, and event streams.
  constexpr int kEach = 150;
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < kEach; ++i) {
    held.push_back(std::make_unique<Client>(hub.port()));
    ASSERT_TRUE(held.back()->Send("GET /slow HTTP/1.1\r\nHost: hub\r\nX-Slow: "));
    held.push_back(std::make_unique<Client>(hub.port()));
    ASSERT_TRUE(held.back()->Send(Get("/idle")));
    held.push_back(std::make_unique<Client>(hub.port()));
    ASSERT_TRUE(held.back()->Send(Get("/stream")));
  }
  for (size_t i = 1; i < held.size(); i += 3) {
    EXPECT_NE(held[i]->ReadUntil("hello /idle").find("hello /idle"), std::string::npos);
    EXPECT_NE(held[i + 1]->ReadUntil("retry: 3000").find("retry: 3000"), std::string::npos);
  }
  ASSERT_TRUE(hub.WaitForConnections(3 * kEach));
  Client other(hub.port());
  ASSERT_TRUE(other.Send(Get("/healthz")));
  EXPECT_NE(other.ReadUntil("hello /healthz").find("HTTP/1.1 200 OK"), std::string::npos) << other.got();
}

TEST(HttpServer, AClientThatSendsItsHeadersSlowlyIsClosedAtTheDeadline) {
  ServerLimits limits;
  limits.header_deadline = 400ms;
  TestServer hub(Hello, limits);
  ASSERT_TRUE(hub.ok());
  // A byte every 50 ms never lets a per-read timeout fire; the whole-request deadline does.
  Client slow(hub.port());
  ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {  // 10 s at most
    slow.Send("X");
    closed = slow.ClosedWithin(50ms);
  }
  EXPECT_TRUE(closed) << "still open after 10 s";
  EXPECT_EQ(slow.got(), "") << "no answer to half a request";
  // One that finishes in time is answered, and keeps its connection for the next request.
  Client quick(hub.port());
  ASSERT_TRUE(quick.Send(Get("/one")));
  EXPECT_NE(quick.ReadUntil("hello /one").find("hello /one"), std::string::npos);
  ASSERT_TRUE(quick.Send(Get("/two")));
  EXPECT_NE(quick.ReadUntil("hello /two").find("hello /two"), std::string::npos);
}

TEST(HttpServer, HeadersPastTheirCapsGet431AndTheConnectionEnds) {
  ServerLimits limits;
  TestServer hub(Hello, limits);
  ASSERT_TRUE(hub.ok());
  std::string many;
  for (int i = 0; i < 40; ++i) many += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
  Client in_all(hub.port());
  ASSERT_TRUE(in_all.Send(Get("/", many)));
  EXPECT_TRUE(in_all.ClosedWithin(5s));
  EXPECT_EQ(in_all.got().rfind("HTTP/1.1 431 ", 0), 0u) << in_all.got().substr(0, 200);
  EXPECT_NE(in_all.got().find("over 32 KB in all"), std::string::npos);
  EXPECT_NE(in_all.got().find("application/problem+json"), std::string::npos);

  Client one(hub.port());
  ASSERT_TRUE(one.Send(Get("/", "X-Big: " + std::string(9000, 'b') + "\r\n")));
  EXPECT_TRUE(one.ClosedWithin(5s));
  EXPECT_EQ(one.got().rfind("HTTP/1.1 431 ", 0), 0u) << one.got().substr(0, 200);
  EXPECT_NE(one.got().find("X-Big is over 8 KB"), std::string::npos) << one.got();

  // Headers without end: the server stops reading well before 100 MB have gone.
  Client endless(hub.port());
  ASSERT_TRUE(endless.Send("GET / HTTP/1.1\r\n"));
  std::string line = "X-More: " + std::string(1000, 'm') + "\r\n";
  size_t sent = 0;
  while (sent < (100u << 20) && endless.got().empty() && endless.Send(line)) {
    sent += line.size();
    if (sent % (64 * 1024) < line.size()) endless.ReadSome(0);
  }
  EXPECT_LT(sent, 8u << 20) << "the server kept reading";
  EXPECT_EQ(endless.ReadUntil("\r\n\r\n").rfind("HTTP/1.1 431 ", 0), 0u) << endless.got().substr(0, 200);
}

TEST(HttpServer, OneAddressMayHoldOnlySoManyConnections) {
  ServerLimits limits;
  limits.per_client = 3;
  TestServer hub(Hello, limits);
  ASSERT_TRUE(hub.ok());
  std::vector<std::unique_ptr<Client>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(std::make_unique<Client>(hub.port()));
    ASSERT_TRUE(mine.back()->Send(Get("/")));
    EXPECT_NE(mine.back()->ReadUntil("hello /").find("200 OK"), std::string::npos);
  }
  Client fourth(hub.port());
  ASSERT_TRUE(fourth.Send(Get("/")));
  EXPECT_TRUE(fourth.ClosedWithin(5s));
  EXPECT_EQ(fourth.got().rfind("HTTP/1.1 429 ", 0), 0u) << fourth.got().substr(0, 200);
  EXPECT_NE(fourth.got().find("Retry-After: 5"), std::string::npos);
  EXPECT_NE(fourth.got().find("3 connections open"), std::string::npos);

  Client elsewhere(hub.port(), "127.0.0.2");  // another client is not held to this one's cap
  ASSERT_TRUE(elsewhere.connected());
  ASSERT_TRUE(elsewhere.Send(Get("/")));
  EXPECT_NE(elsewhere.ReadUntil("hello /").find("200 OK"), std::string::npos) << elsewhere.got();

  mine.pop_back();  // one closed: room for one more
  ASSERT_TRUE(hub.WaitForConnections(3));
  Client again(hub.port());
  ASSERT_TRUE(again.Send(Get("/")));
  EXPECT_NE(again.ReadUntil("hello /").find("200 OK"), std::string::npos) << again.got();
}

TEST(HttpServer, AnEventStreamSendsWhatIsReadyAndKeepsAQuietOneAlive) {
  std::atomic<int> published{0};
  std::atomic<bool> end{false};
  ServerLimits limits;
  limits.keep_alive_comment = 300ms;
  limits.poll = 20ms;
  TestServer hub(
      [&](const ApiRequest&) {
        auto sent = std::make_shared<int>(0);
        ApiResponse s{200, "text/event-stream", "retry: 3000\n\n"};
        s.ready = [&, sent] { return published.load() > *sent || end.load(); };
        s.stream = [&, sent](std::string* chunk) {
          for (; *sent < published.load(); ++*sent) *chunk += "data: " + std::to_string(*sent + 1) + "\n\n";
          return !end.load();
        };
        return s;
      },
      limits);
  ASSERT_TRUE(hub.ok());
  Client c(hub.port());
  ASSERT_TRUE(c.Send(Get("/events")));
  std::string head = c.ReadUntil("retry: 3000");
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Content-Type-Options: nosniff"), std::string::npos) << "security headers too";
  published = 2;
  EXPECT_NE(c.ReadUntil("data: 2\n\n").find("data: 1\n\ndata: 2\n\n"), std::string::npos) << c.got();
  EXPECT_NE(c.ReadUntil(": keep-alive").find(": keep-alive\n\n"), std::string::npos) << "a quiet stream";
  published = 3;
  EXPECT_NE(c.ReadUntil("data: 3\n\n").find("data: 3\n\n"), std::string::npos);
  end = true;
  EXPECT_NE(c.ReadUntil("\r\n0\r\n\r\n").find("\r\n0\r\n\r\n"), std::string::npos) << "the last chunk ends it";
  EXPECT_TRUE(c.ClosedWithin(5s));
}

TEST(HttpServer, ALongPollIsFinishedWhenReadyOrAtItsDeadline) {
  std::atomic<bool> came{false};
  ServerLimits limits;
  limits.poll = 20ms;
  TestServer hub(
      [&](const ApiRequest& r) {
        ApiResponse later;
        later.ready = [&] { return came.load(); };
        later.deadline = std::chrono::steady_clock::now() + (r.path == "/short" ? 200ms : 60s);
        later.finish = [&] { return ApiResponse{200, "text/plain", came ? "it came" : "nothing yet"}; };
        return later;
      },
      limits);
  ASSERT_TRUE(hub.ok());
  Client waiting(hub.port());
  ASSERT_TRUE(waiting.Send(Get("/long")));
  Client short_poll(hub.port());
  ASSERT_TRUE(short_poll.Send(Get("/short")));
  EXPECT_NE(short_poll.ReadUntil("nothing yet").find("nothing yet"), std::string::npos) << short_poll.got();
  EXPECT_EQ(waiting.got(), "");
  came = true;
  EXPECT_NE(waiting.ReadUntil("it came").find("HTTP/1.1 200 OK"), std::string::npos) << waiting.got();
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrderAndHeadHasNoBody) {
  TestServer hub(Hello);
  ASSERT_TRUE(hub.ok());
  Client c(hub.port());
  ASSERT_TRUE(c.Send(Get("/a") + Get("/b?x=1+2&y=%C3%A9") + "HEAD /c HTTP/1.1\r\nHost: hub\r\n\r\n" + Get("/d")));
  std::string all = c.ReadUntil("hello /d");
  size_t a = all.find("hello /a"), b = all.find("hello /b"), d = all.find("hello /d");
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(d, std::string::npos) << all;
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);
  EXPECT_EQ(all.find("hello /c"), std::string::npos) << "HEAD: no body";
  EXPECT_NE(all.find("Content-Length: 8\r\n"), std::string::npos) << "HEAD: the length of the GET's body";
}

TEST(HttpServer, QueryAndPathArriveDecoded) {
  ApiRequest seen;
  std::mutex mu;
  TestServer hub([&](const ApiRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen = r;
    return ApiResponse{204, "text/plain", ""};
  });
  ASSERT_TRUE(hub.ok());
  Client c(hub.port());
  ASSERT_TRUE(c.Send(Get("/a%20b/c?q=x+y%26z&flag&=v&k=1&k=2", "X-Mixed-Case: Yes\r\n")));
  EXPECT_NE(c.ReadUntil("\r\n\r\n").find("204"), std::string::npos);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.path, "/a b/c");
  EXPECT_EQ(seen.query.find("q")->second, "x y&z");
  EXPECT_EQ(seen.query.count("flag"), 1u);
  EXPECT_EQ(seen.query.count("k"), 2u);
  EXPECT_EQ(seen.headers["x-mixed-case"], "Yes");
  EXPECT_EQ(seen.remote_addr, "127.0.0.1");
}

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
