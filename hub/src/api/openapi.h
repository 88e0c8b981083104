// SPDX-License-Identifier: Apache-2.0
//
// The API's OpenAPI 3.1 document (hub/api/openapi.json, compiled into the binary and
// served at /api/v1/openapi.json), and a check of one response against it, which the
// tests run on every answer they get. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/protocol.h"

namespace coophub {

// The segments of a path: "/api/v1/records/7" -> api, v1, records, 7 (the router's
// and the document's templates alike).
std::vector<std::string> PathSegments(std::string_view path);

const std::string& OpenApiText();
const json& OpenApiDocument();

// How a response breaks the document: no such path or method, an undocumented status
// or content type, or a JSON body that does not match the schema. Empty when it agrees.
// path is the request path without its query.
std::vector<std::string> CheckAgainstOpenApi(const std::string& method, const std::string& path, int status,
                                             const std::string& content_type, const std::string& body);

// How a request breaks the document, before any handler reads it: a query parameter
// the operation does not take (or of the wrong type), a JSON body that does not fit the
// operation's request schema (wrong types, unknown fields where the schema closes the
// object, missing required ones). Each line names the field ("body.scope: must be
// string, not 3"). Empty when it fits, or when the operation is not documented.
// body: the request's JSON object, parsed (null: none). Checks shape only (types,
// required, unknown fields and parameters): handlers check values, with better words.
std::vector<std::string> CheckRequestAgainstOpenApi(const std::string& method, const std::string& path,
                                                    const std::multimap<std::string, std::string>& query,
                                                    const json* body);
// Whether the documented operation takes a JSON body.
bool TakesJsonBody(const std::string& method, const std::string& path);

// Whether path is in the part of the hub the document describes (/api/, /feeds/,
// /metrics, /healthz), not the pages.
bool IsApiPath(const std::string& path);

// Whether the document has this method on a path template matching path.
bool IsDocumented(const std::string& method, const std::string& path);

}  // namespace coophub
