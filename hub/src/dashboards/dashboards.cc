// SPDX-License-Identifier: Apache-2.0
// Dashboard configs: the widget table, the strict parser, JSON and YAML; see dashboards.h.
#include "dashboards/dashboards.h"

#include <algorithm>
#include <set>

#include "model/protocol.h"  // IsSourceId

namespace coophub {
namespace {

// The widget types, in the order the default dashboard shows them.
const std::vector<WidgetType> kWidgetTypes = {
    {"changes", "", 12, Role::kAnonymous},           // what changed since the reader's last visit
    {"agenda", "event", 8, Role::kAnonymous},        // upcoming events, soonest first
    {"news", "post", 6, Role::kAnonymous},           // latest posts
    {"decisions", "decision", 8, Role::kAnonymous},  // open decisions, nearest deadline first
    {"tasks", "task", 8, Role::kAnonymous},
    {"messages", "message", 6, Role::kAnonymous},
    {"money", "transaction", 8, Role::kViewer},    // recent transactions, 30-day totals per currency
    {"metrics", "metric", 200, Role::kAnonymous},  // each metric's latest value and its chart
    {"records", "", 10, Role::kAnonymous},         // any kind (`kind:`), newest first
    {"sources", "", 0, Role::kViewer},             // each source's freshness and last failure
};

const std::set<std::string> kDashboardKeys = {"id", "title", "role", "widgets"};
const std::set<std::string> kWidgetKeys = {"type", "title", "sources", "kind", "q", "limit", "role"};

std::string KeyList(const std::set<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

Status UnknownKeys(const json& j, const std::set<std::string>& known, const std::string& where) {
  for (const auto& [k, v] : j.items())
    if (!known.count(k))
      return Status::Invalid(where + "." + k + ": unknown key \"" + k + "\" (known here: " + KeyList(known) + ")");
  return Status::Ok();
}

Status GetString(const json& j, const char* key, const std::string& where, std::string* out, size_t max = 200) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Status::Invalid(where + "." + key + " must be text");
  if (it->get_ref<const std::string&>().size() > max)
    return Status::Invalid(where + "." + key + " is longer than " + std::to_string(max) + " bytes");
  *out = it->get<std::string>();
  return Status::Ok();
}

// title: one text for every language, or one per language ({en: News, fr: Actualités});
// given so, *title is the English one (else the first).
Status GetTitle(const json& j, const std::string& where, std::string* title,
                std::map<std::string, std::string>* titles) {
  auto it = j.find("title");
  if (it == j.end() || it->is_null() || it->is_string()) return GetString(j, "title", where, title);
  if (!it->is_object() || it->empty())
    return Status::Invalid(where + ".title must be text, or text per language: {en: News, fr: Actualités}");
  for (const auto& [lang, text] : it->items()) {
    bool code = lang.size() >= 2 && lang.size() <= 12 && std::isalpha(static_cast<unsigned char>(lang[0]));
    for (char c : lang) code = code && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
    if (!code)
      return Status::Invalid(where + ".title: \"" + lang.substr(0, 20) + "\" is not a language code (en, fr, pt-BR)");
    if (!text.is_string() || text.get_ref<const std::string&>().size() > 200)
      return Status::Invalid(where + ".title." + lang + " must be text of at most 200 bytes");
    (*titles)[lang] = text.get<std::string>();
  }
  *title = titles->count("en") ? titles->at("en") : titles->begin()->second;
  return Status::Ok();
}

json TitleJson(const std::string& title, const std::map<std::string, std::string>& titles) {
  return titles.empty() ? json(title) : json(titles);
}

Status GetRole(const json& j, const std::string& where, Role* out) {
  std::string name;
  if (auto s = GetString(j, "role", where, &name); !s.ok() || name.empty()) return s;
  if (name == "anonymous") {
    *out = Role::kAnonymous;
    return Status::Ok();
  }
  auto r = ParseRole(name);
  if (!r) return Status::Invalid(where + ".role: \"" + name + "\" is not anonymous, viewer, editor or admin");
  *out = *r;
  return Status::Ok();
}

std::string RoleText(Role r) { return r == Role::kAnonymous ? "anonymous" : RoleName(r); }

Result<WidgetConfig> ParseWidget(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::Invalid(where + " must be a mapping with a type, e.g. {type: agenda}");
  if (auto s = UnknownKeys(j, kWidgetKeys, where); !s.ok()) return s;
  WidgetConfig w;
  if (auto s = GetString(j, "type", where, &w.type); !s.ok()) return s;
  if (!FindWidgetType(w.type)) {
    std::string names;
    for (const auto& t : kWidgetTypes) names += (names.empty() ? "" : ", ") + std::string(t.name);
    return Status::Invalid(where + ".type: \"" + w.type + "\" is not a widget type (known: " + names + ")");
  }
  if (auto s = GetTitle(j, where, &w.title, &w.titles); !s.ok()) return s;
  if (auto s = GetString(j, "q", where, &w.q, 500); !s.ok()) return s;
  if (auto s = GetString(j, "kind", where, &w.kind); !s.ok()) return s;
  if (!w.kind.empty() && std::find(RecordKinds().begin(), RecordKinds().end(), w.kind) == RecordKinds().end())
    return Status::Invalid(where + ".kind: \"" + w.kind + "\" is not a record kind");
  if (!w.kind.empty() && w.type != "records")
    return Status::Invalid(where + ".kind: only a widget of type records picks its kind; " + w.type + " shows " +
                           FindWidgetType(w.type)->kind);
  if (auto it = j.find("sources"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::Invalid(where + ".sources must be a list of source ids");
    for (const auto& s : *it) {
      if (!s.is_string() || !IsSourceId(s.get<std::string>()))
        return Status::Invalid(where + ".sources: " + s.dump() + " is not a source id");
      w.sources.push_back(s.get<std::string>());
    }
  }
  if (auto it = j.find("limit"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 500)
      return Status::Invalid(where + ".limit must be a whole number from 1 to 500");
    w.limit = it->get<int>();
  }
  if (auto s = GetRole(j, where, &w.role); !s.ok()) return s;
  return w;
}

void YamlList(const std::vector<std::string>& v, std::string* out) {
  *out += "[";
  for (size_t i = 0; i < v.size(); ++i) *out += (i ? ", " : "") + v[i];
  *out += "]";
}

}  // namespace

const std::vector<WidgetType>& WidgetTypes() { return kWidgetTypes; }

std::string TitleIn(const std::string& title, const std::map<std::string, std::string>& titles,
                    const std::string& lang) {
  if (auto it = titles.find(lang); it != titles.end()) return it->second;
  if (auto it = titles.find(lang.substr(0, lang.find('-'))); it != titles.end()) return it->second;
  return title;
}

const WidgetType* FindWidgetType(const std::string& name) {
  for (const auto& t : kWidgetTypes)
    if (name == t.name) return &t;
  return nullptr;
}

int WidgetLimit(const WidgetConfig& w) {
  const WidgetType* t = FindWidgetType(w.type);
  return w.limit > 0 ? w.limit : t ? t->default_limit : 10;
}

Role WidgetRole(const WidgetConfig& w) {
  const WidgetType* t = FindWidgetType(w.type);
  return t ? std::max(w.role, t->least_role) : w.role;
}

Result<DashboardConfig> ParseDashboard(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::Invalid(where + " must be a mapping with an id and widgets");
  DashboardConfig d;
  if (auto s = GetString(j, "id", where, &d.id); !s.ok()) return s;
  if (!IsSourceId(d.id))
    return Status::Invalid(where + ".id: every dashboard needs an id of letters, digits, - or _ (e.g. home)");
  if (auto s = UnknownKeys(j, kDashboardKeys, where); !s.ok()) return s;
  if (auto s = GetTitle(j, where, &d.title, &d.titles); !s.ok()) return s;
  if (auto s = GetRole(j, where, &d.role); !s.ok()) return s;
  auto widgets = j.find("widgets");
  if (widgets == j.end() || !widgets->is_array() || widgets->empty())
    return Status::Invalid(where + ".widgets: a dashboard needs a list of widgets, e.g. [{type: agenda}]");
  if (widgets->size() > 40) return Status::Invalid(where + ".widgets: 40 widgets at most");
  for (size_t i = 0; i < widgets->size(); ++i) {
    auto w = ParseWidget((*widgets)[i], where + ".widgets[" + std::to_string(i) + "]");
    if (!w.ok()) return w.status();
    d.widgets.push_back(std::move(*w));
  }
  return d;
}

json ToJson(const DashboardConfig& d) {
  json widgets = json::array();
  for (const auto& w : d.widgets) {
    json o = {{"type", w.type}};
    if (!w.title.empty()) o["title"] = TitleJson(w.title, w.titles);
    if (!w.sources.empty()) o["sources"] = w.sources;
    if (!w.kind.empty()) o["kind"] = w.kind;
    if (!w.q.empty()) o["q"] = w.q;
    if (w.limit) o["limit"] = w.limit;
    if (w.role != Role::kAnonymous) o["role"] = RoleText(w.role);
    widgets.push_back(std::move(o));
  }
  json j = {{"id", d.id}, {"role", RoleText(d.role)}, {"widgets", std::move(widgets)}};
  if (!d.title.empty()) j["title"] = TitleJson(d.title, d.titles);
  return j;
}

std::string ToYaml(const DashboardConfig& d) {
  // Text as JSON strings: valid YAML flow scalars, whatever they hold.
  auto text = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  std::string out = "- id: " + d.id + "\n";
  auto title = [&](const std::string& t, const std::map<std::string, std::string>& by_lang) {
    if (by_lang.empty()) return text(t);
    std::string flow = "{";
    for (const auto& [lang, s] : by_lang) flow += (flow.size() > 1 ? ", " : "") + lang + ": " + text(s);
    return flow + "}";
  };
  if (!d.title.empty()) out += "  title: " + title(d.title, d.titles) + "\n";
  out += "  role: " + RoleText(d.role) + "\n  widgets:\n";
  for (const auto& w : d.widgets) {
    out += "    - type: " + w.type + "\n";
    if (!w.title.empty()) out += "      title: " + title(w.title, w.titles) + "\n";
    if (!w.sources.empty()) {
      out += "      sources: ";
      YamlList(w.sources, &out);
      out += "\n";
    }
    if (!w.kind.empty()) out += "      kind: " + w.kind + "\n";
    if (!w.q.empty()) out += "      q: " + text(w.q) + "\n";
    if (w.limit) out += "      limit: " + std::to_string(w.limit) + "\n";
    if (w.role != Role::kAnonymous) out += "      role: " + RoleText(w.role) + "\n";
  }
  return out;
}

DashboardConfig DefaultDashboard() {
  DashboardConfig d;
  d.id = "home";
  for (const auto& t : kWidgetTypes)
    if (std::string(t.name) != "records") d.widgets.push_back({t.name});
  return d;
}

}  // namespace coophub
