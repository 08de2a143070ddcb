// Result<T> and Error: the one error model of Rapport.
//
// Functions that can fail for reasons outside the program (a file, the network, a
// database, bad input) return Result<T>. Library failures (Poco exceptions, CURLcode,
// SQLite codes, pugixml results) are turned into an Error once, at the wrapper that
// calls the library. A broken invariant is a bug and asserts instead.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace rapport {

enum class ErrorCode {
  kIo,        // a file or folder could not be read or written
  kParse,     // input was not in the expected format
  kConfig,    // the configuration is invalid
  kNetwork,   // a remote peer could not be reached or answered badly
  kDatabase,  // SQLite failed
  kNotFound,  // a named thing does not exist
  kGone,      // a remote resource is permanently gone (HTTP 410); do not ask again
  kUsage,     // the command line was wrong
  kInternal,  // a library failed in a way we did not expect
  kBusy,      // another process holds it now (a source's read): try again later
};

// Whether trying the same operation again later may succeed.
enum class Retry { kNo, kYes };

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string what;   // what failed, in words
  std::string where;  // file:line:col, URL, message id, source name; may be empty
  std::string hint;   // what the user can do about it; may be empty
  Retry retry = Retry::kNo;
  std::int64_t retry_after_seconds = 0;  // when known (HTTP Retry-After): wait this long

  // "where: what" — one line, no hint.
  std::string message() const;
  // message() followed by " (hint: ...)" when there is a hint.
  std::string to_string() const;
};

Error make_error(ErrorCode code, std::string what, std::string where = {}, std::string hint = {},
                 Retry retry = Retry::kNo);

// A Result holding `error` was read as a value: a bug. Prints the error and aborts.
[[noreturn]] void value_of_error(const Error& error);

// Holds either a value or an Error. Reading the value of an error is a bug: it prints the
// error and aborts; reading the error of a value asserts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    if (!ok()) value_of_error(std::get<1>(v_));
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) value_of_error(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) value_of_error(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace rapport
