// The JSON API's fast paths for the WebAssembly module (docs/benchmarks.md "Speed"): each must give
// exactly what the plain path gives. api::to_text against nlohmann's dump, the estimate's text
// (append_estimate_text, TextSink) against the dump of its Json (the same writer into a TreeSink), the
// parse of shallow text without the depth callback against the parse with it,
// estimate_without_constants + constants against estimate, and the cached catalog parameter counts
// against a fresh count.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"

using vramplan::Json;
namespace api = vramplan::api;

namespace {

std::string reference_dump(const Json& document) { return document.dump(-1, ' ', false, Json::error_handler_t::replace); }

void check_same_text(const Json& document) {
  const std::string expected = reference_dump(document);
  CHECK(api::to_text(document) == expected);
  std::string appended = "prefix:";
  api::append_text(appended, document);
  CHECK(appended == "prefix:" + expected);
}

const char* const kScenarios[] = {
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "train", "gpu": "H100-SXM-80GB",
        "train": {"micro_batch_size": 8, "seq_len": 1024}})",
    R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
        "inference": {"engine": "vllm", "context_len": 16000}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 8,
        "train": {"sharding": "fsdp", "gradient_checkpointing": true}})",
    R"({"model": "qwen/qwen2.5-7b-instruct", "train": {"method": "qlora"}})",
};

}  // namespace

TEST_CASE("to_text writes exactly nlohmann's compact dump") {
  check_same_text(Json());
  check_same_text(Json::object());
  check_same_text(Json::array());
  check_same_text(Json{{"a", Json::object()}, {"b", Json::array()}, {"c", Json::array({Json::object(), Json::array()})}});
  check_same_text(Json{true, false, nullptr, 0, -1, 1});
  check_same_text(Json{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                       std::numeric_limits<std::uint64_t>::max(), std::uint64_t{0}});
  check_same_text(Json{0.0, -0.0, 0.1, 1.0, 536870912.0, 429496729.6, 1e300, -1e-300, 5e-324,
                       std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()});
  // Strings: plain ASCII, every escape, DEL, UTF-8, invalid UTF-8 (replaced), in values and keys.
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  const std::vector<std::string> strings = {"",
                                            "plain text: 7615616512 params x 4 B / (tp x pp = 1)",
                                            "quote \" backslash \\ slash /",
                                            std::string("nul \0 inside", 12),
                                            "\b\f\n\r\t\x01\x1f",
                                            "del \x7f",
                                            "\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
                                            "bad \xff\xfe utf-8 \xc3",
                                            // The edges of well-formed UTF-8: overlong forms, surrogates,
                                            // beyond U+10FFFF, truncated sequences, the largest of each length.
                                            "\xc0\x80 \xc1\xbf \xe0\x80\x80 \xe0\x9f\xbf \xf0\x8f\xbf\xbf",
                                            "\xed\xa0\x80 \xed\xbf\xbf \xed\x9f\xbf \xee\x80\x80",
                                            "\xf4\x90\x80\x80 \xf4\x8f\xbf\xbf \xf5\x80\x80\x80",
                                            "\xdf\xbf \xef\xbf\xbf \xe2\x9c \xf0\x9f\x98 \xe2",
                                            "\xc2\x80\" \xe2\x80\x94\\ x",
                                            every_byte};
  for (const std::string& s : strings) {
    check_same_text(Json(s));
    check_same_text(Json{{s, s}, {"k", Json::array({s, 1, s})}});
  }
}

TEST_CASE("to_text writes random UTF-8-like strings exactly as dump does") {
  // Bytes drawn mostly from the ranges that decide UTF-8's well-formedness, so that both well-formed and
  // ill-formed sequences of every length come up (a fixed linear congruential generator: reproducible).
  const unsigned char kBytes[] = {0x00, 0x1f, 0x20, 0x22, 0x5c, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                  0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff};
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const std::size_t length = next() % 9;
    for (std::size_t k = 0; k < length; ++k) text.push_back(static_cast<char>(kBytes[next() % sizeof kBytes]));
    const Json document(text);
    REQUIRE(api::to_text(document) == reference_dump(document));
  }
}

TEST_CASE("to_text writes the API's result documents exactly as dump does") {
  for (const char* text : kScenarios) {
    const auto scenario = api::parse_json_text(text);
    REQUIRE(scenario.ok());
    const auto estimate = api::estimate(scenario.value());
    REQUIRE_MESSAGE(estimate.ok(), (estimate.ok() ? "" : estimate.error().line()));
    check_same_text(estimate.value());
    const auto recommend = api::recommend(scenario.value());
    REQUIRE(recommend.ok());
    check_same_text(recommend.value());
  }
  check_same_text(api::models().value());
  check_same_text(api::gpus().value());
}

namespace {

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

// Every scenario the project keeps: examples/, tests/rl/ and the validation records' scenarios (memory
// and throughput), sorted by path.
std::vector<std::pair<std::string, Json>> kept_scenarios() {
  std::vector<std::filesystem::path> files;
  for (const char* folder : {"/examples", "/tests/rl", "/tests/validation", "/tests/validation/throughput"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(VRAMPLAN_SOURCE_DIR) + folder)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::pair<std::string, Json>> out;
  for (const auto& path : files) {
    const Json document = read_json_file(path);
    const bool record = path.parent_path().string().find("/tests/validation") != std::string::npos;
    if (!record) out.emplace_back(path.string(), document);
    if (record && document.contains("scenario") && document["scenario"].is_object()) {
      out.emplace_back(path.string(), document["scenario"]);
    }
  }
  return out;
}

// The estimate's text must be to_text() of its Json: the same writer, two sinks (api_sink.hpp). A key
// out of nlohmann's order, given twice, or a value typed differently would break it. On an error
// nothing is appended and the error is the same.
void check_estimate_text(const std::string& name, const Json& scenario) {
  CAPTURE(name);
  std::string text = "{\"ok\":true,\"value\":";
  const auto error = api::append_estimate_text(text, scenario);
  const auto document = api::estimate(scenario);
  REQUIRE(document.ok() == !error.has_value());
  if (error) {
    CHECK(text == "{\"ok\":true,\"value\":");
    CHECK(error->line() == document.error().line());
    return;
  }
  CHECK(text == "{\"ok\":true,\"value\":" + reference_dump(document.value()));
}

}  // namespace

TEST_CASE("the estimate's text is the dump of its Json, for every kept scenario") {
  const auto scenarios = kept_scenarios();
  CHECK(scenarios.size() > 250);
  for (const auto& [name, scenario] : scenarios) check_estimate_text(name, scenario);
}

TEST_CASE("the estimate's text is the dump of its Json: optional members, run totals, errors") {
  for (const char* text : kScenarios) check_estimate_text(text, api::parse_json_text(text).value());
  const char* const kMore[] = {
      // No GPU (no "fit", time unavailable); does not fit (fit.reason); a vLLM server that cannot start.
      R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl"})",
      R"({"model": "meta-llama/Llama-3.1-70B", "gpu": "L4", "train": {"micro_batch_size": 4}})",
      R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "L4",
          "inference": {"engine": "vllm", "gpu_memory_utilization": 0.3}})",
      // Run totals and cost (the time object's terms among its fixed keys), training and RL.
      R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "H100-SXM-80GB", "gpus": 8,
          "train": {"sharding": "fsdp"}, "dataset": {"samples": 100000, "epochs": 2}})",
      R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 8,
          "train": {"sharding": "fsdp"}, "rl": {"steps": 200}})",
      // A reward model on its own GPUs (a phase without time: null), a critic, DPO.
      R"({"model": "Qwen/Qwen2.5-1.5B", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 8,
          "rl": {"critic": true, "reward_model": {"model": "Qwen/Qwen2.5-0.5B", "colocated": false}}})",
      R"({"model": "Qwen/Qwen2.5-1.5B", "workload": "rl", "gpu": "H100-SXM-80GB", "rl": {"algorithm": "dpo"}})",
      // Errors: an unknown model, a bad value.
      R"({"model": "no-such-model"})",
      R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"micro_batch_size": -3}})",
  };
  for (const char* text : kMore) check_estimate_text(text, api::parse_json_text(text).value());
  // Strings the writer must escape or replace: a pasted config.json's name, echoed as the model's id.
  const auto catalog = vramplan::load_catalog();
  REQUIRE(catalog.ok());
  const vramplan::CatalogModel* qwen = vramplan::find_model(*catalog.value(), "Qwen/Qwen2.5-0.5B");
  REQUIRE(qwen != nullptr);
  for (const std::string& name : {std::string("quote \" backslash \\ \xc3\xa9"), std::string("tab\t nl\n \x01"),
                                 std::string("bad \xff\xfe utf-8 \xc3")}) {
    Json pasted = qwen->raw_config;
    pasted["_name_or_path"] = name;
    check_estimate_text(name, Json{{"model", pasted}, {"gpu", "H100-SXM-80GB"}});
  }
}

TEST_CASE("estimate is estimate_without_constants plus the constants") {
  for (const char* text : kScenarios) {
    const Json scenario = api::parse_json_text(text).value();
    const auto whole = api::estimate(scenario);
    auto body = api::estimate_without_constants(scenario);
    REQUIRE(whole.ok());
    REQUIRE(body.ok());
    CHECK_FALSE(body.value().contains("constants"));
    // The module writes "constants" first: it must sort before every other key of the result.
    CHECK(body.value().begin().key() > std::string("constants"));
    body.value()["constants"] = api::estimate_constants();
    CHECK(reference_dump(body.value()) == reference_dump(whole.value()));
  }
  const auto bad = api::estimate_without_constants(Json{{"model", "no-such-model"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().line() == api::estimate(Json{{"model", "no-such-model"}}).error().line());
}

TEST_CASE("parse_json_text: shallow text parses to the same document, the depth limit holds") {
  // At most 64 brackets: the fast path, never too deep. Far more levels: refused as too deep.
  const std::string at_bound = std::string(64, '[') + std::string(64, ']');
  const std::string over_limit = std::string(200, '[') + std::string(200, ']');
  CHECK(api::parse_json_text(at_bound).ok());
  REQUIRE_FALSE(api::parse_json_text(over_limit).ok());
  CHECK(api::parse_json_text(over_limit).error().message.find("nested deeper") != std::string::npos);
  // More brackets than the bound but shallow (siblings): the callback path, the same document.
  std::string siblings = "[";
  for (int i = 0; i < 100; ++i) siblings += i ? ",[{}]" : "[{}]";
  siblings += "]";
  REQUIRE(api::parse_json_text(siblings).ok());
  CHECK(api::parse_json_text(siblings).value() == Json::parse(siblings));
  // Brackets inside strings count towards the fast path's bound but not towards the depth.
  const std::string many_in_strings = R"({"a": ")" + std::string(200, '[') + R"(", "b": [1, {"c": null}]})";
  const auto parsed = api::parse_json_text(many_in_strings);
  REQUIRE(parsed.ok());
  CHECK(parsed.value() == Json::parse(many_in_strings));
  // Syntax errors are reported the same way on both paths.
  const auto shallow_error = api::parse_json_text(R"({"a": x})");
  const auto deep_error = api::parse_json_text(siblings.substr(0, siblings.size() - 1) + ",x]");  // > 64 brackets
  REQUIRE_FALSE(shallow_error.ok());
  REQUIRE_FALSE(deep_error.ok());
  CHECK(shallow_error.error().message == deep_error.error().message);
  CHECK(shallow_error.error().message.find("not valid JSON") == 0);
  CHECK(api::parse_json_text(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8})").value() ==
        Json{{"model", "Qwen/Qwen2.5-7B-Instruct"}, {"gpus", 8}});
}

TEST_CASE("params_from_catalog_id: the cached counts are the counts of the catalog entry") {
  // Each entry's config.json as data/models.json holds it (the compiled-in catalog keeps only what the readers
  // make of it), counted afresh.
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/data/models.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Json file = Json::parse(text);
  const auto catalog = vramplan::load_catalog();
  REQUIRE(catalog.ok());
  const auto entries = catalog.value()->models.every_entry();
  REQUIRE(entries.ok());
  for (const vramplan::CatalogModel* entry : entries.value()) {
    const vramplan::CatalogModel& m = *entry;
    const auto by_id = api::params_from_catalog_id(m.id);
    REQUIRE(by_id.ok());
    const auto stored = std::find_if(file.at("models").begin(), file.at("models").end(), [&](const Json& e) { return e.at("id") == m.id; });
    REQUIRE(stored != file.at("models").end());
    Json fresh = api::params_from_config(stored->at("config")).value();
    fresh["model"]["id"] = m.id;  // a raw config names itself by _name_or_path; the catalog by its id
    CHECK(by_id.value() == fresh);
    CHECK(api::params_from_catalog_id(m.id).value() == by_id.value());  // the second call, from the cache
    for (const std::string& alias : m.aliases) {
      const auto by_alias = api::params_from_catalog_id(alias);
      REQUIRE(by_alias.ok());
      CHECK(by_alias.value().contains("note"));
      Json without_note = by_alias.value();
      without_note.erase("note");
      CHECK(without_note == by_id.value());
    }
  }
  CHECK_FALSE(api::params_from_catalog_id("no-such-model").ok());
}

namespace {

// The same document down to each value's type (nlohmann's == takes 1, 1u and 1.0 as equal) and a zero's sign.
bool same_document(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (i.key() != j.key() || !same_document(i.value(), j.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_document(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) return a.get<double>() == b.get<double>() && std::signbit(a.get<double>()) == std::signbit(b.get<double>());
  return a == b;
}

// parse_json_text against nlohmann's own parse of the same text: both fail, or both give the same document.
void check_parse_like_nlohmann(const std::string& text) {
  CAPTURE(text);
  const auto parsed = api::parse_json_text(text);
  const Json reference = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) {
    CHECK_FALSE(parsed.ok());
    return;
  }
  if (!parsed.ok()) {  // nlohmann keeps a repeated key's last value; parse_json_text refuses it
    CHECK(parsed.error().message.find("is given twice") != std::string::npos);
    return;
  }
  CHECK(same_document(parsed.value(), reference));
}

}  // namespace

TEST_CASE("parse_json_text: the plain reader gives nlohmann's document, or leaves the text to nlohmann") {
  // Every kept scenario as its file's text, compact and indented.
  for (const auto& [name, scenario] : kept_scenarios()) {
    check_parse_like_nlohmann(scenario.dump());
    check_parse_like_nlohmann(scenario.dump(2));
  }
  for (const char* text : kScenarios) check_parse_like_nlohmann(text);
  // Numbers at the edges of the plain reader's subset and past them (18 digits read, more left to nlohmann).
  for (const char* number : {"0", "-0", "1", "-1", "0.0", "-0.0", "1.5", "-1.5e-3", "1e5", "1E+5", "2e-308", "1e999",
                             "-1e999", "123456789012345678", "-123456789012345678", "1234567890123456789",
                             "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                             "-9223372036854775809", "18446744073709551615", "18446744073709551616", "01", "-01", "1.",
                             ".5", "-", "+1", "1e", "1e+", "0x10", "1.0e0", "00", "-a", "NaN", "Infinity"}) {
    check_parse_like_nlohmann(number);
    check_parse_like_nlohmann(std::string("{\"a\": ") + number + "}");
    check_parse_like_nlohmann(std::string("[") + number + ", 2]");
  }
  // Strings, literals, space and syntax: escapes, UTF-8, control bytes, DEL, repeated keys, a BOM, truncations.
  for (const char* text :
       {R"("")", R"("plain")", R"("a\"b")", R"("tab\there")", R"("\u00e9")", "\"\xc3\xa9\"", "\"\x7f\"", "\"a\x01\"",
        "\"\xff\"", R"("unterminated)", "true", "false", "null", "tru", "nul", "truex", "true false", "[true,false,null]",
        "{}", "[]", "{ }", "[ ]", " \t\r\n{ \"a\" : [ 1 , { \"b\" : null } ] } \n", R"({"a":1,"a":2})",
        R"({"a":{"b":1,"b":1}})", R"({"a":1,})", "[1,]", "[,1]", R"({"a" 1})", R"({a: 1})", R"({"a":1}})", "{",
        "[", "", " ", "\xef\xbb\xbf{\"a\":1}", R"({"a":[]}x)", R"({"":""})", R"({"a":"/b"})"}) {
    check_parse_like_nlohmann(text);
  }
  // Random documents from the subset's alphabet and a little beyond it.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  const auto next = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  const char* const pieces[] = {"{", "}", "[", "]", ",", ":", "\"k\"", "\"v w\"", "1", "-2", "0.25", "3e2", "true",
                                "null", " ", "\"k\":", "\"x\":1", "\\", "\"", "0", "-", "."};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int parts = 1 + static_cast<int>(next() % 12);
    for (int p = 0; p < parts; ++p) text += pieces[next() % (sizeof pieces / sizeof pieces[0])];
    check_parse_like_nlohmann(text);
  }
}
