// SPDX-License-Identifier: Apache-2.0
//
// A real SMTP server for tests, on 127.0.0.1 (Debian's python3-aiosmtpd), stopped when
// destroyed; what it accepts is kept in a maildir. Kind::kMailbox is aiosmtpd's own
// Mailbox handler (it adds X-MailFrom and X-RcptTo to each message); Kind::kSink is
// tests/support/smtp_sink.py, which also refuses some recipients as real servers do
// ("busy…": a 451 once; "refuse…": a 550).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace coophub::testing {

class SmtpServer {
 public:
  enum class Kind { kMailbox, kSink };
  // port 0: a free one.
  explicit SmtpServer(const TempDir& dir, Kind kind = Kind::kMailbox, int port = 0)
      : port_(port ? port : FreePort()), maildir_(dir.path() + "/maildir") {
    SpawnOptions o;
    if (kind == Kind::kMailbox)
      o.argv = {
          "/usr/bin/python3",          "-m",    "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
          "aiosmtpd.handlers.Mailbox", maildir_};
    else
      o.argv = {"/usr/bin/python3", std::string(COOPHUB_SOURCE_DIR) + "/tests/support/smtp_sink.py",
                std::to_string(port_), maildir_};
    started_ = proc_.Start(o).ok();
    proc_.CloseStdin();
    // Bounded wait until it takes connections (at most 15 s), polling every 50 ms.
    for (int i = 0; started_ && i < 300 && !ready_; ++i) {
      ready_ = Accepts();
      if (!ready_) poll(nullptr, 0, 50);
    }
  }
  ~SmtpServer() {
    proc_.Signal(SIGTERM);
    int64_t rss;
    proc_.Wait(&rss);
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The messages it received, as it wrote them.
  std::vector<std::string> Received() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(maildir_ + "/new", ec)) {
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      out.push_back(text.str());
    }
    return out;
  }

 private:
  bool Accepts() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
  }

  int port_;
  std::string maildir_;
  bool started_ = false, ready_ = false;
  Subprocess proc_;
};

// A base64 text as its bytes; "(not base64)" when it is not.
inline std::string Unbase64(std::string b64) {
  std::string out(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(), b64.size(), "\r\n", &len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return "(not base64)";
  out.resize(len);
  return out;
}

}  // namespace coophub::testing
