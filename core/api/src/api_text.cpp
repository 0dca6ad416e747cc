// Compact JSON text of a result document, for the WebAssembly module (wasm/bindings.cpp), which
// returns every result as text. The text is exactly what document.dump(-1, ' ', false,
// Json::error_handler_t::replace) gives; it is written here because nlohmann's serializer escapes
// string by string, byte by byte through a UTF-8 decoder, and in the module that dominated an
// estimate (docs/benchmarks.md). Most strings in a result (ids, labels, formulas) are plain
// printable ASCII, which that serializer copies unchanged: those are appended whole here. Every
// other value (non-ASCII or escaped strings, floating-point numbers, anything unusual) is handed
// to nlohmann's own dump, so the two cannot disagree.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "vramplan/api.hpp"

namespace vramplan::api {
namespace {

// Bytes nlohmann writes unchanged with ensure_ascii off: printable ASCII other than '"' and '\\'
// (0x7f included). Control characters are escaped; bytes >= 0x80 go through its UTF-8 check.
bool is_plain(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Appends to a std::string through a pointer: the string grows in large steps (resize) and bytes are
// written in place, so the loop makes no std::string call per character (push_back and append are
// out-of-line calls in the module's libc++). finish() trims the string to what was written.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), used_(out.size()) {}
  void finish() { out_.resize(used_); }

  // Room for n more bytes at the end; the caller writes them and then calls advance(n).
  char* room(std::size_t n) {
    if (out_.size() - used_ < n) out_.resize(std::max(out_.size() * 2, used_ + n + 1024));
    return &out_[used_];
  }
  void advance(std::size_t n) { used_ += n; }

  void put(char c) {
    *room(1) = c;
    advance(1);
  }
  void put(const char* text, std::size_t size) {
    if (size == 0) return;
    std::memcpy(room(size), text, size);
    advance(size);
  }
  void put(std::string_view text) { put(text.data(), text.size()); }

 private:
  std::string& out_;
  std::size_t used_;
};

void write_string(Writer& w, const std::string& text) {
  if (is_plain(text)) {
    const std::size_t size = text.size();
    char* p = w.room(size + 2);
    p[0] = '"';
    if (size != 0) std::memcpy(p + 1, text.data(), size);
    p[size + 1] = '"';
    w.advance(size + 2);
  } else {
    w.put(dump(Json(text)));
  }
}

template <class Integer>
void write_integer(Writer& w, Integer value) {
  char* p = w.room(24);  // 20 digits and a sign at most
  const auto end = std::to_chars(p, p + 24, value).ptr;
  w.advance(static_cast<std::size_t>(end - p));
}

void write_value(Writer& w, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      w.put('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) w.put(',');
        first = false;
        write_string(w, key);
        w.put(':');
        write_value(w, member);
      }
      w.put('}');
      return;
    }
    case Json::value_t::array: {
      w.put('[');
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) w.put(',');
        first = false;
        write_value(w, element);
      }
      w.put(']');
      return;
    }
    case Json::value_t::string: write_string(w, value.get_ref<const std::string&>()); return;
    case Json::value_t::boolean: w.put(value.get<bool>() ? std::string_view("true") : std::string_view("false")); return;
    case Json::value_t::null: w.put(std::string_view("null")); return;
    case Json::value_t::number_integer: write_integer(w, value.get<std::int64_t>()); return;
    case Json::value_t::number_unsigned: write_integer(w, value.get<std::uint64_t>()); return;
    default: w.put(dump(value)); return;  // floating point, binary, discarded
  }
}

}  // namespace

void append_text(std::string& out, const Json& document) {
  Writer w(out);
  write_value(w, document);
  w.finish();
}

std::string to_text(const Json& document) {
  std::string out;
  append_text(out, document);
  return out;
}

}  // namespace vramplan::api
