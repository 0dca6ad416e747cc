#pragma once
// Errors as values. Every user-facing error names the offending field as a JSON pointer
// (RFC 6901), says what is accepted and what was given, and renders as the contract's one line:
//   error: /train/micro_batch_size: must be an integer from 1 to 65536, got -3
#include <string>
#include <utility>
#include <variant>

namespace vramplan {

// One kind today: every workload the contract names is implemented, so the "not implemented yet" kind of
// the first releases (exit status 3) is gone; the enum stays so that a future kind is a compile-time change.
enum class ErrorKind {
  invalid_input,  // the user's input is wrong: exit status 2
};

struct Error {
  std::string pointer;  // JSON pointer of the offending field; "" is the whole document
  std::string message;  // what is wrong and what is accepted
  ErrorKind kind = ErrorKind::invalid_input;

  // The contract's one-line form, without a trailing newline.
  std::string line() const {
    return "error: " + (pointer.empty() ? std::string("/") : pointer) + ": " + message;
  }
};

// A value or an Error (C++17 stand-in for std::expected).
template <class T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}                // NOLINT(google-explicit-constructor)
  Expected(Error error) : state_(std::move(error)) {}            // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace vramplan
