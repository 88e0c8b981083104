// SPDX-License-Identifier: Apache-2.0
//
// A C++ helper over the C ABI in plugin.h, for plugin authors. A plugin derives from
// coophub::Connector, overrides Check/Discover/Read, and names itself once:
//
//   class Hello : public coophub::Connector {
//     void Read(coophub::Run& run) override {
//       run.Record("greetings", {{"id", "1"}, {"kind", "post"}, {"title", "Hello"}});
//       run.State("greetings", {{"seen", 1}});
//     }
//   };
//   COOPHUB_PLUGIN(Hello, "hello", "1.0.0", "Says hello", R"({"type":"object"})")
//
// Everything here is header-only and compiled into the plugin; nothing C++ crosses the
// ABI. Exceptions thrown by a Connector are caught at the boundary: coophub::Failure
// becomes an ERROR message with its text, anything else an ERROR naming the exception.
// One Run is used by one thread: the one the host called the plugin on.
#ifndef COOPHUB_PLUGIN_HPP_
#define COOPHUB_PLUGIN_HPP_

#include <coophub/plugin.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace coophub {

using json = nlohmann::json;

// Thrown by a connector to end the run with an ERROR message a person can act on.
struct Failure : std::runtime_error {
  explicit Failure(const std::string& message, bool retryable = false)
      : std::runtime_error(message), retryable(retryable) {}
  bool retryable;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  int timeout_s = 30;
};

struct HttpResponse {
  int status = 0;  // 0: no response; see error
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string error;
  std::string url;  // final URL after redirects
  // The header's value, or "" when absent. name must be lower-case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The version of a new full pass (docs/plugins.md): now in milliseconds, or one more than
// the previous pass's should the clock have gone back.
inline int64_t NextPassVersion(int64_t previous) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return std::max<int64_t>(now, previous + 1);
}

// Parses the host's "name: value\n" header lines into out (a later line wins).
inline void ParseHeaderLines(std::string_view text, std::map<std::string, std::string>* out) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      (*out)[std::string(line.substr(0, colon))] = std::string(value);
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// What a connector operation is handed: its request and the host's callbacks.
class Run {
 public:
  Run(const coophub_host* host, coophub_run* run, json request)
      : host_(host), run_(run), request_(std::move(request)) {}
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const json& config() const { return Field("config"); }
  // subject's person: {"account": "ana", "identities": [{"kind": "email", "value": ...}]}.
  const json& subject() const { return Field("subject"); }
  // The values subject's person goes by, lower-case: the account name and each identity.
  std::vector<std::string> SubjectNames() const {
    std::vector<std::string> out;
    auto add = [&](const json& v) {
      if (!v.is_string() || v.get_ref<const std::string&>().empty()) return;
      std::string s = v.get<std::string>();
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(std::move(s));
    };
    const json& s = subject();
    if (!s.is_object()) return out;
    if (s.contains("account")) add(s["account"]);
    if (s.contains("identities") && s["identities"].is_array())
      for (const auto& i : s["identities"])
        if (i.is_object() && i.contains("value")) add(i["value"]);
    return out;
  }
  // The stored state of one stream, or null when the stream has none yet.
  json state(const std::string& stream) const {
    const json& s = Field("state");
    return s.is_object() && s.contains(stream) ? s[stream] : json();
  }
  // Whether the run is sandboxed: its source was made through the hub's API by an
  // editor, not written in hub.yaml by the admin. A sandboxed run must read nothing
  // but what the config names, and only through Http(), which the host checks (files
  // under the admin's file roots, public addresses); no paths of its own, no
  // environment variables, no files named by the config outside Http().
  bool Sandboxed() const {
    const json& s = Field("sandbox");
    return s.is_object() && s.value("sandboxed", false);
  }
  // Whether the host asked for this stream (true when it selected none explicitly).
  bool Selected(const std::string& stream) const {
    const json& s = Field("streams");
    if (!s.is_array()) return true;
    for (const auto& n : s)
      if (n.is_string() && n.get<std::string>() == stream) return true;
    return false;
  }

  // Emit one protocol message. False when the host refused it or is cancelling.
  bool Emit(const json& message) {
    std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
    return host_->emit(run_, text.data(), text.size()) == COOPHUB_OK;
  }
  bool Record(const std::string& stream, const json& record) {
    return Emit({{"type", "RECORD"}, {"stream", stream}, {"record", record}});
  }
  // A record sent by a full pass of its stream, numbered `version` (docs/plugins.md).
  bool Record(const std::string& stream, const json& record, int64_t version) {
    return Emit({{"type", "RECORD"}, {"stream", stream}, {"record", record}, {"version", version}});
  }
  // The full pass `version` of the stream is over: what it did not send is deleted.
  bool ActivateVersion(const std::string& stream, int64_t version) {
    return Emit({{"type", "ACTIVATE_VERSION"}, {"stream", stream}, {"version", version}});
  }
  bool State(const std::string& stream, const json& state) {
    return Emit({{"type", "STATE"}, {"stream", stream}, {"state", state}});
  }
  bool Delete(const std::string& stream, const std::string& id) {
    return Emit({{"type", "DELETE"}, {"stream", stream}, {"id", id}});
  }
  bool Stream(const std::string& name, const std::string& kind, json schema = json::object()) {
    return Emit({{"type", "STREAM"}, {"name", name}, {"kind", kind}, {"key", {"id"}}, {"schema", std::move(schema)}});
  }
  // suggest, when given, is config to change to make it work ({"url": "https://…/feed"}):
  // the admin page offers it as one click. choices are values found for fields, which
  // the form offers as it is filled in ({"columns": ["Name", "Date"]}: a CSV's columns,
  // for each field under columns).
  bool Check(bool ok, const std::string& message, json suggest = nullptr, json choices = nullptr) {
    json m = {{"type", "CHECK"}, {"ok", ok}, {"message", message}};
    if (suggest.is_object()) m["suggest"] = std::move(suggest);
    if (choices.is_object()) m["choices"] = std::move(choices);
    return Emit(m);
  }
  void Log(coophub_log_level level, const std::string& message) {
    host_->log(run_, level, message.data(), message.size());
  }
  void Progress(int64_t done, int64_t total = -1) { host_->progress(run_, done, total); }
  bool Cancelled() { return host_->cancelled(run_) != 0; }

  // An HTTP(S) or file:// request made by the host. A transport failure comes back
  // as status 0 with error set, not as an exception.
  HttpResponse Http(const HttpRequest& req) {
    json r = {{"method", req.method},
              {"url", req.url},
              {"headers", req.headers},
              {"body", req.body},
              {"timeout_s", req.timeout_s}};
    std::string text = r.dump();
    coophub_http_response* out = nullptr;
    HttpResponse resp;
    if (host_->http(run_, text.data(), text.size(), &out) != COOPHUB_OK || out == nullptr) {
      resp.error = "the host refused the request for " + req.url;
      return resp;
    }
    resp.status = out->status;
    resp.body.assign(out->body ? out->body : "", out->body_len);
    resp.error.assign(out->error ? out->error : "", out->error_len);
    resp.url.assign(out->url ? out->url : "", out->url_len);
    ParseHeaderLines(std::string_view(out->headers ? out->headers : "", out->headers_len), &resp.headers);
    host_->http_free(run_, out);
    return resp;
  }

 private:
  const json& Field(const char* name) const {
    static const json kNull;
    return request_.is_object() && request_.contains(name) ? request_[name] : kNull;
  }
  const coophub_host* host_;
  coophub_run* run_;
  json request_;
};

// Base class of a C++ connector. Check and Discover have useful defaults.
//
// The optional subject operation (ABI 2): a connector that can say what its tool holds
// about one person declares `void Subject(coophub::Run& run)` (not virtual: the
// descriptor offers subject only when the type has it) and emits run.Record()s for
// run.subject(); nothing it emits is stored, it goes into the member's export.
class Connector {
 public:
  virtual ~Connector() = default;
  // Default: a connector whose Read needs nothing checked says so.
  virtual void Check(Run& run) { run.Check(true, "nothing to check"); }
  virtual void Discover(Run&) {}
  virtual void Read(Run& run) = 0;
};

namespace detail {

enum class Op { kCheck, kDiscover, kRead, kSubject };

template <class T, class = void>
struct HasSubject : std::false_type {};
template <class T>
struct HasSubject<T, std::void_t<decltype(std::declval<T&>().Subject(std::declval<Run&>()))>> : std::true_type {};

inline void EmitError(const coophub_host* host, coophub_run* run, const std::string& message, bool retryable) {
  json e = {{"type", "ERROR"}, {"message", message}, {"retryable", retryable}};
  std::string text = e.dump(-1, ' ', false, json::error_handler_t::replace);
  host->emit(run, text.data(), text.size());
}

template <class T>
int Dispatch(Op op, const coophub_host* host, coophub_run* run, const char* request, size_t len) {
  try {
    json req = json::parse(std::string_view(request, len));
    Run r(host, run, std::move(req));
    T connector;
    switch (op) {
      case Op::kCheck:
        connector.Check(r);
        break;
      case Op::kDiscover:
        connector.Discover(r);
        break;
      case Op::kRead:
        connector.Read(r);
        break;
      case Op::kSubject:
        if constexpr (HasSubject<T>::value) connector.Subject(r);
        break;
    }
    return r.Cancelled() ? COOPHUB_CANCELLED : COOPHUB_OK;
  } catch (const Failure& f) {
    EmitError(host, run, f.what(), f.retryable);
  } catch (const json::exception& e) {
    EmitError(host, run, std::string("bad JSON in the plugin: ") + e.what(), false);
  } catch (const std::bad_alloc&) {
    EmitError(host, run, "out of memory", false);
  } catch (const std::exception& e) {
    EmitError(host, run, std::string("internal error: ") + e.what(), false);
  } catch (...) {
    EmitError(host, run, "internal error: unknown exception", false);
  }
  return COOPHUB_ERROR;
}

}  // namespace detail
}  // namespace coophub

// The oldest host ABI this plugin needs (plugin.h, "Versions"): define it before this
// header when the plugin uses a host callback added after ABI 1.
#ifndef COOPHUB_MIN_HOST_ABI
#define COOPHUB_MIN_HOST_ABI 1u
#endif

// Defines the exported entry point for connector class TYPE.
#define COOPHUB_PLUGIN(TYPE, NAME, VERSION, DESCRIPTION, SPEC_JSON)                                    \
  static int coophub_op_check_(const coophub_host* h, coophub_run* r, const char* q, size_t n) {       \
    return coophub::detail::Dispatch<TYPE>(coophub::detail::Op::kCheck, h, r, q, n);                   \
  }                                                                                                    \
  static int coophub_op_discover_(const coophub_host* h, coophub_run* r, const char* q, size_t n) {    \
    return coophub::detail::Dispatch<TYPE>(coophub::detail::Op::kDiscover, h, r, q, n);                \
  }                                                                                                    \
  static int coophub_op_read_(const coophub_host* h, coophub_run* r, const char* q, size_t n) {        \
    return coophub::detail::Dispatch<TYPE>(coophub::detail::Op::kRead, h, r, q, n);                    \
  }                                                                                                    \
  static int coophub_op_subject_(const coophub_host* h, coophub_run* r, const char* q, size_t n) {     \
    return coophub::detail::Dispatch<TYPE>(coophub::detail::Op::kSubject, h, r, q, n);                 \
  }                                                                                                    \
  extern "C" __attribute__((visibility("default"))) const coophub_plugin* coophub_plugin_entry(void) { \
    static const coophub_plugin kDescriptor = {                                                        \
        sizeof(coophub_plugin),                                                                        \
        COOPHUB_ABI_VERSION,                                                                           \
        COOPHUB_MIN_HOST_ABI,                                                                          \
        NAME,                                                                                          \
        VERSION,                                                                                       \
        DESCRIPTION,                                                                                   \
        SPEC_JSON,                                                                                     \
        coophub_op_check_,                                                                             \
        coophub_op_discover_,                                                                          \
        coophub_op_read_,                                                                              \
        coophub::detail::HasSubject<TYPE>::value ? coophub_op_subject_ : nullptr};                     \
    return &kDescriptor;                                                                               \
  }

#endif  // COOPHUB_PLUGIN_HPP_
