// SPDX-License-Identifier: Apache-2.0
//
// The API's OpenAPI 3.1 document (hub/api/openapi.json, compiled into the binary and
// served at /api/v1/openapi.json), and a check of one response against it, which the
// tests run on every answer they get. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "protocol.h"

namespace coophub {

const std::string& OpenApiText();
const json& OpenApiDocument();

// How a response breaks the document: no such path or method, an undocumented status
// or content type, or a JSON body that does not match the schema. Empty when it agrees.
// path is the request path without its query.
std::vector<std::string> CheckAgainstOpenApi(const std::string& method, const std::string& path, int status,
                                             const std::string& content_type, const std::string& body);

// Whether path is in the part of the hub the document describes (/api/, /feeds/,
// /metrics, /healthz), not the pages.
bool IsApiPath(const std::string& path);

// Whether the document has this method on a path template matching path.
bool IsDocumented(const std::string& method, const std::string& path);

}  // namespace coophub
