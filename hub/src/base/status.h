// SPDX-License-Identifier: Apache-2.0
//
// Status and Result<T>: how the hub reports errors as values. A Status is ok or
// carries a code and a message written for the person who has to fix it. Exceptions
// are caught at the boundaries (HTTP handler wrapper, plugin call, worker main) and
// turned into these. Thread-compatible: a Status is a plain value.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace coophub {

class Status {
 public:
  enum class Code { kOk, kInvalid, kNotFound, kUnavailable, kInternal, kConflict };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // A copy with "context: " in front of the message, e.g. the file being read.
  Status Prefixed(const std::string& context) const { return ok() ? *this : Status(code_, context + ": " + message_); }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  // By value, not T&&: `for (auto& x : Make().value())` then holds the value itself,
  // not a reference into a temporary that is gone before the loop runs.
  T value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace coophub
