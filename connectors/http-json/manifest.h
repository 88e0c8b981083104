// SPDX-License-Identifier: Apache-2.0
//
// The manifest of the http-json connector: a YAML file that describes a JSON API as
// streams of records (requests, auth, pagination, where the records are, how their
// fields map, an incremental cursor). Loading turns the YAML into JSON and checks its
// shape, so that a mistake is reported with the file and the key before any request
// is made. Pure functions, thread-safe.
#pragma once

#include <coophub/plugin.hpp>

#include <string>
#include <vector>

namespace coophub::httpjson {

// Converts YAML text to JSON: plain scalars become numbers, booleans or null when they
// read as such, quoted scalars stay strings. Throws Failure naming `where` and the line.
json YamlToJson(const std::string& yaml, const std::string& where);

// Checks a manifest (already JSON) and fills in defaults. Throws Failure with
// "<where>: streams[1].pagination.type: ..." on the first problem.
json CheckManifest(json manifest, const std::string& where);

// The file a `manifest` config value names: a path (has a '/' or ends in .yaml) as it is,
// else <dir>/<name>.yaml in the first of `dirs` that has it. Throws Failure listing
// where it looked.
std::string FindManifest(const std::string& name_or_path, const std::vector<std::string>& dirs);

// Reads, converts and checks the manifest at `path`.
json LoadManifest(const std::string& path);

}  // namespace coophub::httpjson
