// Compact JSON text (TextSink, api_sink.hpp; api::to_text), for the WebAssembly module (wasm/bindings.cpp),
// which returns every result as text. The text is exactly what document.dump(-1, ' ', false,
// Json::error_handler_t::replace) gives; it is written here because nlohmann's serializer escapes
// string by string, byte by byte through a UTF-8 decoder, and in the module that dominated an
// estimate (docs/benchmarks.md). Most strings in a result (ids, labels, formulas) are plain
// printable ASCII or well-formed UTF-8, which that serializer copies unchanged (escaping only '"' and
// '\\'): those are written here. Strings with control characters or ill-formed UTF-8, and anything
// unusual, are handed to nlohmann's own dump; numbers go through nlohmann's own number writer.
// tests/unit/api compares the two.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "api_sink.hpp"
#include "vramplan/api.hpp"

namespace vramplan::api {
namespace {

// Length of the well-formed UTF-8 sequence that starts at text[i] (Unicode 15.0, table 3-7: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is ill-formed. nlohmann's decoder accepts
// exactly these and copies them unchanged with ensure_ascii off; it replaces the others.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  const unsigned b0 = at(0);
  const auto continuation = [&](std::size_t k, unsigned lo, unsigned hi) { return at(k) >= lo && at(k) <= hi; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1, 0x80, 0xBF) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) && continuation(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Whether any of 8 bytes is below 0x20, at or above 0x80, '"' or '\\': the bytes that need a look of
// their own. Exact for the "any" question (Hacker's Delight, 2nd ed., 6-1: find a byte less than n).
bool has_byte_to_check(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const auto has_zero_byte = [&](std::uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  const bool below_space = ((word - kOnes * 0x20) & ~word & kHighs) != 0;
  return below_space || (word & kHighs) != 0 || has_zero_byte(word ^ (kOnes * '"')) || has_zero_byte(word ^ (kOnes * '\\'));
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

// To the string's capacity first (a reserved string is zero-filled once, not at every doubling).
void TextSink::grow(std::size_t n) { out_.resize(std::max({out_.capacity(), out_.size() * 2, used_ + n + 1024})); }

void TextSink::put(std::string_view text) {
  if (text.empty()) return;
  std::memcpy(room(text.size()), text.data(), text.size());
  advance(text.size());
}

void TextSink::literal_key(const char* name, std::size_t size) {
  separate();
  char* p = room(size + 3);
  p[0] = '"';
  std::memcpy(p + 1, name, size);
  p[size + 1] = '"';
  p[size + 2] = ':';
  advance(size + 3);
  comma_ = false;
}

// Strings this file writes itself, in one pass: printable ASCII (0x7f included) copied eight bytes at a
// time, '"' and '\\' escaped with a backslash (as nlohmann does), well-formed UTF-8 copied (as nlohmann
// does with ensure_ascii off). A string with a control character or ill-formed bytes is left unwritten
// here and goes to nlohmann's dump instead.
void TextSink::string(std::string_view text) {
  const std::size_t size = text.size();
  char* const start = room(2 * size + 2);  // every byte escaped, at worst
  char* p = start;
  *p++ = '"';
  for (std::size_t i = 0; i < size;) {
    if (i + 8 <= size) {  // eight ordinary bytes at once: most of a result's text
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (!has_byte_to_check(word)) {
        std::memcpy(p, &word, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) return put(dump(Json(std::string(text))));
      std::memcpy(p, text.data() + i, length);
      p += length;
      i += length;
      continue;
    }
    if (byte < 0x20) return put(dump(Json(std::string(text))));
    if (byte == '"' || byte == '\\') *p++ = '\\';
    *p++ = text[i++];
  }
  *p++ = '"';
  advance(static_cast<std::size_t>(p - start));
}

void TextSink::signed_integer(std::int64_t n) {
  char* p = room(24);  // 20 digits and a sign at most
  advance(static_cast<std::size_t>(std::to_chars(p, p + 24, n).ptr - p));
}

void TextSink::unsigned_integer(std::uint64_t n) {
  char* p = room(24);
  advance(static_cast<std::size_t>(std::to_chars(p, p + 24, n).ptr - p));
}

// nlohmann's own number writer (serializer::dump_float: Grisu2, the shortest text that reads back as
// the same double, with ".0" on whole numbers), called directly instead of through a dump per number.
void TextSink::number(double x) {
  if (!std::isfinite(x)) return put(std::string_view("null"));
  char* p = room(64);  // the serializer's number buffer
  advance(static_cast<std::size_t>(nlohmann::detail::to_chars(p, p + 64, x) - p));
}

// A container through begin/end, a scalar through its own value(): each writes its separator.
void TextSink::value(const Json& document) {
  switch (document.type()) {
    case Json::value_t::object:
      begin_object();
      for (const auto& [name, element] : document.get_ref<const Json::object_t&>()) {
        key(name);
        value(element);
      }
      end_object();
      return;
    case Json::value_t::array:
      begin_array();
      for (const Json& element : document.get_ref<const Json::array_t&>()) value(element);
      end_array();
      return;
    case Json::value_t::string: return value(std::string_view(document.get_ref<const std::string&>()));
    case Json::value_t::boolean: return value(document.get<bool>());
    case Json::value_t::null: return value(nullptr);
    case Json::value_t::number_integer: return value(document.get<std::int64_t>());
    case Json::value_t::number_unsigned: return value(document.get<std::uint64_t>());
    case Json::value_t::number_float: return value(document.get<double>());
    default:  // binary, discarded
      separate();
      put(dump(document));
      comma_ = true;
      return;
  }
}

void append_text(std::string& out, const Json& document) {
  TextSink sink(out);
  sink.value(document);
}

std::string to_text(const Json& document) {
  std::string out;
  append_text(out, document);
  return out;
}

}  // namespace vramplan::api
