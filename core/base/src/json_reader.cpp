#include "vramplan/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace vramplan {
namespace {

constexpr std::size_t kMaxShownValueChars = 40;
// Unknown keys longer than this are reported at their object's pointer (see reject_unknown_keys).
constexpr std::size_t kMaxPointerKeyBytes = 256;

const Json& empty_object() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

std::string type_name(const Json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

// Plain digits, as in the contract's example error ("from 1 to 65536, got -3").
std::string format_integer(std::int64_t v) { return std::to_string(v); }

std::string format_number(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

void fail(std::string pointer, std::string message) {
  throw InputError{Error{std::move(pointer), std::move(message), ErrorKind::invalid_input}};
}

std::string pointer_append(const std::string& parent, std::string_view key) {
  std::string out = parent;
  out.push_back('/');
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string pointer_append(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

namespace {

// What JSON text serializing a string gives (ASCII, invalid UTF-8 replaced), as describe_value shows it.
std::string dumped_string(std::string_view text) {
  return Json(std::string(text)).dump(-1, ' ', true, Json::error_handler_t::replace);
}

// Appends the compact dump of `value` to `out` (the text `value.dump(-1, ' ', true, replace)` gives) until
// `out` is longer than `limit`: an error shows the first kMaxShownValueChars characters of a value, and a
// 10 MB string or a large object must not be serialized whole for that (it took 1.6 s per error).
// Each string byte gives at least one character of dump, so in the dump of a string's first limit + 4 bytes
// a UTF-8 sequence cut at the end (shown as U+FFFD) starts after the limit: every character before it is
// what the whole dump gives (tests/unit/base/test_json_reader.cpp compares 20,000 random values).
void append_preview(const Json& value, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  const std::size_t room = limit - out.size() + 4;
  if (value.is_string()) {
    out += dumped_string(std::string_view(value.get_ref<const std::string&>()).substr(0, room));
  } else if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size() && out.size() <= limit; ++i) {
      if (i > 0) out += ',';
      append_preview(value[i], out, limit);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
      if (!first) out += ',';
      first = false;
      out += dumped_string(std::string_view(it.key()).substr(0, limit - std::min(limit, out.size()) + 4));
      out += ':';
      append_preview(it.value(), out, limit);
    }
    out += '}';
  } else {
    out += value.dump(-1, ' ', true, Json::error_handler_t::replace);
  }
}

}  // namespace

std::string describe_value(const Json& value) {
  std::string text;
  append_preview(value, text, kMaxShownValueChars);
  if (text.size() > kMaxShownValueChars) {
    text.resize(kMaxShownValueChars);
    text += "...";
  }
  return text;
}

namespace {

// The accepting half of read_integer, without its error texts: every scenario parse reads dozens of
// numbers, and the texts (snprintf of the range) cost more than the reads.
std::optional<std::int64_t> integer_in_range(const Json& value, std::int64_t lo, std::int64_t hi) {
  if (value.is_number_integer()) {
    const std::int64_t v = value.get<std::int64_t>();
    if (v >= lo && v <= hi) return v;
  } else if (value.is_number_unsigned()) {
    const std::uint64_t v = value.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(hi) && static_cast<std::int64_t>(v) >= lo) return static_cast<std::int64_t>(v);
  } else if (value.is_number_float()) {
    // Some configs write integers as 8.0; accept whole numbers, reject fractions and huge values.
    const double d = value.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<double> number_in_range(const Json& value, double lo, double hi) {
  if (!value.is_number()) return std::nullopt;
  const double d = value.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) return std::nullopt;
  return d == 0.0 ? 0.0 : d;  // -0 becomes 0
}

}  // namespace

std::int64_t read_integer(const Json& value, const std::string& pointer, std::int64_t lo, std::int64_t hi) {
  if (const auto v = integer_in_range(value, lo, hi)) return *v;
  const std::string expectation = "must be an integer from " + format_integer(lo) + " to " + format_integer(hi);
  if (value.is_number()) fail(pointer, expectation + ", got " + describe_value(value));
  fail(pointer, expectation + ", got " + type_name(value) + " " + describe_value(value));
}

double read_number(const Json& value, const std::string& pointer, double lo, double hi) {
  if (const auto d = number_in_range(value, lo, hi)) return *d;
  const std::string expectation = "must be a number from " + format_number(lo) + " to " + format_number(hi);
  if (!value.is_number()) fail(pointer, expectation + ", got " + type_name(value) + " " + describe_value(value));
  fail(pointer, expectation + ", got " + describe_value(value));
}

ObjectReader::ObjectReader(const Json& object, std::string pointer) : object_(&object), pointer_(std::move(pointer)) {
  if (!object.is_object()) {
    // null's value is its type name: "got null", not "got null null".
    const std::string shown = object.is_null() ? type_name(object) : type_name(object) + " " + describe_value(object);
    fail(pointer_, "must be an object, got " + shown);
  }
  read_.reserve(object.size());  // every key is usually read: one allocation, not a regrowth per few keys
}

// The object's map itself: its find is one tree search, where Json::find wraps it in Json's own iterator
// (a scenario parse looks up every key the parser knows, about a hundred per document).
const Json::object_t& ObjectReader::members() const { return object_->get_ref<const Json::object_t&>(); }

bool ObjectReader::has(std::string_view key) const {
  const auto it = members().find(key);
  return it != members().end() && !it->second.is_null();
}

const Json* ObjectReader::find(std::string_view key) {
  const auto it = members().find(key);
  if (it == members().end()) return nullptr;
  read_.push_back(&it->first);
  if (it->second.is_null()) return nullptr;
  return &it->second;
}

void ObjectReader::describe(std::string_view key, Json entry) const {
  if (!schema_) return;
  entry["pointer"] = pointer_of(key);
  schema_->push_back(std::move(entry));
}

std::int64_t ObjectReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
  if (schema_) describe(key, Json{{"type", "integer"}, {"min", lo}, {"max", hi}, {"default", fallback}});
  const Json* v = find(key);
  if (!v) return fallback;
  if (const auto in_range = integer_in_range(*v, lo, hi)) return *in_range;
  return read_integer(*v, pointer_of(key), lo, hi);
}

std::int64_t ObjectReader::required_integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  const Json* v = find(key);
  if (!v) {
    fail(pointer_of(key), "is required: an integer from " + format_integer(lo) + " to " + format_integer(hi));
  }
  return read_integer(*v, pointer_of(key), lo, hi);
}

std::optional<std::int64_t> ObjectReader::optional_integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  if (schema_) describe(key, Json{{"type", "integer"}, {"min", lo}, {"max", hi}, {"default", nullptr}});
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (const auto in_range = integer_in_range(*v, lo, hi)) return *in_range;
  return read_integer(*v, pointer_of(key), lo, hi);
}

double ObjectReader::number(std::string_view key, double lo, double hi, double fallback) {
  if (schema_) describe(key, Json{{"type", "number"}, {"min", lo}, {"max", hi}, {"default", fallback}});
  const Json* v = find(key);
  if (!v) return fallback;
  if (const auto in_range = number_in_range(*v, lo, hi)) return *in_range;
  return read_number(*v, pointer_of(key), lo, hi);
}

std::optional<double> ObjectReader::optional_number(std::string_view key, double lo, double hi) {
  if (schema_) describe(key, Json{{"type", "number"}, {"min", lo}, {"max", hi}, {"default", nullptr}});
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (const auto in_range = number_in_range(*v, lo, hi)) return *in_range;
  return read_number(*v, pointer_of(key), lo, hi);
}

bool ObjectReader::boolean(std::string_view key, bool fallback) {
  if (schema_) describe(key, Json{{"type", "boolean"}, {"default", fallback}});
  const Json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    fail(pointer_of(key), "must be true or false, got " + type_name(*v) + " " + describe_value(*v));
  }
  return v->get<bool>();
}

std::string ObjectReader::string(std::string_view key, std::string fallback, std::size_t max_length) {
  const Json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(pointer_of(key), "must be a string, got " + type_name(*v) + " " + describe_value(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_length) {
    fail(pointer_of(key), "must be a string of at most " + std::to_string(max_length) + " bytes, got " +
                              std::to_string(s.size()) + " bytes");
  }
  return s;
}

std::string ObjectReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed,
                                 std::string_view fallback) {
  const Json* v = find(key);
  if (!v) return std::string(fallback);
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    for (std::string_view a : allowed) {
      if (s == a) return s;
    }
  }
  std::string accepted;
  for (std::string_view a : allowed) {
    if (!accepted.empty()) accepted += ", ";
    accepted += "\"" + std::string(a) + "\"";
  }
  fail(pointer_of(key), "must be one of " + accepted + ", got " + describe_value(*v));
}

ObjectReader ObjectReader::object(std::string_view key) {
  const Json* v = find(key);
  ObjectReader nested(v ? *v : empty_object(), pointer_of(key));
  nested.schema_ = schema_;
  return nested;
}

void ObjectReader::reject_unknown_keys() const {
  for (const auto& member : members()) {
    const std::string& key = member.first;
    if (std::find(read_.begin(), read_.end(), &key) != read_.end()) continue;
    // The pointer names the key itself unless that would break the one-line error: a key with
    // control characters (a JSON "\n") or longer than any real key is shown escaped and cut instead,
    // at the pointer of its object.
    bool printable = key.size() <= kMaxPointerKeyBytes;
    for (const char c : key) printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    const char* const what = "unknown key (is it misspelt? see docs/scenario.md for the accepted keys)";
    if (printable) fail(pointer_append(pointer_, key), what);
    fail(pointer_, std::string(what) + ": " + describe_value(Json(key)));
  }
}

}  // namespace vramplan
