#pragma once
// Where a result document goes while it is written (docs/architecture.md "One writer, two sinks"). A
// document's writer (the estimate's: api_estimate.cpp) is a template over its sink and says what the
// document holds, once, as a sequence of begin/key/value/end calls; the sink decides the form:
//
//   TreeSink  builds the nlohmann Json (api::estimate: the CLI, the tests, import),
//   TextSink  appends the compact text (the WebAssembly module's estimate), with no Json in between.
//
// The text is exactly to_text() of the tree (nlohmann's dump(-1, ' ', false, replace)), byte for byte,
// provided the writer gives each object's keys in nlohmann's order (sorted, std::string's <) and never
// twice: nlohmann's object is a sorted map, and TextSink writes members in the order they come.
// tests/unit/api/test_api_text.cpp and the fuzz harness fuzz_scenario compare the two sinks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vramplan/json_reader.hpp"

namespace vramplan::api {

// A sub-document that never changes (the estimate's "constants"), kept as its tree and its text.
struct FixedDocument {
  Json tree;
  std::string text;  // to_text(tree)
};

// Appends compact JSON text to a std::string. Bytes are written through a pointer into the string,
// which grows in large steps, so writing makes no std::string call per character; the destructor trims
// the string to what was written (use `out` once the sink is gone).
class TextSink {
 public:
  explicit TextSink(std::string& out) : out_(out), used_(out.size()) {}
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;
  ~TextSink() { out_.resize(used_); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name) {
    separate();
    string(name);
    put(':');
    comma_ = false;
  }
  // A key the writer spells itself, plain ASCII without '"' or '\\' (so written as it is).
  template <std::size_t N>
  void key(const char (&name)[N]) {
    literal_key(name, N - 1);
  }

  void value(std::string_view text) { separate(), string(text), comma_ = true; }
  void value(const std::string& text) { value(std::string_view(text)); }
  void value(const char* text) { value(std::string_view(text)); }
  void value(bool b) { separate(), put(b ? std::string_view("true") : std::string_view("false")), comma_ = true; }
  void value(std::nullptr_t) { separate(), put(std::string_view("null")), comma_ = true; }
  void value(double x) { separate(), number(x), comma_ = true; }
  template <class Integer, std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>, int> = 0>
  void value(Integer n) {
    separate();
    if constexpr (std::is_signed_v<Integer>) {
      signed_integer(static_cast<std::int64_t>(n));
    } else {
      unsigned_integer(static_cast<std::uint64_t>(n));
    }
    comma_ = true;
  }
  void value(const Json& document);  // a whole sub-document, as to_text writes it
  void value(const FixedDocument& fixed) { separate(), put(fixed.text), comma_ = true; }

 private:
  void open(char bracket) { separate(), put(bracket), comma_ = false; }
  void close(char bracket) { put(bracket), comma_ = true; }
  void separate() {
    if (comma_) put(',');
  }
  void string(std::string_view text);
  void literal_key(const char* name, std::size_t size);
  void number(double x);
  void signed_integer(std::int64_t n);
  void unsigned_integer(std::uint64_t n);

  // Room for n more bytes at the end; the caller writes them and then calls advance(n).
  char* room(std::size_t n) {
    if (out_.size() - used_ < n) grow(n);
    return &out_[used_];
  }
  void grow(std::size_t n);
  void advance(std::size_t n) { used_ += n; }
  void put(char c) {
    *room(1) = c;
    advance(1);
  }
  void put(std::string_view text);

  std::string& out_;
  std::size_t used_;
  bool comma_ = false;  // the next member or element needs a ',' before it
};

// Builds the document as nlohmann Json: the same calls, the same document.
class TreeSink {
 public:
  void begin_object() { open(Json(Json::value_t::object)); }
  void end_object() { open_.pop_back(); }
  void begin_array() { open(Json(Json::value_t::array)); }
  void end_array() { open_.pop_back(); }
  void key(std::string_view name) { key_.assign(name.data(), name.size()); }
  template <class T>
  void value(T&& v) {
    place(Json(std::forward<T>(v)));
  }
  void value(std::string_view text) { place(Json(std::string(text))); }
  void value(const FixedDocument& fixed) { place(Json(fixed.tree)); }

  Json take() { return std::move(root_); }

 private:
  // The value becomes the member named by the last key (the open container is an object) or the next
  // element (an array), or the whole document. Returns where it now lives.
  Json* place(Json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& into = *open_.back();
    if (into.is_object()) return &into.get_ref<Json::object_t&>().emplace(std::move(key_), std::move(v)).first->second;
    auto& elements = into.get_ref<Json::array_t&>();
    elements.push_back(std::move(v));
    return &elements.back();
  }
  // An open container's address stays valid while it is open: only it receives values meanwhile.
  void open(Json&& container) { open_.push_back(place(std::move(container))); }

  Json root_;
  std::vector<Json*> open_;
  std::string key_;
};

// One member of an object: its key (a literal of the writer's), then its value.
template <class Sink, class T, std::size_t N>
void member(Sink& out, const char (&key)[N], T&& v) {
  out.key(key);
  out.value(std::forward<T>(v));
}

}  // namespace vramplan::api
