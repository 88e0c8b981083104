// SPDX-License-Identifier: Apache-2.0
// libcsv and iconv behind ReadRows and ToUtf8; see csv_table.h.
#include "csv_table.h"

#include <coophub/encoding.hpp>

#include <csv.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace coophub::csv {
namespace {

// What the libcsv callbacks build up while a document is fed to it line by line.
struct Builder {
  const RowFn* on_row;
  Row row;
  bool row_ended = false;  // a row ended while the current line was fed
  bool stop = false;
  int64_t line = 1;       // the physical line being fed
  int64_t row_start = 1;  // the line the row in progress started on
};

void OnField(void* data, size_t len, void* user) {
  auto* b = static_cast<Builder*>(user);
  b->row.fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
}

void OnRowEnd(int, void* user) {
  auto* b = static_cast<Builder*>(user);
  b->row.line = b->row_start;
  b->row_ended = true;
  if (!b->stop && !(*b->on_row)(std::move(b->row))) b->stop = true;
  b->row = Row{};
  b->row_start = b->line + 1;
}

int NoSpace(unsigned char) { return 0; }  // RFC 4180: spaces are part of a field

}  // namespace

std::optional<std::string> ToUtf8(std::string_view text, const std::string& encoding, ReadError* error) {
  std::string enc = encoding;
  for (auto& c : enc) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (enc.empty() || enc == "UTF-8" || enc == "UTF8") {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (size_t bad = InvalidUtf8At(text); bad != std::string_view::npos) {
      int64_t line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
      *error = {line, "not valid UTF-8 at byte " + std::to_string(bad) +
                          ": set encoding to the file's own (often latin1 or windows-1252 for spreadsheet exports)"};
      return std::nullopt;
    }
    return std::string(text);
  }
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *error = {0, "unknown encoding \"" + encoding + "\": use a name such as UTF-8, latin1 or windows-1252"};
    return std::nullopt;
  }
  std::string out(text.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  size_t in_left = text.size(), out_left = out.size();
  char* o = out.data();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &o, &out_left) != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      size_t used = static_cast<size_t>(o - out.data());
      out.resize(out.size() * 2);
      o = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    iconv_close(cd);
    *error = {0, "the file is not valid " + encoding + " at byte " + std::to_string(text.size() - in_left) +
                     ": check the encoding option"};
    return std::nullopt;
  }
  iconv_close(cd);
  out.resize(static_cast<size_t>(o - out.data()));
  if (out.substr(0, 3) == "\xEF\xBB\xBF") out.erase(0, 3);
  return out;
}

constexpr const char* kStrayQuote =
    "a quote inside a field that is not quoted, or after a quoted field's closing quote: quote the whole "
    "field and double the quotes in it (\"5'11\"\"\"), or set lenient_quotes: true to take such fields as written";

std::optional<ReadError> ReadRows(std::string_view text, const CsvOptions& o, const RowFn& on_row,
                                  const BadRowFn& on_bad) {
  struct csv_parser p;
  // CSV_STRICT: a stray quote is an error, as RFC 4180 has it; lenient, it is taken as
  // written. An unterminated quoted field is an error either way (below).
  auto start = [&] {
    if (csv_init(&p, o.lenient_quotes ? 0 : CSV_STRICT) != 0) return false;
    csv_set_delim(&p, static_cast<unsigned char>(o.delimiter));
    csv_set_quote(&p, static_cast<unsigned char>(o.quote));
    csv_set_space_func(&p, NoSpace);
    return true;
  };
  if (!start()) return ReadError{0, "libcsv could not start"};
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&p, csv_free);
  Builder b{&on_row};
  bool row_open = false;  // the previous line left a quoted field open
  size_t pos = 0;
  while (pos < text.size() && !b.stop) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(pos, end - pos);
    bool blank = line == "\n" || line == "\r\n";
    if (blank && !row_open) {  // libcsv skips blank lines; they are rows here
      b.row_start = b.line;
      b.row.fields.assign(1, "");
      OnRowEnd(0, &b);
    } else {
      b.row_ended = false;
      if (csv_parse(&p, line.data(), line.size(), OnField, OnRowEnd, &b) != line.size()) {
        ReadError e{b.line, csv_error(&p) == CSV_EPARSE ? kStrayQuote : csv_strerror(csv_error(&p))};
        if (b.stop || !on_bad || csv_error(&p) != CSV_EPARSE || !on_bad(e)) return e;
        // Skipped: the row in progress is dropped, and reading starts over at the next line.
        csv_free(&p);
        if (!start()) return ReadError{0, "libcsv could not start"};
        b.row = Row{};
        b.row_start = b.line + 1;
        b.row_ended = true;
      }
      row_open = !b.row_ended;  // rows end only at a line's end: none did, so a field spans it
    }
    pos = end;
    ++b.line;
  }
  if (b.stop) return std::nullopt;
  if (!text.empty() && text.back() != '\n') {  // end the last row as a newline would
    b.row_ended = false;
    csv_parse(&p, "\n", 1, OnField, OnRowEnd, &b);
    row_open = !b.row_ended;
  }
  // A newline outside quotes always ends a row; one that did not means a quote is open.
  if (row_open) return ReadError{b.row_start, "a quoted field opened on this line is never closed"};
  csv_fini(&p, OnField, OnRowEnd, &b);
  return std::nullopt;
}

}  // namespace coophub::csv
