// SPDX-License-Identifier: Apache-2.0
//
// The csv connector: one CSV file (a spreadsheet export, a member list, a bank
// statement) as the stream "rows", one record per data row, mapped by config.columns.
// A bad row (wrong field count, malformed quoting, a value that does not fit its field)
// fails the run with its line number, or is skipped with a warning (on_bad_row: skip).
// subject (a member's export): the rows with a cell that names the person.
#include <coophub/fetch.hpp>
#include <coophub/plugin.hpp>

#include <algorithm>
#include <cctype>

#include "row_map.h"
#include "csv_table.h"

namespace {

using coophub::csv::Row;

const std::string& Spec() {
  static const std::string spec = std::string(R"json({
  "type": "object",
  "title": "CSV file",
  "required": ["url"],
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "minLength": 1, "description": "https://, http://, file:// or a path relative to hub.yaml"},
    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1, "default": ","},
    "quote": {"type": "string", "minLength": 1, "maxLength": 1, "default": "\""},
    "encoding": {"type": "string", "default": "UTF-8", "description": "e.g. UTF-8, latin1, windows-1252"},
    "header": {"type": "boolean", "default": true, "description": "the first row names the columns"},
    "lenient_quotes": {"type": "boolean", "default": false,
                       "description": "take a quote inside an unquoted field (5'11\") as written, as spreadsheets do, rather than as a bad row"},
    "on_bad_row": {"type": "string", "enum": ["fail", "skip"], "default": "fail",
                   "description": "fail the run at a bad row, or skip it with a warning in the run log"},
    "auth_header": {"type": "string", "secret": true},)json") +
                                  coophub::rows::MappingSchemaProperties() + "}}";
  return spec;
}
constexpr const char* kStream = "rows";

class Csv : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    Table t = Load(run, coophub::json());
    // The columns, for the form's columns.* fields to offer.
    run.Check(true, "read " + t.url + ": " + std::to_string(t.header.size()) + " columns (" + Preview(t.header) + ")",
              nullptr, {{"columns", t.header}});
  }

  void Discover(coophub::Run& run) override { run.Stream(kStream, run.config().value("kind", "other")); }

  void Read(coophub::Run& run) override {
    const coophub::json& cfg = run.config();
    coophub::rows::Mapping mapping = coophub::rows::MappingFromConfig(cfg);
    bool skip_bad = cfg.value("on_bad_row", "fail") == "skip";
    coophub::Fetched f = coophub::FetchDocument(run, run.state(kStream), "text/csv, */*;q=0.5");
    if (f.not_modified) {
      run.Log(COOPHUB_LOG_INFO, "not modified since the last fetch: " + f.url);
      run.State(kStream, f.validators);
      return;
    }
    std::string text = Decode(cfg, f);
    // Each read is the whole file: a full pass, after which rows gone from it are deleted.
    coophub::json before = run.state(kStream);
    int64_t version = coophub::NextPassVersion(before.is_object() ? before.value("version", int64_t{0}) : 0);
    bool has_header = cfg.value("header", true);
    std::vector<std::string> header;
    int64_t rows = 0, emitted = 0, skipped = 0;
    auto refuse = [&](int64_t line, const std::string& why) {
      std::string msg = f.url + " line " + std::to_string(line) + ": " + why;
      if (!skip_bad) throw coophub::Failure(msg + " (set on_bad_row: skip to skip such rows)");
      ++skipped;
      run.Log(COOPHUB_LOG_WARN, "skipped " + msg);
    };
    auto err = coophub::csv::ReadRows(
        text, Options(cfg),
        [&](Row&& row) {
          if (TakeHeader(row, has_header, &header)) return true;
          if (row.fields.size() != header.size()) {
            refuse(row.line,
                   std::to_string(row.fields.size()) + " fields where the header has " + std::to_string(header.size()));
            return true;
          }
          auto mapped = coophub::rows::MapRow(header, row.fields, ++rows, mapping);
          if (!mapped.record) {
            refuse(row.line, mapped.error);
            return true;
          }
          if (!run.Record(kStream, *mapped.record, version)) return false;
          if (++emitted % 10000 == 0) run.Progress(emitted);
          return true;
        },
        [&](const coophub::csv::ReadError& bad) {
          refuse(bad.line, bad.message);  // throws unless skipping
          return true;
        });
    if (err) {
      if (err->line == 0) throw coophub::Failure(f.url + ": " + err->message);
      refuse(err->line, err->message);  // a reading error ends the file even when skipping
    }
    if (has_header && header.empty()) throw coophub::Failure(f.url + ": the file is empty; a header row was expected");
    run.Progress(emitted, emitted);
    if (run.Cancelled()) return;
    // A skipped row may be one the hub has: deleting it would lose it for a typo.
    if (skipped)
      run.Log(COOPHUB_LOG_WARN,
              std::to_string(skipped) + " bad rows skipped in " + f.url +
                  ": nothing is deleted this run (rows removed from the file stay until it reads cleanly)");
    else
      run.ActivateVersion(kStream, version);
    coophub::json state = f.validators;
    state["version"] = version;
    run.State(kStream, state);
  }

  // What the file holds about one person: each row with a cell that names them (their
  // account name, an address, a handle: any case), whichever columns the sync maps: a contact list's e-mail column
  // names its row's person even when no column is mapped to people. A row is sent as the
  // sync would map it (same id), or, when it does not map, as its line with its cells.
  void Subject(coophub::Run& run) {
    const std::vector<std::string> names = run.SubjectNames();
    if (names.empty()) return;
    const coophub::json& cfg = run.config();
    coophub::rows::Mapping mapping = coophub::rows::MappingFromConfig(cfg);
    coophub::Fetched f = coophub::FetchDocument(run, coophub::json(), "text/csv, */*;q=0.5");
    std::string text = Decode(cfg, f);
    bool has_header = cfg.value("header", true);
    std::vector<std::string> header;
    int64_t rows = 0;
    // A cell names the person when one of its parts (split at , ; | and line ends) is one
    // of their names, or holds one as "Name <address>".
    auto names_person = [&](const std::string& cell) {
      const std::string lower = Lower(cell);
      for (size_t at = 0; at <= lower.size();) {
        size_t end = std::min(lower.size(), lower.find_first_of(",;|\n", at));
        std::string part = lower.substr(at, end - at);
        size_t lt = part.rfind('<'), gt = part.rfind('>');
        if (lt != std::string::npos && gt != std::string::npos && gt > lt) part = part.substr(lt + 1, gt - lt - 1);
        size_t first = part.find_first_not_of(" \t\r"), last = part.find_last_not_of(" \t\r");
        if (first != std::string::npos &&
            std::find(names.begin(), names.end(), part.substr(first, last - first + 1)) != names.end())
          return true;
        at = end + 1;
      }
      return false;
    };
    auto err = coophub::csv::ReadRows(
        text, Options(cfg),
        [&](Row&& row) {
          if (TakeHeader(row, has_header, &header)) return true;
          if (row.fields.size() != header.size()) return true;  // a bad row holds no one's data
          ++rows;
          if (std::none_of(row.fields.begin(), row.fields.end(), names_person)) return true;
          auto mapped = coophub::rows::MapRow(header, row.fields, rows, mapping);
          if (mapped.record) return run.Record(kStream, *mapped.record);
          coophub::json cells = coophub::json::object();
          for (size_t i = 0; i < header.size(); ++i) cells[header[i]] = row.fields[i];
          return run.Record(kStream, {{"id", "line-" + std::to_string(row.line)},
                                      {"kind", "other"},
                                      {"title", f.url + " line " + std::to_string(row.line)},
                                      {"data", cells}});
        },
        [](const coophub::csv::ReadError&) { return true; });
    if (err && err->line == 0) throw coophub::Failure(f.url + ": " + err->message);
  }

 private:
  struct Table {
    std::string url;
    std::vector<std::string> header;
  };

  static coophub::csv::CsvOptions Options(const coophub::json& cfg) {
    coophub::csv::CsvOptions o;
    o.delimiter = cfg.value("delimiter", ",")[0];
    o.quote = cfg.value("quote", "\"")[0];
    o.lenient_quotes = cfg.value("lenient_quotes", false);
    return o;
  }

  static std::string Decode(const coophub::json& cfg, const coophub::Fetched& f) {
    std::string encoding = cfg.value("encoding", "");
    if (encoding.empty()) encoding = coophub::CharsetOf(f.response.Header("content-type"));
    if (encoding.empty()) encoding = "UTF-8";
    coophub::csv::ReadError e;
    auto text = coophub::csv::ToUtf8(f.response.body, encoding, &e);
    if (!text) throw coophub::Failure(f.url + (e.line ? " line " + std::to_string(e.line) : "") + ": " + e.message);
    return std::move(*text);
  }

  // The first row: the header, taken (true: the caller skips the row), or without one,
  // the columns numbered from 1 (false: the row is data).
  static bool TakeHeader(Row& row, bool has_header, std::vector<std::string>* header) {
    if (!header->empty()) return false;
    if (has_header) {
      *header = std::move(row.fields);
      return true;
    }
    for (size_t i = 1; i <= row.fields.size(); ++i) header->push_back(std::to_string(i));
    return false;
  }

  static std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  static std::string Preview(const std::vector<std::string>& header) {
    std::string out;
    for (size_t i = 0; i < header.size() && i < 8; ++i) out += (i ? ", " : "") + header[i];
    return header.size() > 8 ? out + ", ..." : out;
  }

  Table Load(coophub::Run& run, const coophub::json& state) {
    coophub::Fetched f = coophub::FetchDocument(run, state);
    std::string text = Decode(run.config(), f);
    Table t{f.url, {}};
    auto err = coophub::csv::ReadRows(text, Options(run.config()), [&](Row&& row) {
      t.header = std::move(row.fields);
      return false;  // the header is enough
    });
    if (err) throw coophub::Failure(f.url + " line " + std::to_string(err->line) + ": " + err->message);
    if (t.header.empty()) throw coophub::Failure(f.url + ": the file is empty");
    coophub::rows::MappingFromConfig(run.config());  // config errors show at check time too
    const coophub::json columns = run.config().value("columns", coophub::json::object());
    for (const auto& [field, column] : columns.items())
      if (run.config().value("header", true) &&
          std::find(t.header.begin(), t.header.end(), column.get<std::string>()) == t.header.end())
        throw coophub::Failure("config.columns." + field + ": no column \"" + column.get<std::string>() + "\" in " +
                               t.url + " (its columns: " + Preview(t.header) + ")");
    return t;
  }
};

}  // namespace

COOPHUB_PLUGIN(Csv, "csv", "0.1.0", "CSV files: spreadsheet exports, member lists, statements", Spec().c_str())
