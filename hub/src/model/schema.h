// SPDX-License-Identifier: Apache-2.0
//
// Validation of a connector config against its spec, a JSON Schema. Covers the subset
// plugin specs and the API's OpenAPI document use: type, properties, required,
// additionalProperties, enum, items, minimum/maximum, minLength/maxLength, $ref, allOf,
// oneOf. Each problem names the field path and what was
// expected. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "model/protocol.h"

namespace coophub {

// Every way value breaks schema, as "config.url: required, a string" lines; empty when valid.
// With root, "$ref": "#/…" resolves in it (OpenAPI components); allOf and oneOf are
// understood too.
// shape_only checks types, required and unknown fields only, not enum, ranges and
// lengths: what the API checks before its handlers, which say those better.
std::vector<std::string> ValidateAgainstSchema(const json& value, const json& schema,
                                               const std::string& path = "config", const json* root = nullptr,
                                               bool shape_only = false);

// The names of fields marked "secret": true, as dotted paths (e.g. "auth.token").
std::vector<std::string> SecretFields(const json& schema, const std::string& prefix = "");

}  // namespace coophub
