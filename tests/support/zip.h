// SPDX-License-Identifier: Apache-2.0
//
// The files of a ZIP archive, read with libarchive: what a test of a member's export
// reads back (the targets that include this link libarchive).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <string>

namespace coophub::testing {

// name -> contents; empty when the archive cannot be read.
inline std::map<std::string, std::string> Unzip(const std::string& zip) {
  std::map<std::string, std::string> files;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  if (archive_read_open_memory(a, zip.data(), zip.size()) == ARCHIVE_OK) {
    archive_entry* e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      std::string& body = files[archive_entry_pathname(e)];
      char buf[8192];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0) body.append(buf, static_cast<size_t>(n));
      if (n < 0) {  // a damaged entry: no files
        files.clear();
        break;
      }
    }
  }
  archive_read_free(a);
  return files;
}

}  // namespace coophub::testing
