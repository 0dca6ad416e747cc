#pragma once
// A small JSON-to-YAML writer: block style, key order preserved, scalars quoted exactly when a YAML
// reader (YAML 1.2 core schema and the YAML 1.1 resolvers of PyYAML/OmegaConf) would otherwise read
// them as something else, and comments attached by JSON pointer. Every YAML document vramplan emits
// (`vramplan config --format nemo-rl|nemo-automodel|verl`) goes through to_yaml(); no format builds
// YAML text by hand.
//
// Comments are a side table keyed by RFC 6901 JSON pointer into the document:
//   above["/policy/train_micro_batch_size"] = "largest that fits on 1 x H100-SXM-80GB"
// puts "# largest that fits ..." on its own line(s) before that key; `trailing` puts one comment at
// the end of the key's line (scalars, empty collections) or of its "key:" line (mappings, lists).
// above[""] is the document header.
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vramplan::yaml {

using OrderedJson = nlohmann::ordered_json;

struct Comments {
  std::map<std::string, std::string> above;     // pointer -> text; '\n' separates lines
  std::map<std::string, std::string> trailing;  // pointer -> one line (newlines become spaces)
};

// A document and its comments, built together by the config generators.
struct Document {
  OrderedJson root = OrderedJson::object();
  Comments comments;

  // Sets the value at `pointer` (creating parent objects) and, when non-empty, its comments.
  void set(const std::string& pointer, OrderedJson value, std::string comment_above = {},
           std::string comment_trailing = {});
  void comment(const std::string& pointer, std::string text);  // appends a line above `pointer`
};

// The document as YAML text, ending with a newline. Never throws.
std::string to_yaml(const OrderedJson& document, const Comments& comments = {});
inline std::string to_yaml(const Document& document) { return to_yaml(document.root, document.comments); }

// A string as a YAML scalar: plain when a reader would read it back as the same string, otherwise
// double-quoted with escapes (invalid UTF-8 is replaced by U+FFFD). Used for keys and values.
std::string scalar(std::string_view text);

// True when `text` cannot be written as a plain scalar.
bool needs_quotes(std::string_view text);

// A JSON number as YAML. Floats always carry a '.' before any exponent ("5.0e-06", not "5e-06"),
// because YAML 1.1 readers (PyYAML, OmegaConf) read "5e-06" as a string.
std::string number(const OrderedJson& value);

}  // namespace vramplan::yaml
