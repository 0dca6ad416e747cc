#include "vramplan/api.hpp"
#include "vramplan/framework_config.hpp"

#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"

#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vramplan::api {
namespace {

// Nesting deeper than this is never a real config or scenario; refusing it keeps recursion bounded.
constexpr int kMaxJsonDepth = 64;

Json params_to_json(const ParamCounts& counts) {
  Json groups = Json::array();
  for (const auto& g : counts.groups) groups.push_back(Json{{"id", g.id}, {"params", g.params}});
  return Json{{"total", counts.total},
              {"embedding", counts.embedding},
              {"non_embedding", counts.non_embedding},
              {"per_layer", counts.per_layer},
              {"active", counts.active},
              {"largest_layer", counts.largest_layer},
              {"routed_experts", counts.routed_experts},
              {"routed_experts_per_layer", counts.routed_experts_per_layer},
              {"groups", groups}};
}

// The inputs and layouts the model takes beyond text (the schema's `model_has` names one of them): images
// and audio when its reader set an image or audio rule (media.hpp), experts when it has routed experts.
Json model_features(const ModelConfig& model, const ParamCounts& counts) {
  Json features = Json::array();
  if (model.vision_input.scheme != VisionScheme::none) features.push_back("images");
  if (model.audio_input.scheme != AudioScheme::none) features.push_back("audio");
  if (counts.routed_experts > 0) features.push_back("experts");
  return features;
}

Expected<Json> params_of(const ModelConfig& model) {
  auto counts = count_params(model);
  if (!counts.ok()) return counts.error();
  Json out = params_to_json(counts.value());
  out["model"] = Json{{"id", model.id},
                      {"model_type", model.model_type},
                      {"architecture", model.architecture},
                      {"counter", model.counter},
                      {"assumptions", model.count_assumptions},
                      {"features", model_features(model, counts.value())}};
  if (const std::string warning = generic_count_warning(model); !warning.empty()) {
    out["warnings"] = Json::array({warning});
  }
  return out;
}

// params_of() of a catalog model, computed on its first request and kept: the page asks for a catalog
// model's counts whenever the model changes, and the answer never changes. Indexed as catalog.models.
const Expected<Json>& catalog_params(const Catalog& catalog, std::size_t index, const CatalogModel& model) {
  static std::mutex lock;
  static std::vector<std::optional<Expected<Json>>> computed;
  const std::lock_guard<std::mutex> hold(lock);
  if (computed.size() != catalog.models.size()) computed.resize(catalog.models.size());
  if (!computed[index]) computed[index].emplace(params_of(model.config));
  return *computed[index];
}

Json model_listing(const CatalogModel& m) {
  Json entry{{"id", m.id},         {"name", m.name},         {"family", m.family},
             {"variant", m.variant}, {"gated", m.gated},       {"model_type", m.config.model_type},
             {"aliases", m.aliases}};
  auto counts = count_params(m.config);
  if (counts.ok()) {
    entry["params"] = counts->total;
    entry["active_params"] = counts->active;
  }
  if (m.published_params) entry["published_params"] = *m.published_params;
  if (!m.published_params_text.empty()) entry["published_params_text"] = m.published_params_text;
  entry["max_position_embeddings"] = m.config.max_position_embeddings;
  if (!m.note.empty()) entry["note"] = m.note;
  return entry;
}

Json gpu_listing(const GpuSpec& g) {
  return Json{{"id", g.id},
              {"name", g.name},
              {"vendor", g.vendor},
              {"architecture", g.architecture},
              {"memory_type", g.memory_type},
              {"memory_bytes", g.memory_bytes},
              {"bandwidth_bytes_per_s", g.bandwidth_bytes_per_s},
              {"bf16_dense_flops", g.bf16_dense_flops},
              {"aliases", g.aliases}};
}

}  // namespace

namespace {

// Keys written in the text: strings followed by ':' outside strings. Cheap next to parsing, and equal to
// the members of the parsed document unless a key is repeated (nlohmann keeps the last value silently).
// Walks raw pointers: this layer is compiled for size in the module (no inlining), where string_view's
// operator[] and size() are a call per byte.
std::size_t keys_in_text(std::string_view t) {
  std::size_t keys = 0;
  bool in_string = false, escaped = false;
  const char* const end = t.data() + t.size();
  for (const char* p = t.data(); p != end; ++p) {
    const char c = *p;
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = false;
      const char* next = p + 1;
      while (next != end && (*next == ' ' || *next == '\t' || *next == '\n' || *next == '\r')) ++next;
      if (next != end && *next == ':') ++keys;
    }
  }
  return keys;
}

// Over the containers themselves (Json's items() builds an iteration proxy per member).
std::size_t members_in(const Json& j) {
  std::size_t n = 0;
  if (j.is_object()) {
    for (const auto& member : j.get_ref<const Json::object_t&>()) n += 1 + members_in(member.second);
  } else if (j.is_array()) {
    for (const Json& e : j.get_ref<const Json::array_t&>()) n += members_in(e);
  }
  return n;
}

// The first repeated key, found by parsing again with a callback that tracks the path (only done when
// keys_in_text says a key repeats, so the common parse keeps its speed).
std::optional<Error> first_duplicate_key(std::string_view text) {
  struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::optional<Error> found;
  const auto pointer_to_top = [&] {
    std::string p;
    for (std::size_t i = 0; i + 1 < stack.size(); ++i) {
      p = stack[i].array ? pointer_append(p, stack[i].index) : pointer_append(p, stack[i].key);
    }
    return p;
  };
  const auto element_done = [&] {
    if (!stack.empty() && stack.back().array) ++stack.back().index;
  };
  const Json::parser_callback_t track = [&](int, Json::parse_event_t event, Json& parsed) {
    using E = Json::parse_event_t;
    if (event == E::object_start || event == E::array_start) {
      stack.push_back(Frame{event == E::array_start, 0, {}, {}});
    } else if (event == E::object_end || event == E::array_end) {
      if (!stack.empty()) stack.pop_back();
      element_done();
    } else if (event == E::key && !stack.empty() && parsed.is_string()) {
      Frame& top = stack.back();
      top.key = parsed.get<std::string>();
      if (!top.keys.insert(top.key).second && !found) {
        found = Error{pointer_append(pointer_to_top(), top.key),
                      "is given twice in the same object; JSON leaves a repeated key's meaning to the reader, so "
                      "give each key once"};
      }
    } else if (event == E::value) {
      element_done();
    }
    return stack.size() <= static_cast<std::size_t>(kMaxJsonDepth) + 1;
  };
  const Json ignored = Json::parse(text.begin(), text.end(), track, /*allow_exceptions=*/false);
  static_cast<void>(ignored);
  return found;
}

Expected<Json> checked_for_duplicates(Json doc, std::string_view text) {
  if (keys_in_text(text) != members_in(doc)) {
    if (auto duplicate = first_duplicate_key(text)) return *duplicate;
  }
  return doc;
}

// The plain JSON the page sends (JSON.stringify of a scenario: ASCII keys and strings without escapes,
// plain numbers), read straight into the document, a byte per step. nlohmann's lexer is compiled for size
// in the module and makes several calls per byte (a fifth of an RL estimate's time there, docs/
// benchmarks.md 2026-12-06 "rlspeed"). Anything outside that subset (an escape, a byte under 0x20 or over
// 0x7f in a string, a number that may not fit 64 bits, a repeated key, a syntax error) makes read() false
// and the text goes to nlohmann, which decides as before; what the subset reads is what nlohmann gives,
// value types included (tests/unit/api/test_api_text.cpp, fuzz_scenario).
class PlainJsonReader {
 public:
  explicit PlainJsonReader(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}
  bool read(Json& out) {
    if (!value(out)) return false;
    skip_space();
    return at_ == end_;
  }

 private:
  void skip_space() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }
  // Consumes `c` after any space.
  bool take(char c) {
    skip_space();
    if (at_ == end_ || *at_ != c) return false;
    ++at_;
    return true;
  }
  bool digits() {
    const char* first = at_;
    while (at_ != end_ && *at_ >= '0' && *at_ <= '9') ++at_;
    return at_ != first;
  }

  bool value(Json& out) {
    skip_space();
    if (at_ == end_) return false;
    switch (*at_) {
      case '{': return object(out);
      case '[': return array(out);
      case '"': {
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't': out = true; return literal("true");
      case 'f': out = false; return literal("false");
      case 'n': return literal("null");  // `out` is null already
      default: return number(out);
    }
  }

  // What lies between an opening bracket and `close`: nothing, or items separated by commas, each read
  // by `read_item`.
  template <class ReadItem>
  bool items(char close, ReadItem read_item) {
    ++at_;
    if (take(close)) return true;
    do {
      if (!read_item()) return false;
    } while (take(','));
    return take(close);
  }

  bool object(Json& out) {
    out = Json(Json::value_t::object);
    Json::object_t& members = out.get_ref<Json::object_t&>();
    return items('}', [&] {
      std::string key;
      Json member;
      skip_space();
      // A repeated key is left to nlohmann's path, which reports it.
      return string(key) && take(':') && value(member) && members.emplace(std::move(key), std::move(member)).second;
    });
  }

  bool array(Json& out) {
    out = Json(Json::value_t::array);
    Json::array_t& elements = out.get_ref<Json::array_t&>();
    return items(']', [&] { return value(elements.emplace_back()); });
  }

  bool string(std::string& out) {
    if (at_ == end_ || *at_ != '"') return false;
    const char* const first = ++at_;
    for (; at_ != end_ && *at_ != '"'; ++at_) {
      const auto c = static_cast<unsigned char>(*at_);
      if (c < 0x20 || c > 0x7f || c == '\\') return false;
    }
    if (at_ == end_) return false;
    out.assign(first, static_cast<std::size_t>(at_ - first));
    ++at_;
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::memcmp(at_, word.data(), word.size()) != 0) return false;
    at_ += word.size();
    return true;
  }

  // JSON's number grammar. An integer is nlohmann's: unsigned when positive, signed when negative (up to 18
  // digits, which always fit); a fraction or exponent is strtod's double, as nlohmann reads it.
  bool number(Json& out) {
    const char* const first = at_;
    const bool negative = *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || *at_ < '0' || *at_ > '9') return false;
    if (*at_ == '0') {
      ++at_;
    } else {
      digits();
    }
    const char* const integer_end = at_;
    bool floating = false;
    if (at_ != end_ && *at_ == '.') {
      ++at_;
      if (!digits()) return false;
      floating = true;
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
      ++at_;
      if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
      if (!digits()) return false;
      floating = true;
    }
    if (floating) return floating_point(first, out);
    const char* const digits_begin = first + (negative ? 1 : 0);
    if (integer_end - digits_begin > 18) return false;
    std::uint64_t magnitude = 0;
    for (const char* p = digits_begin; p != integer_end; ++p) magnitude = magnitude * 10 + static_cast<std::uint64_t>(*p - '0');
    if (negative) {
      out = Json(-static_cast<std::int64_t>(magnitude));
    } else {
      out = Json(magnitude);
    }
    return true;
  }

  // nlohmann hands strtod the token with the locale's decimal point; with '.' that is this very text.
  bool floating_point(const char* first, Json& out) {
    const std::lconv* locale = std::localeconv();
    if (locale->decimal_point != nullptr && *locale->decimal_point != '.') return false;
    const std::string token(first, static_cast<std::size_t>(at_ - first));
    char* end = nullptr;
    const double x = std::strtod(token.c_str(), &end);
    if (end != token.c_str() + token.size() || !std::isfinite(x)) return false;  // nlohmann: "number overflow"
    out = Json(x);
    return true;
  }

  const char* at_;
  const char* const end_;
};

}  // namespace

Expected<Json> parse_json_text(std::string_view text) {
  // nlohmann's lexer takes a NUL byte for the end of the input and would accept `{...}\0garbage`;
  // a raw NUL is never valid JSON (inside strings it must be written \u0000).
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Error{"", "not valid JSON (a NUL byte at offset " + std::to_string(nul) + "; text must be UTF-8)"};
  }
  // The depth callback below is a std::function called on every token; the module parses a
  // scenario per estimate, and the callback made that parse markedly slower. The depth it sees never
  // exceeds the number of '{' and '[' in the text, so a text with at most kMaxJsonDepth of them
  // (every scenario) cannot be too deep and parses to the same document without the callback.
  std::size_t brackets = 0;
  for (const char c : text) brackets += (c == '{' || c == '[') ? 1 : 0;
  if (brackets <= static_cast<std::size_t>(kMaxJsonDepth)) {
    Json plain;
    if (PlainJsonReader(text).read(plain)) return plain;  // no key repeated: nothing to check
    Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Error{"", "not valid JSON (check quotes, commas and brackets; text must be UTF-8)"};
    return checked_for_duplicates(std::move(doc), text);
  }
  int depth = 0;
  bool too_deep = false;
  // The callback rejects over-deep documents while parsing, before any recursion on them.
  const Json::parser_callback_t limit_depth = [&](int current_depth, Json::parse_event_t, Json&) {
    if (current_depth > kMaxJsonDepth) too_deep = true;
    depth = current_depth;
    return !too_deep;
  };
  Json doc = Json::parse(text.begin(), text.end(), limit_depth, /*allow_exceptions=*/false);
  if (too_deep) return Error{"", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels is not accepted"};
  if (doc.is_discarded()) return Error{"", "not valid JSON (check quotes, commas and brackets; text must be UTF-8)"};
  return checked_for_duplicates(std::move(doc), text);
}

Expected<Json> params_from_config(const Json& config) {
  auto model = model_from_hf_config(config, "");
  if (!model.ok()) return model.error();
  return params_of(model.value());
}

Expected<Json> params_from_catalog_id(std::string_view id) {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  const Catalog& c = *catalog.value();
  auto resolved = resolve_model(Json(std::string(id)), "/model", c);
  if (!resolved.ok()) return resolved.error();
  // resolve_model found the entry by its id or an alias; its catalog id (resolved->id) finds it again.
  const CatalogModel* entry = resolved->from_catalog ? find_model(c, resolved->id) : nullptr;
  const auto index = entry ? c.models.index_of(entry->id) : std::nullopt;
  auto counts = index ? catalog_params(c, *index, *entry) : params_of(resolved->config);
  if (counts.ok() && !resolved->resolution_note.empty()) counts.value()["note"] = resolved->resolution_note;
  return counts;
}

Expected<Json> models() {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  auto entries = catalog.value()->models.every_entry();
  if (!entries.ok()) return entries.error();
  Json list = Json::array();
  for (const CatalogModel* m : entries.value()) list.push_back(model_listing(*m));
  return Json{{"models", list}};
}

Expected<Json> schema() {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  Json out = scenario_schema(*catalog.value());
  Json formats = Json::array();
  for (config::Format f : config::kFormats) formats.push_back(config::to_string(f));
  out["formats"] = std::move(formats);
  return out;
}

Expected<Json> gpus() {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  Json list = Json::array();
  for (const auto& g : catalog.value()->gpus) list.push_back(gpu_listing(g));
  return Json{{"gpus", list}};
}

Expected<Scenario> scenario_from_json(const Json& scenario) {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  return parse_scenario(scenario, *catalog.value());
}

}  // namespace vramplan::api
