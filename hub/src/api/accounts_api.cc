// SPDX-License-Identifier: Apache-2.0
//
// The accounts endpoints of the API (sign in and out, first-admin setup, tokens, users,
// the audit log) and how a request is authenticated. See api.h and accounts.h.
#include "api/accounts_api.h"
#include "api/handlers.h"
#include "mail/mail.h"

#include <sodium.h>

#include <coophub/encoding.hpp>

#include <spdlog/spdlog.h>

#include "base/timeutil.h"

namespace coophub {
namespace {

constexpr const char* kSessionCookie = "coophub_session";
constexpr int64_t kSessionTtlMs = 14LL * 24 * 3600 * 1000;

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

json TokenJson(const TokenInfo& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"scope", t.scope},
          {"created", FormatRfc3339(t.created_ms / 1000)},
          {"expires", FormatRfc3339(t.expires_ms / 1000)},
          {"last_used", t.last_used_ms ? json(FormatRfc3339(t.last_used_ms / 1000)) : json(nullptr)}};
}

json UserJson(const User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"role", RoleName(u.role)},
          {"created", FormatRfc3339(u.created_ms / 1000)},
          {"email", u.email}};
}

// An address given for a user: "" (none) or one the hub will write to.
std::optional<ApiResponse> BadEmail(const json& v) {
  if (!v.is_string() || (!v.get<std::string>().empty() && !mail::ValidAddress(v.get<std::string>())))
    return Problem(400, "Bad email", "email is a mail address (ana@coop.example), or \"\" for none");
  return std::nullopt;
}

std::string StringField(const json& body, const char* name) {
  return body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : "";
}

// The deepest nesting of [ and { outside strings: checked before parsing, so that no
// body can make the parser (or a later recursive walk) go deep.
int JsonDepth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

// ---------------------------------------------------------------------------- limiter

namespace {
std::string AddressKey(const std::string& address) { return "a:" + address; }
std::string AccountKey(const std::string& address, const std::string& name) { return "n:" + address + " " + name; }
}  // namespace

int64_t LoginLimiter::Wait(const std::string& key, int limit, int64_t now_s) {
  auto failures = accounts_->LoginFailures(key, now_s - kWindowS);
  if (!failures.ok()) {  // the store is away: so is every password check
    spdlog::warn("sign-in limits: {}", failures.status().message());
    return 0;
  }
  auto [count, oldest] = *failures;
  return count < limit ? 0 : oldest + kWindowS - now_s;
}

int64_t LoginLimiter::WaitS(const std::string& address, const std::string& name, int64_t now_s) {
  if (!accounts_) return 0;
  return std::max(Wait(AddressKey(address), kPerAddress, now_s), Wait(AccountKey(address, name), kPerAccount, now_s));
}

void LoginLimiter::Failed(const std::string& address, const std::string& name, int64_t now_s) {
  if (!accounts_) return;
  if (Status s = accounts_->AddLoginFailure({AddressKey(address), AccountKey(address, name)}, now_s, now_s - kWindowS);
      !s.ok())
    spdlog::warn("sign-in limits: {}", s.message());
}

void LoginLimiter::Succeeded(const std::string& address, const std::string& name) {
  if (accounts_) (void)accounts_->ClearLoginFailures(AccountKey(address, name));
}

std::string CookieValue(const ApiRequest& req, const std::string& name) {
  auto it = req.headers.find("cookie");
  if (it == req.headers.end()) return "";
  const std::string& h = it->second;
  size_t pos = 0;
  while (pos < h.size()) {
    while (pos < h.size() && (h[pos] == ' ' || h[pos] == ';')) ++pos;
    size_t end = h.find(';', pos);
    std::string pair = h.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

bool IsFormBody(const ApiRequest& req) {
  auto ct = req.headers.find("content-type");
  return ct != req.headers.end() && ct->second.rfind("application/x-www-form-urlencoded", 0) == 0;
}

std::map<std::string, std::string> ReadFormBody(const ApiRequest& req) {
  std::map<std::string, std::string> out;
  if (!IsFormBody(req)) return out;
  std::string_view body = req.body;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
    size_t eq = pair.find('=');
    out.emplace(PercentDecode(pair.substr(0, eq), true),
                eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
  }
  return out;
}

std::string NewLoginCsrf() {
  unsigned char raw[18];
  randombytes_buf(raw, sizeof raw);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw), /*url_safe=*/true);
}

std::optional<int64_t> PositiveId(const std::string& text) {
  char* end = nullptr;
  long long id = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || text.size() > 18 || *end != '\0' || id <= 0) return std::nullopt;
  return id;
}

Result<json> ReadJsonBody(const ApiRequest& req) {
  auto ct = req.headers.find("content-type");
  if (ct == req.headers.end() || ct->second.rfind("application/json", 0) != 0)
    return Status::Invalid("send the body as JSON with Content-Type: application/json");
  if (JsonDepth(req.body) > 32) return Status::Invalid("the JSON body is nested more than 32 levels deep");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return Status::Invalid("the body is not valid JSON");
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object");
  return body;
}

// ---------------------------------------------------------------------------- Api

namespace {

// The token's holder, refused where a calendar link (feeds_only) does not open.
Result<Principal> TokenPrincipalFor(const Services& hub, const ApiRequest& req, const std::string& token) {
  auto p = hub.accounts->TokenPrincipal(token);
  if (!p.ok()) return Status::Invalid("the API token is unknown, revoked or expired; create one under /api/v1/tokens");
  if (p->feeds_only && req.path.rfind("/feeds/", 0) != 0)
    return Status::Invalid(
        "this token is a calendar link: it opens /feeds/ only; make an API token under /api/v1/tokens");
  return p;
}

}  // namespace

Result<Principal> Authenticate(const Services& hub, const ApiRequest& req) {
  if (!hub.accounts) return Principal{};
  if (auto auth = req.headers.find("authorization"); auth != req.headers.end()) {
    const std::string& v = auth->second;
    std::string token;
    if (v.rfind("Bearer ", 0) == 0) {
      token = v.substr(7);
    } else if (v.rfind("Basic ", 0) == 0) {
      // Calendar apps and feed readers know basic auth: any name, the token as password.
      std::string pair = Base64Decode(v.substr(6)).value_or("");
      token = pair.substr(pair.find(':') == std::string::npos ? pair.size() : pair.find(':') + 1);
    } else {
      return Status::Invalid("the Authorization header must be \"Bearer <token>\" with a token from /api/v1/tokens");
    }
    return TokenPrincipalFor(hub, req, token);
  }
  // A calendar app cannot send headers: a calendar link holds its token in the URL,
  // which only /feeds/ reads.
  if (req.path.rfind("/feeds/", 0) == 0)
    if (auto t = req.query.find("token"); t != req.query.end()) return TokenPrincipalFor(hub, req, t->second);
  if (std::string s = CookieValue(req, kSessionCookie); !s.empty())
    if (auto p = hub.accounts->SessionPrincipal(s); p.ok()) return p;
  return Principal{};
}

void Api::SetSetupCode(std::string code) {
  MutexLock lock(hub_.setup_mu);
  hub_.setup_code = std::move(code);
}

void Audit(const Services& hub, const Principal& who, const std::string& action, const std::string& target,
           const std::string& detail) {
  if (!hub.accounts) return;
  if (auto s = hub.accounts->Audit(who.name.empty() ? "anonymous" : who.name, action, target, detail); !s.ok())
    spdlog::error("audit log: {}", s.message());
}

ApiResponse SessionResponse(const Services& hub, const ApiRequest& req, const User& user) {
  auto session = hub.accounts->CreateSession(user.id, kSessionTtlMs);
  if (!session.ok()) return FromStatus(session.status());
  ApiResponse r = Json(200, {{"name", user.name}, {"role", RoleName(user.role)}, {"csrf", session->csrf}});
  r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + session->secret +
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                           std::to_string(kSessionTtlMs / 1000) + (req.secure ? "; Secure" : ""));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::variant<User, ApiResponse> SignIn(const Services& hub, const ApiRequest& req, const std::string& name,
                                       const std::string& password, const std::string& action) {
  int64_t now = NowUnix();
  if (int64_t wait = hub.limiter->WaitS(req.remote_addr, name, now); wait > 0) {
    ApiResponse r = Problem(
        429, "Too many attempts",
        "too many failed sign-ins; try again in " + std::to_string(wait) + " s, or ask an admin to reset the password");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  auto user = hub.accounts->CheckPassword(name, password);
  if (!user.ok()) {
    hub.limiter->Failed(req.remote_addr, name, now);
    Audit(hub, Principal{0, name.substr(0, 64), Role::kAnonymous, "", ""}, action + ".failed", req.remote_addr);
    return Problem(401, "Sign in failed", "wrong name or password");
  }
  hub.limiter->Succeeded(req.remote_addr, name);
  Audit(hub, Principal{user->id, user->name, user->role, "", ""}, action, req.remote_addr);
  return *user;
}

ApiResponse Login(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  std::string name = StringField(*body, "name"), password = StringField(*body, "password");
  if (name.empty() || password.empty()) return Problem(400, "Bad request", "send {\"name\": …, \"password\": …}");
  auto signed_in = SignIn(hub, req, name, password);
  if (auto* refused = std::get_if<ApiResponse>(&signed_in)) return *refused;
  return SessionResponse(hub, req, std::get<User>(signed_in));
}

// The sign-in form posted without JavaScript: name, password, next and the page's CSRF
// token (its cookie must match). Signed in: 303 to next. Refused: the page again, with
// why in the reader's language.
ApiResponse LoginForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto form = ReadFormBody(req);
  std::string next = form["next"];
  if (!IsLocalPath(next)) next = "/";
  std::string cookie = CookieValue(req, kLoginCsrfCookie);
  auto again = [&](int status, const char* why, std::string n = "") {
    ApiResponse page = LoginPageFor(hub, req, who, next, why, std::move(n));
    page.status = status;
    return page;
  };
  if (cookie.empty() || !SameSecret(cookie, form["csrf"])) return again(403, "login.expired");
  if (form["name"].empty() || form["password"].empty()) return again(400, "login.failed");
  auto signed_in = SignIn(hub, req, form["name"], form["password"]);
  if (auto* refused = std::get_if<ApiResponse>(&signed_in)) {
    if (refused->status != 429) return again(refused->status, "login.failed");
    std::string wait;
    for (const auto& [k, v] : refused->headers)
      if (k == "Retry-After") wait = v;
    ApiResponse page = again(429, "login.wait", wait);
    page.headers.emplace_back("Retry-After", wait);
    return page;
  }
  ApiResponse r = SessionResponse(hub, req, std::get<User>(signed_in));
  r.status = 303;
  r.body.clear();
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", next);
  r.headers.emplace_back("Set-Cookie",
                         std::string(kLoginCsrfCookie) + "=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

// Sign-out from the header's form, without JavaScript: back to the public page.
ApiResponse LogoutForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  ApiResponse r = Logout(hub, req, who, p);
  r.status = 303;
  r.headers.emplace_back("Location", "/");
  return r;
}

ApiResponse Logout(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (std::string s = CookieValue(req, kSessionCookie); !s.empty()) hub.accounts->EndSession(s);
  Audit(hub, who, "logout", who.name);
  ApiResponse r{204, "application/json", ""};
  r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

ApiResponse Me(const Services&, const ApiRequest&, const Principal& who, const Params&) {
  json j = {{"name", who.name}, {"role", RoleName(who.role)}, {"via", who.via}, {"lang", who.lang}};
  if (who.via == "session") j["csrf"] = who.csrf;
  return Json(200, j);
}

std::variant<User, ApiResponse> ChangeOwnPassword(const Services& hub, const ApiRequest& req, const Principal& who,
                                                  const std::string& current, const std::string& fresh) {
  if (who.via != "session")
    return Problem(403, "Sign in to change it",
                   "a password is changed signed in on the page, with the current one; a token cannot change it");
  if (fresh.size() < 10) return Problem(400, "Password too short", "a password needs at least 10 characters");
  auto checked = SignIn(hub, req, who.name, current, "password.change");
  if (auto* refused = std::get_if<ApiResponse>(&checked)) {
    if (refused->status == 401) return Problem(401, "Wrong password", "the current password is not right");
    return *refused;
  }
  // A new password ends every session of the user, this one too: the caller hands out a
  // new one, so the device in hand stays signed in and the others are signed out.
  auto user = hub.accounts->UpdateUser(who.user_id, std::nullopt, fresh);
  if (!user.ok()) return FromStatus(user.status());
  return *user;
}

// {"lang": "fr"}: the pages' language for this user on every device ("" forgets it).
// {"current_password": …, "password": …}: a new password (a session only); it ends the
// user's other sessions and answers with a new session cookie and CSRF token.
ApiResponse UpdateMe(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  auto lang = body->find("lang");
  bool password = body->contains("password");
  if ((lang == body->end() && !password) || (lang != body->end() && !lang->is_string()))
    return Problem(400, "Bad request",
                   "send {\"lang\": \"fr\"}, one of the page's languages or \"\" to forget it, and/or "
                   "{\"current_password\": …, \"password\": …} for a new password");
  Principal now = who;
  if (lang != body->end()) {
    std::string code = lang->get<std::string>();
    bool known = code.empty();
    for (const auto& [c, name] : hub.catalogs.Languages()) known = known || c == code;
    if (!known)
      return Problem(400, "Unknown language", "\"" + code.substr(0, 16) + "\" is not one of the page's languages");
    if (auto s = hub.accounts->SetLanguage(who.user_id, code); !s.ok()) return FromStatus(s);
    now.lang = code;
  }
  if (!password) return Me(hub, req, now, p);
  auto changed =
      ChangeOwnPassword(hub, req, who, StringField(*body, "current_password"), StringField(*body, "password"));
  if (auto* refused = std::get_if<ApiResponse>(&changed)) return *refused;
  ApiResponse r = SessionResponse(hub, req, std::get<User>(changed));
  if (r.status != 200) return r;
  json j = json::parse(r.body);
  j["via"] = "session";
  j["lang"] = now.lang;
  r.body = j.dump();
  return r;
}

ApiResponse Setup(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  auto count = hub.accounts->CountUsers();
  if (!count.ok()) return FromStatus(count.status());
  MutexLock lock(hub.setup_mu);
  if (*count > 0 || hub.setup_code.empty())
    return Problem(409, "Setup is done", "this hub has accounts already: sign in, or ask an admin for one");
  int64_t now = NowUnix();
  if (int64_t wait = hub.limiter->WaitS(req.remote_addr, "(setup)", now); wait > 0)
    return Problem(429, "Too many attempts", "try again in " + std::to_string(wait) + " s");
  if (!SameSecret(StringField(*body, "code"), hub.setup_code)) {
    hub.limiter->Failed(req.remote_addr, "(setup)", now);
    return Problem(403, "Wrong setup code", "use the setup link the hub printed when it started");
  }
  auto user = hub.accounts->AddUser(StringField(*body, "name"), StringField(*body, "password"), Role::kAdmin);
  if (!user.ok()) return FromStatus(user.status());
  hub.setup_code.clear();
  Audit(hub, Principal{user->id, user->name, Role::kAdmin, "", ""}, "setup", user->name, "first admin");
  return SessionResponse(hub, req, *user);
}

// The page of the setup link (/setup#code=…): a form that posts to /api/v1/setup. Once
// the hub has accounts, it sends people to sign in instead.
ApiResponse SetupPage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  auto count = hub.accounts ? hub.accounts->CountUsers() : Result<int64_t>(int64_t{1});
  if (!count.ok()) return FromStatus(count.status());
  if (*count > 0) {
    ApiResponse r{303, "text/plain; charset=utf-8", "Setup is done: sign in.\n"};
    r.headers.emplace_back("Location", "/");
    return r;
  }
  return Static(hub, req, who, {"setup.html"});
}

ApiResponse ListTokens(const Services& hub, const ApiRequest&, const Principal& who, const Params&) {
  auto tokens = hub.accounts->ListTokens(who.user_id);
  if (!tokens.ok()) return FromStatus(tokens.status());
  json items = json::array();
  for (const auto& t : *tokens) items.push_back(TokenJson(t));
  return Json(200, {{"items", items}});
}

// A read-only token reads; it never makes or revokes tokens (its own user's admin
// tokens included). A signed-in viewer's session may.
static std::optional<ApiResponse> ReadTokenRefused(const Principal& who) {
  if (who.via == "token" && who.role < Role::kEditor && who.role != Role::kAnonymous)
    return Problem(403, "Read-only token", "a read token cannot make or revoke tokens; sign in, or use a write token");
  return std::nullopt;
}

ApiResponse CreateToken(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto no = ReadTokenRefused(who)) return *no;
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  for (const auto& [key, v] : body->items())
    if (key != "name" && key != "scope" && key != "expires_days")
      return Problem(400, "Unknown field",
                     "\"" + key.substr(0, 40) + "\" is not a field of a token; it takes name, scope and expires_days");
  for (const char* f : {"name", "scope"})
    if (body->contains(f) && !(*body)[f].is_string())
      return Problem(400, std::string("Bad ") + f, std::string(f) + " must be a string");
  std::string scope_name = body->contains("scope") ? StringField(*body, "scope") : "read";
  bool calendar = scope_name == kCalendarScope;  // a calendar link (/feeds/ only)
  auto scope = calendar ? std::optional(Role::kViewer) : ParseScope(scope_name);
  if (!scope)
    return Problem(400, "Bad scope",
                   "scope is read, write, admin or calendar, not \"" + scope_name.substr(0, 20) + "\"");
  if (*scope > who.role)
    return Problem(
        403, "Scope too wide",
        "a " + scope_name + " token needs the " + RoleName(*scope) + " role; you act as " + RoleName(who.role));
  int64_t days = calendar ? 365 : 90;
  if (body->contains("expires_days")) {
    if (!(*body)["expires_days"].is_number_integer() || (*body)["expires_days"] < 1 || (*body)["expires_days"] > 365)
      return Problem(400, "Bad expiry", "expires_days is a whole number from 1 to 365");
    days = (*body)["expires_days"].get<int64_t>();
  }
  int64_t ttl_ms = days * 24 * 3600 * 1000;
  // A token never outlives the token that made it: it could otherwise renew itself forever.
  if (who.via == "token" && who.expires_ms > 0) {
    int64_t left = who.expires_ms - NowMs();
    if (left <= 0) return Problem(401, "Unauthorized", "the token has expired");
    if (body->contains("expires_days") && ttl_ms > left)
      return Problem(400, "Outlives its maker",
                     "this token expires in " + std::to_string(left / (24 * 3600 * 1000)) +
                         " days; a token it makes cannot last longer");
    ttl_ms = std::min(ttl_ms, left);
  }
  auto t = calendar ? hub.accounts->CreateCalendarLink(who.user_id, StringField(*body, "name"), ttl_ms)
                    : hub.accounts->CreateToken(who.user_id, StringField(*body, "name"), *scope, ttl_ms);
  if (!t.ok()) return FromStatus(t.status());
  Audit(hub, who, "token.create", t->token.name, "scope " + t->token.scope);
  json j = TokenJson(t->token);
  j["token"] = t->secret;
  j["note"] = "this is the only time the token is shown: keep it now";
  return Json(201, j);
}

ApiResponse RevokeToken(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  if (auto no = ReadTokenRefused(who)) return *no;
  char* end = nullptr;
  long long id = std::strtoll(p[0].c_str(), &end, 10);
  if (*end != '\0' || id <= 0) return Problem(400, "Bad token id", "a token id is a positive number");
  if (auto s = hub.accounts->RevokeToken(who.user_id, id); !s.ok()) return FromStatus(s);
  Audit(hub, who, "token.revoke", p[0]);
  return {204, "application/json", ""};
}

ApiResponse ListUsers(const Services& hub, const ApiRequest&, const Principal&, const Params&) {
  auto users = hub.accounts->ListUsers();
  if (!users.ok()) return FromStatus(users.status());
  json items = json::array();
  for (const auto& u : *users) items.push_back(UserJson(u));
  return Json(200, {{"items", items}});
}

ApiResponse CreateUser(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  std::string role_name = body->contains("role") ? StringField(*body, "role") : "viewer";
  auto role = ParseRole(role_name);
  if (!role)
    return Problem(400, "Bad role", "role is viewer, editor or admin, not \"" + role_name.substr(0, 20) + "\"");
  if (body->contains("email"))
    if (auto bad = BadEmail((*body)["email"])) return *bad;
  auto u = hub.accounts->AddUser(StringField(*body, "name"), StringField(*body, "password"), *role);
  if (!u.ok()) return FromStatus(u.status());
  if (std::string email = StringField(*body, "email"); !email.empty()) {
    if (Status s = hub.accounts->SetEmail(u->id, email); !s.ok()) return FromStatus(s);
    u->email = email;
  }
  Audit(hub, who, "user.create", u->name, "role " + role_name);
  return Json(201, UserJson(*u));
}

namespace {}  // namespace

// {"role"?, "password"?}: a new password ends the user's sessions; role changes take
// effect at once, on sessions and tokens alike.
ApiResponse UpdateUser(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  auto id = PositiveId(p[0]);
  if (!id) return Problem(400, "Bad user id", "a user id is a positive number (GET /api/v1/users lists them)");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  std::optional<Role> role;
  std::optional<std::string> password, email;
  std::string detail;
  for (const auto& [key, v] : body->items()) {
    if (key == "role") {
      role = v.is_string() ? ParseRole(v.get<std::string>()) : std::nullopt;
      if (!role) return Problem(400, "Bad role", "role is viewer, editor or admin");
      detail += "role " + v.get<std::string>() + " ";
    } else if (key == "password") {
      if (!v.is_string()) return Problem(400, "Bad password", "password is a string of at least 10 characters");
      password = v.get<std::string>();
      detail += "password ";
    } else if (key == "email") {
      if (auto bad = BadEmail(v)) return *bad;
      email = v.get<std::string>();
      detail += "email ";
    } else {
      return Problem(400, "Field cannot change",
                     "\"" + key.substr(0, 40) + "\" cannot be changed; role, password and email can");
    }
  }
  if (!role && !password && !email) return Problem(400, "Nothing to change", "send role, password or email");
  if (email)
    if (Status s = hub.accounts->SetEmail(*id, *email); !s.ok()) return FromStatus(s);
  auto u = hub.accounts->UpdateUser(*id, role, password);  // with neither: the user as they are now
  if (!u.ok()) return FromStatus(u.status());
  detail.pop_back();
  Audit(hub, who, "user.update", u->name, detail);
  return Json(200, UserJson(*u));
}

ApiResponse DeleteUser(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  auto id = PositiveId(p[0]);
  if (!id) return Problem(400, "Bad user id", "a user id is a positive number (GET /api/v1/users lists them)");
  auto gone = hub.accounts->DeleteUser(*id);
  if (!gone.ok()) return FromStatus(gone.status());
  Audit(hub, who, "user.delete", gone->name);
  return {204, "application/json", ""};
}

ApiResponse AuditLog(const Services& hub, const ApiRequest&, const Principal&, const Params&) {
  auto log = hub.accounts->AuditLog(200);
  if (!log.ok()) return FromStatus(log.status());
  return Json(200, {{"items", *log}});
}

}  // namespace coophub
