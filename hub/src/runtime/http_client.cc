// SPDX-License-Identifier: Apache-2.0
//
// libcurl behind HttpFetch; see http_client.h. libcurl is loaded with dlopen on first
// use: only worker processes make requests, and the hub process should not carry
// libcurl's TLS, Kerberos and LDAP libraries (about 4 MB of resident memory) for nothing.
#include "runtime/http_client.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>

namespace coophub {
namespace {

// The libcurl functions this file uses, resolved once.
struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  std::string error;  // why libcurl could not be loaded
};

template <class F>
bool Resolve(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

const Curl& Lib() {
  static Curl c = [] {
    Curl c{};
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      c.error = std::string("cannot load libcurl.so.4 (") + dlerror() + "): install the libcurl4 package";
      return c;
    }
    bool ok =
        Resolve(lib, "curl_global_init", &c.global_init) && Resolve(lib, "curl_easy_init", &c.easy_init) &&
        Resolve(lib, "curl_easy_setopt", &c.easy_setopt) && Resolve(lib, "curl_easy_perform", &c.easy_perform) &&
        Resolve(lib, "curl_easy_getinfo", &c.easy_getinfo) && Resolve(lib, "curl_easy_cleanup", &c.easy_cleanup) &&
        Resolve(lib, "curl_easy_strerror", &c.easy_strerror) && Resolve(lib, "curl_slist_append", &c.slist_append) &&
        Resolve(lib, "curl_slist_free_all", &c.slist_free_all);
    if (!ok)
      c.error = "libcurl.so.4 lacks a needed function: install libcurl4 7.85 or newer";
    else
      c.global_init(CURL_GLOBAL_DEFAULT);
    return c;
  }();
  return c;
}

struct Sink {
  HttpFetchResponse* resp;
  int64_t max;
  bool too_big = false;
};

// The host of a URL, without user, port or IPv6 brackets: what allow_hosts names.
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[') return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

// Every connection a sandboxed request opens, redirects included, is checked here on
// the address it is about to use: after name resolution, so no resolver answer given
// earlier to a check counts.
struct SocketGuard {
  const OutboundPolicy* policy;
  CURL* curl;
  bool refused = false;
};

curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* g = static_cast<SocketGuard*>(user);
  char* url = nullptr;
  Lib().easy_getinfo(g->curl, CURLINFO_EFFECTIVE_URL, &url);  // the URL being connected for
  if (!MayConnect(*g->policy, HostOf(url ? url : ""), &address->addr)) {
    g->refused = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

// Names resolved as a file says, read on every request: COOPHUB_RESOLVE_FILE names a
// file of "host:port:address" lines (curl's --resolve). It is /etc/hosts for one process,
// so that tests can give a name an answer that changes between two requests; the
// policy above still checks the address it gives.
curl_slist* ResolveOverrides() {
  const char* file = std::getenv("COOPHUB_RESOLVE_FILE");
  if (!file || !*file) return nullptr;
  std::ifstream f(file);
  curl_slist* list = nullptr;
  for (std::string line; std::getline(f, line);)
    if (!line.empty() && line[0] != '#') list = Lib().slist_append(list, line.c_str());
  return list;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (static_cast<int64_t>(s->resp->body.size() + len) > s->max) {
    s->too_big = true;
    return 0;
  }
  s->resp->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    s->resp->headers.clear();  // a new response (after a redirect or 100-continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  for (size_t i = 0; i < colon; ++i) line[i] = static_cast<char>(tolower(static_cast<unsigned char>(line[i])));
  s->resp->headers += line + "\n";
  return size * n;
}

std::string Explain(CURLcode code, const std::string& url, const char* detail) {
  std::string msg = std::string(detail && *detail ? detail : Lib().easy_strerror(code));
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return msg + ": check the host name in " + url;
    case CURLE_COULDNT_CONNECT:
      return msg + ": nothing answers at " + url + "; is the server up and the port right?";
    case CURLE_OPERATION_TIMEDOUT:
      return msg + ": " + url + " did not answer in time";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
      return "TLS failure talking to " + url + ": " + msg +
             " (an expired or self-signed certificate, or the wrong host name)";
    case CURLE_FILE_COULDNT_READ_FILE:
      return "cannot read " + url + ": the file does not exist or is not readable";
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "unsupported URL " + url + ": use http://, https:// or file://";
    default:
      return msg + " (" + url + ")";
  }
}

}  // namespace

void HttpGlobalInit() { Lib(); }

HttpFetchResponse HttpFetch(const HttpFetchRequest& req) {
  HttpFetchResponse resp;
  const Curl& lib = Lib();
  if (!lib.error.empty()) {
    resp.error = lib.error;
    return resp;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(lib.easy_init(), lib.easy_cleanup);
  if (!curl) {
    resp.error = "libcurl could not be initialised";
    return resp;
  }
  CURL* c = curl.get();
  bool sandboxed = req.policy && req.policy->sandboxed;
  SocketGuard guard{req.policy, c};
  if (sandboxed) {
    if (std::string path = FileUrlPath(req.url); !path.empty()) {
      if (Status s = MayReadFile(*req.policy, path); !s.ok()) {
        resp.error = s.message();
        resp.url = req.url;
        return resp;
      }
    }
    lib.easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
    lib.easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
    lib.easy_setopt(c, CURLOPT_PROXY, "");  // a proxy would reach for us what we may not
  }
  Sink sink{&resp, req.max_body_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};
  lib.easy_setopt(c, CURLOPT_URL, req.url.c_str());
  lib.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  lib.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  lib.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(req.timeout_ms, 10000)));
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  lib.easy_setopt(c, CURLOPT_USERAGENT, "coophub/0.1 (+https://coophub.example/bot)");
  lib.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  lib.easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  lib.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  lib.easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  lib.easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (req.method != "GET") lib.easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  // A POST, PUT or PATCH always says how long its body is, even when it is empty:
  // servers may otherwise wait for a body until the connection closes.
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    lib.easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    lib.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) headers = lib.slist_append(headers, (k + ": " + v).c_str());
  lib.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_slist* resolve = ResolveOverrides();
  if (resolve) lib.easy_setopt(c, CURLOPT_RESOLVE, resolve);
  CURLcode rc = lib.easy_perform(c);
  lib.slist_free_all(headers);
  lib.slist_free_all(resolve);
  char* final_url = nullptr;
  lib.easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &final_url);
  resp.url = final_url ? final_url : req.url;
  if (rc == CURLE_TOO_MANY_REDIRECTS) {  // an answer, not a failure to reach: not transient
    long code = 0;
    lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    resp.status = static_cast<int>(code);
    resp.error = req.url + " redirects in a loop (still redirecting after 5 redirects, at " + resp.url + ")";
    resp.body.clear();
    return resp;
  }
  if (rc != CURLE_OK) {
    // A refused address and one where nothing answers read the same: neither tells
    // an editor what runs on the hub's network.
    bool unreachable = sandboxed && (guard.refused || rc == CURLE_COULDNT_CONNECT);
    resp.error = sink.too_big ? "the response from " + req.url + " is larger than " +
                                    std::to_string(req.max_body_bytes >> 20) + " MiB"
                 : unreachable ? UnreachableMessage(resp.url)
                               : Explain(rc, req.url, errbuf);
    resp.body.clear();
    return resp;
  }
  long code = 0;
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  resp.status = code == 0 ? 200 : static_cast<int>(code);  // file:// has no status
  return resp;
}

}  // namespace coophub

namespace coophub {
namespace {

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data->size() - u->at);
  std::memcpy(buffer, u->data->data() + u->at, len);
  u->at += len;
  return len;
}

// The URL without any user:password it may carry: what messages may show.
std::string Shown(const std::string& url) {
  size_t scheme = url.find("://"), at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

}  // namespace

SmtpSendResult SmtpSend(const SmtpSendRequest& req) {
  SmtpSendResult out;
  const Curl& lib = Lib();
  if (!lib.error.empty()) {
    out.error = lib.error;
    return out;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(lib.easy_init(), lib.easy_cleanup);
  if (!curl) {
    out.error = "libcurl could not be initialised";
    return out;
  }
  CURL* c = curl.get();
  std::string url = Shown(req.url);
  char errbuf[CURL_ERROR_SIZE] = {0};
  Upload upload{&req.message};
  lib.easy_setopt(c, CURLOPT_URL, req.url.c_str());
  lib.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (req.url.rfind("smtp://", 0) == 0)
    lib.easy_setopt(c, CURLOPT_USE_SSL,
                    req.starttls == SmtpSendRequest::Tls::kRequired    ? static_cast<long>(CURLUSESSL_ALL)
                    : req.starttls == SmtpSendRequest::Tls::kIfOffered ? static_cast<long>(CURLUSESSL_TRY)
                                                                       : static_cast<long>(CURLUSESSL_NONE));
  if (!req.username.empty()) {
    lib.easy_setopt(c, CURLOPT_USERNAME, req.username.c_str());
    lib.easy_setopt(c, CURLOPT_PASSWORD, req.password.c_str());
  }
  lib.easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + req.from + ">").c_str());
  curl_slist* rcpt = nullptr;
  for (const auto& to : req.to) rcpt = lib.slist_append(rcpt, ("<" + to + ">").c_str());
  lib.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  lib.easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
  lib.easy_setopt(c, CURLOPT_READDATA, &upload);
  lib.easy_setopt(c, CURLOPT_UPLOAD, 1L);
  lib.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.message.size()));
  lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(req.timeout_ms, 10000)));
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = lib.easy_perform(c);
  lib.slist_free_all(rcpt);
  long code = 0;
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  out.code = static_cast<int>(code);
  if (rc == CURLE_OK) {
    out.sent = true;
    return out;
  }
  std::string detail = errbuf[0] ? errbuf : lib.easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
      out.retry = true;
      out.error = Explain(rc, url, errbuf);
      break;
    case CURLE_LOGIN_DENIED:
      out.error = "the mail server at " + url + " refused the user name or password (" + detail + ")";
      break;
    case CURLE_USE_SSL_FAILED:
      out.error = "the mail server at " + url +
                  " does not offer STARTTLS: use smtps:// if it takes TLS from the start, or mail.starttls: "
                  "optional for a server on this machine";
      break;
    default:
      out.retry = code >= 400 && code < 500;
      out.error = "the mail server at " + url + " did not take the message" +
                  (code ? " (reply " + std::to_string(code) + ")" : "") + ": " + detail;
  }
  return out;
}

}  // namespace coophub
