// The JSON-to-YAML writer (vramplan/yaml.hpp). Quoting follows the YAML 1.2 spec, section 7.3.3
// (plain scalars) and 10.3 (core schema), plus the YAML 1.1 boolean/null/number resolvers that
// PyYAML and OmegaConf still apply (https://yaml.org/type/bool.html, https://yaml.org/type/float.html):
// a string is written plain only when every one of those readers gives the same string back.
#include "vramplan/yaml.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace vramplan::yaml {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (next & 0x3Fu);
  }
  if (length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) return 0;
  if (length == 4 && (code < 0x10000 || code > 0x10FFFF)) return 0;
  return length;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Words that YAML 1.1 or 1.2 resolve to null, booleans or special floats, and the 1.1 merge and
// value keys. Compared case-insensitively (both specs accept several capitalisations; quoting
// every one of them costs nothing).
constexpr std::array<std::string_view, 15> kReservedWords = {
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", ".nan", "<<", "=", ""};

// Characters that may not start a plain scalar (YAML 1.2 c-indicator), plus space.
constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@` ";

// Unicode characters YAML treats as line breaks or that readers strip: NEL, LS, PS and the BOM.
bool has_special_unicode(std::string_view text) {
  return text.find("\xC2\x85") != std::string_view::npos || text.find("\xE2\x80\xA8") != std::string_view::npos ||
         text.find("\xE2\x80\xA9") != std::string_view::npos || text.find("\xEF\xBB\xBF") != std::string_view::npos;
}

std::string hex_escape(unsigned char c) {
  constexpr std::string_view digits = "0123456789ABCDEF";
  std::string out = "\\x";
  out += digits[c >> 4];
  out += digits[c & 0x0Fu];
  return out;
}

std::string double_quoted(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += kReplacementCharacter;
      ++i;
      continue;
    }
    if (length > 1) {
      const std::string_view sequence = text.substr(i, length);
      if (sequence == "\xC2\x85") {
        out += "\\N";
      } else if (sequence == "\xE2\x80\xA8") {
        out += "\\L";
      } else if (sequence == "\xE2\x80\xA9") {
        out += "\\P";
      } else if (sequence == "\xEF\xBB\xBF") {
        out += "\\uFEFF";
      } else {
        out += sequence;
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += hex_escape(c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

// Comment text on one line: control characters become spaces, invalid UTF-8 is replaced.
std::string comment_line(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += kReplacementCharacter;
      ++i;
    } else if (length == 1) {
      const auto c = static_cast<unsigned char>(text[i]);
      out += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
      ++i;
    } else {
      out += text.substr(i, length);
      i += length;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  explicit Writer(const Comments& comments) : comments_(comments) {}

  std::string run(const OrderedJson& document) {
    above("", 0);
    if (document.is_object() && !document.empty()) {
      mapping(document, "", 0);
    } else if (document.is_array() && !document.empty()) {
      sequence(document, "", 0);
    } else {
      out_ += inline_value(document);
      out_ += trailing("");
      out_ += '\n';
    }
    return std::move(out_);
  }

 private:
  const Comments& comments_;
  std::string out_;

  static std::string spaces(std::size_t indent) { return std::string(indent, ' '); }

  void above(const std::string& pointer, std::size_t indent) {
    const auto found = comments_.above.find(pointer);
    if (found == comments_.above.end()) return;
    std::string_view text = found->second;
    while (true) {
      const std::size_t end = text.find('\n');
      const std::string line = comment_line(text.substr(0, end));
      out_ += spaces(indent);
      out_ += line.empty() ? "#" : "# " + line;
      out_ += '\n';
      if (end == std::string_view::npos) break;
      text.remove_prefix(end + 1);
    }
  }

  std::string trailing(const std::string& pointer) const {
    const auto found = comments_.trailing.find(pointer);
    if (found == comments_.trailing.end()) return {};
    const std::string line = comment_line(found->second);
    return line.empty() ? std::string() : "  # " + line;
  }

  static std::string inline_value(const OrderedJson& value) {
    switch (value.type()) {
      case OrderedJson::value_t::null: return "null";
      case OrderedJson::value_t::boolean: return value.get<bool>() ? "true" : "false";
      case OrderedJson::value_t::string: return scalar(value.get_ref<const std::string&>());
      case OrderedJson::value_t::number_integer:
      case OrderedJson::value_t::number_unsigned:
      case OrderedJson::value_t::number_float: return number(value);
      case OrderedJson::value_t::object: return "{}";  // only reached for empty objects
      case OrderedJson::value_t::array: return "[]";   // only reached for empty arrays
      default: return "null";                          // binary and discarded values have no YAML form
    }
  }

  static bool is_block(const OrderedJson& value) {
    return (value.is_object() || value.is_array()) && !value.empty();
  }

  void mapping(const OrderedJson& object, const std::string& pointer, std::size_t indent) {
    for (const auto& [key, value] : object.items()) {
      const std::string child = pointer + "/" + pointer_token(key);
      above(child, indent);
      out_ += spaces(indent);
      out_ += scalar(key);
      out_ += ':';
      if (is_block(value)) {
        out_ += trailing(child);
        out_ += '\n';
        if (value.is_object()) {
          mapping(value, child, indent + 2);
        } else {
          sequence(value, child, indent + 2);
        }
      } else {
        out_ += ' ';
        out_ += inline_value(value);
        out_ += trailing(child);
        out_ += '\n';
      }
    }
  }

  void sequence(const OrderedJson& array, const std::string& pointer, std::size_t indent) {
    std::size_t index = 0;
    for (const auto& value : array) {
      const std::string child = pointer + "/" + std::to_string(index++);
      above(child, indent);
      if (!is_block(value)) {
        out_ += spaces(indent) + "- " + inline_value(value) + trailing(child) + '\n';
        continue;
      }
      // A nested block: render it two columns in, then put "- " in place of the first line's
      // indentation when that line is a key (not a comment), which is the usual compact form.
      Writer nested(comments_);
      if (value.is_object()) {
        nested.mapping(value, child, indent + 2);
      } else {
        nested.sequence(value, child, indent + 2);
      }
      const std::string body = std::move(nested.out_);
      const std::string_view first = std::string_view(body).substr(indent + 2);
      const std::string tail = trailing(child);
      if (tail.empty() && !first.empty() && first.front() != '#') {
        out_ += spaces(indent) + "- ";
        out_ += first;
      } else {
        out_ += spaces(indent) + "-" + tail + '\n';
        out_ += body;
      }
    }
  }
};

}  // namespace

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  if (!valid_utf8(text) || has_special_unicode(text)) return true;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  if (kIndicators.find(text.front()) != std::string_view::npos) return true;
  if (text.back() == ' ' || text.back() == ':') return true;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) return true;
  for (const std::string_view word : kReservedWords) {
    if (!word.empty() && equals_ignoring_case(text, word)) return true;
  }
  // Anything that starts like a number (decimal, 0x/0o, 1_000, 1:30 sexagesimal, +1, .5) is
  // quoted; over-quoting a string such as "7b-model" is harmless.
  if (is_digit(text.front())) return true;
  if ((text.front() == '+' || text.front() == '.') && text.size() > 1 && (is_digit(text[1]) || text[1] == '.')) {
    return true;
  }
  return false;
}

std::string scalar(std::string_view text) {
  return needs_quotes(text) ? double_quoted(text) : std::string(text);
}

std::string number(const OrderedJson& value) {
  std::string text = value.dump();
  if (!value.is_number_float()) return text;
  const std::size_t exponent = text.find_first_of("eE");
  const std::size_t dot = text.find('.');
  if (exponent != std::string::npos && (dot == std::string::npos || dot > exponent)) {
    text.insert(exponent, ".0");
  } else if (exponent == std::string::npos && dot == std::string::npos) {
    text += ".0";
  }
  return text;
}

std::string to_yaml(const OrderedJson& document, const Comments& comments) {
  try {
    return Writer(comments).run(document);
  } catch (...) {
    // Only std::bad_alloc can reach here (the writer reads values of known type); an empty
    // document is the one answer that cannot be misread.
    return "{}\n";
  }
}

void Document::set(const std::string& pointer, OrderedJson value, std::string comment_above,
                   std::string comment_trailing) {
  root[OrderedJson::json_pointer(pointer)] = std::move(value);
  if (!comment_above.empty()) comment(pointer, std::move(comment_above));
  if (!comment_trailing.empty()) comments.trailing[pointer] = std::move(comment_trailing);
}

void Document::comment(const std::string& pointer, std::string text) {
  std::string& existing = comments.above[pointer];
  if (!existing.empty()) existing += '\n';
  existing += text;
}

}  // namespace vramplan::yaml
