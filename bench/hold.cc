// SPDX-License-Identifier: Apache-2.0
//
// Holds many clients on a hub for a while, as 1,000 open dashboards and a slowloris
// attacker would, so that bench/run.sh can measure what everyone else gets meanwhile:
//   hold PORT STREAMS SLOW SECONDS AFTER
// STREAMS connections read the change feed from AFTER (the head, as a dashboard page
// asks for what comes after the changes it shows) as server-sent events: what each
// dashboard tab holds open. SLOW connections send a request's headers a byte a second and never
// finish them; each one the hub closes is opened again at once, so SLOW are held all
// along. Clients come from 127.0.1.x and 127.0.2.x, 100 an address, as many people would.
// Prints "holding N" once N streams are answered, then, SECONDS later: how many streams were still open, how many slow
// clients the hub closed (its header deadline at work).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Conn {
  int fd = -1;
  bool stream = false;
  bool answered = false;  // a stream whose headers came
};

int Open(int port, const std::string& from) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, from.c_str(), &src.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

void Send(int fd, const std::string& s) { (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: hold PORT STREAMS SLOW SECONDS AFTER\n");
    return 2;
  }
  int port = std::atoi(argv[1]), streams = std::atoi(argv[2]), slow = std::atoi(argv[3]);
  auto seconds = std::chrono::seconds(std::atoi(argv[4]));
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  auto address = [](int i, int net) { return "127.0." + std::to_string(net) + "." + std::to_string(1 + i / 100); };
  const std::string stream_request = "GET /api/v1/changes?after=" + std::string(argv[5]) +
                                     " HTTP/1.1\r\nHost: hub\r\nAccept: text/event-stream\r\n\r\n";
  std::vector<Conn> conns;
  for (int i = 0; i < streams; ++i) {
    int fd = Open(port, address(i, 1));
    if (fd < 0) continue;
    Send(fd, stream_request);
    conns.push_back({fd, true});
  }
  auto open_slow = [&](int i) {
    int fd = Open(port, address(i, 2));
    if (fd >= 0) Send(fd, "GET /api/v1/records HTTP/1.1\r\nHost: hub\r\n");
    return Conn{fd, false};
  };
  for (int i = 0; i < slow; ++i) conns.push_back(open_slow(i));

  long slow_closed = 0;
  auto start = std::chrono::steady_clock::now(), last_drip = start;
  bool holding = false;  // announced: every stream answered (or 10 s passed)
  char buf[65536];
  std::vector<pollfd> fds(conns.size());
  while (std::chrono::steady_clock::now() - start < seconds) {
    if (!holding) {
      int answered = 0;
      for (const Conn& c : conns) answered += c.stream && c.answered;
      if (answered == streams || std::chrono::steady_clock::now() - start > std::chrono::seconds(10)) {
        std::printf("holding %d\n", answered);
        std::fflush(stdout);
        holding = true;
        start = std::chrono::steady_clock::now();  // SECONDS from here
      }
    }
    for (size_t i = 0; i < conns.size(); ++i) fds[i] = {conns[i].fd, POLLIN, 0};
    poll(fds.data(), fds.size(), 100);
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.stream && std::string(buf, static_cast<size_t>(n)).find("200 OK") != std::string::npos) c.answered = true;
        continue;
      }
      close(c.fd);
      c.fd = -1;
      if (!c.stream) {  // the hub closed a slow client: an attacker opens another
        ++slow_closed;
        c = open_slow(static_cast<int>(i));
      }
    }
    if (std::chrono::steady_clock::now() - last_drip >= std::chrono::seconds(1)) {
      last_drip = std::chrono::steady_clock::now();
      for (const Conn& c : conns)
        if (!c.stream && c.fd >= 0) Send(c.fd, "X");
    }
  }
  int held = 0, slow_open = 0;
  for (const Conn& c : conns) {
    if (c.stream && c.fd >= 0 && c.answered) ++held;
    if (!c.stream && c.fd >= 0) ++slow_open;
    if (c.fd >= 0) close(c.fd);
  }
  std::printf("held_streams %d\nslow_open %d\nslow_closed_by_hub %ld\n", held, slow_open, slow_closed);
  return 0;
}
