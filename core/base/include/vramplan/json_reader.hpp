#pragma once
// One place where untrusted JSON becomes typed, range-checked values.
//
// ObjectReader walks one JSON object and knows its JSON pointer, so every error it raises names the
// field, the accepted range and the value given. Readers throw InputError; the public entry points of
// the core catch it and return it as an Error value (nothing is thrown across the library boundary).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vramplan/error.hpp"

namespace vramplan {

using Json = nlohmann::json;

// Thrown only inside the core's parsing code; converted to Error at the API boundary.
struct InputError {
  Error error;
};

[[noreturn]] void fail(std::string pointer, std::string message);

// RFC 6901: "~" -> "~0", "/" -> "~1".
std::string pointer_append(const std::string& parent, std::string_view key);
std::string pointer_append(const std::string& parent, std::size_t index);

// A short, printable rendering of a JSON value for error messages (long strings are cut,
// invalid UTF-8 replaced), so hostile input cannot produce huge or broken error lines.
std::string describe_value(const Json& value);

// Runs a parsing function and turns an InputError into an Error value.
template <class T, class F>
Expected<T> catch_input_errors(F&& parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    return e.error;
  }
}

class ObjectReader {
 public:
  // Fails unless `object` is a JSON object.
  ObjectReader(const Json& object, std::string pointer);

  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(std::string_view key) const { return pointer_append(pointer_, key); }
  bool has(std::string_view key) const;        // present and not null
  const Json* find(std::string_view key);      // marks the key as read; nullptr when absent or null
  const Json& raw() const { return *object_; }

  // Optional keys take a fallback; required ones fail when missing.
  std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t fallback);
  std::int64_t required_integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  double number(std::string_view key, double lo, double hi, double fallback);
  std::optional<double> optional_number(std::string_view key, double lo, double hi);
  bool boolean(std::string_view key, bool fallback);
  std::string string(std::string_view key, std::string fallback, std::size_t max_length = 256);
  std::string choice(std::string_view key, std::initializer_list<std::string_view> allowed,
                     std::string_view fallback);

  // A nested object; an absent or null key gives an empty object at that pointer.
  ObjectReader object(std::string_view key);

  // Fails on the first key that no accessor has read (unknown keys are usually typos).
  void reject_unknown_keys() const;

  // The schema recorder: with a JSON array set, every accessor also appends what it accepts there
  // ({pointer, type, min, max, default}), and nested readers inherit it. The scenario schema is read
  // from the parser this way, so the ranges it exports are the ones the parser enforces.
  void record_schema_into(Json* keys) { schema_ = keys; }
  Json* schema_recorder() const { return schema_; }
  // Appends `entry` with the key's pointer when recording; a no-op otherwise.
  void describe(std::string_view key, Json entry) const;

 private:
  const Json::object_t& members() const;

  const Json* object_;
  std::string pointer_;
  // The object's own keys that an accessor has read, by address (the object outlives its reader): a
  // scenario parse reads every key, and a set of copied strings cost an allocation per key.
  std::vector<const std::string*> read_;
  Json* schema_ = nullptr;
};

// Integer checks shared by ObjectReader and array readers.
std::int64_t read_integer(const Json& value, const std::string& pointer, std::int64_t lo, std::int64_t hi);
double read_number(const Json& value, const std::string& pointer, double lo, double hi);

}  // namespace vramplan
