// The WebAssembly adapter: the contract's operations (docs/CONTRACT.md) as functions taking and returning
// JSON text (plain exports, named by wasm/pre.js). No logic lives here; every function calls one of vramplan::api and wraps its
// Expected<> into a JSON envelope:
//
//   {"ok": true,  "value": <the operation's result document>}
//   {"ok": false, "error": {"pointer": "/train/micro_batch_size", "message": "...",
//                           "kind": "invalid_input" | "internal",
//                           "line": "error: /train/micro_batch_size: ..."}}
//
// Nothing thrown inside crosses into JavaScript: every entry point catches everything (the core is
// compiled with wasm exceptions, docs/toolchain.md pitfall 8), so no input can abort the module.
//
// Speed (docs/benchmarks.md "Speed"): the page estimates on every change, so the text goes out
// without detours. The envelope is written around the result's text instead of copying the result
// into an envelope document; results are written by api::append_text (the same text as nlohmann's
// dump, faster), the estimate's straight from the estimate without a Json document
// (api::append_estimate_text); and each result crosses into JavaScript as bytes of the module's
// memory that pre.js decodes with one TextDecoder call (embind's std::string return, used before, scanned
// every byte in JavaScript, twice, and cost more than the estimate itself). To JavaScript every
// function still takes and returns strings.
#include <emscripten/emscripten.h>

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "vramplan/api.hpp"

namespace {

using vramplan::Error;
using vramplan::ErrorKind;
using vramplan::Expected;
using vramplan::Json;
namespace api = vramplan::api;

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
  }
  return "invalid_input";
}

// Invalid UTF-8 can only come from the user's own text echoed in a message; it is replaced, never
// thrown about.
std::string dump(const Json& document) { return document.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string error_envelope(const Error& error, const char* kind) {
  return dump(Json{{"ok", false},
                   {"error", {{"pointer", error.pointer}, {"message", error.message}, {"kind", kind}, {"line", error.line()}}}});
}

std::string error_envelope(const Error& error) { return error_envelope(error, kind_name(error.kind)); }

// {"ok":true,"value":<value>} without copying the value into an envelope document: nlohmann sorts
// object keys ("ok" before "value") and a compact dump has no spaces, so this is the same text as
// dump(Json{{"ok", true}, {"value", value}}), byte for byte.
constexpr std::string_view kOkPrefix = R"({"ok":true,"value":)";

std::string ok_envelope(const Json& value) {
  std::string out(kOkPrefix);
  api::append_text(out, value);  // the same text as dump(value), faster (vramplan/api.hpp)
  out += '}';
  return out;
}

template <class T>
std::string envelope(const Expected<T>& result) {
  if (!result.ok()) return error_envelope(result.error());
  if constexpr (std::is_same_v<T, Json>) {
    return ok_envelope(result.value());
  } else {
    return ok_envelope(Json(result.value()));
  }
}

// The boundary: whatever happens inside `run`, JavaScript gets an envelope back.
template <class F>
std::string guarded(F&& run) noexcept {
  try {
    try {
      return run();
    } catch (const std::bad_alloc&) {
      return error_envelope(Error{"", "out of memory: the input is too large"}, "internal");
    } catch (const std::exception& e) {
      return error_envelope(Error{"", std::string("internal error: ") + e.what()}, "internal");
    } catch (...) {
      return error_envelope(Error{"", "internal error"}, "internal");
    }
  } catch (...) {
    // Even building the error failed (out of memory): a constant that needs no allocation to parse.
    return R"({"ok":false,"error":{"pointer":"","message":"internal error","kind":"internal","line":"error: /: internal error"}})";
  }
}

// Parses `text` and hands the document to `operation`, or returns the syntax error.
template <class F>
std::string with_document(const std::string& text, F&& operation) {
  return guarded([&] {
    auto document = api::parse_json_text(text);
    if (!document.ok()) return error_envelope(document.error());
    return envelope(operation(document.value()));
  });
}

// Each entry point stays a function of its own ([[gnu::noinline]]), so that run_call below is a small switch:
// V8 compiles a wasm function on its first call, and the page's first estimate would otherwise compile every
// entry point inlined into it.
//
// The page calls this on every change, so it is the hot path (goal: under 100 us per call,
// docs/benchmarks.md). The result's text is written straight from the estimate into the envelope
// (api::append_estimate_text: no Json document built, the "constants" list written once and copied),
// exactly dump({"ok":true,"value":api::estimate(document)}).
[[gnu::noinline]] std::string estimate(const std::string& scenario) {
  return guarded([&] {
    auto document = api::parse_json_text(scenario);
    if (!document.ok()) return error_envelope(document.error());
    std::string out;
    out.reserve(32768);  // the constants and an rl result: no reallocation on the way
    out += kOkPrefix;
    if (const auto error = api::append_estimate_text(out, document.value())) return error_envelope(*error);
    out += '}';
    return out;
  });
}

[[gnu::noinline]] std::string recommend(const std::string& scenario) { return with_document(scenario, api::recommend); }

// `estimate --sweep KEY=V1,V2,...`: one estimate per value of one setting.
[[gnu::noinline]] std::string sweep(const std::string& scenario, const std::string& assignment) {
  return with_document(scenario, [&](const Json& document) { return api::sweep(document, assignment); });
}

[[gnu::noinline]] std::string config(const std::string& scenario, const std::string& format) {
  return with_document(scenario, [&](const Json& document) { return api::config(document, format); });
}

// `import` (docs/configs.md "Import"): `input` is the JSON text of a parsed YAML config (the page parses
// YAML with js-yaml, web/import.js) or a command line / launch script. The value is the CLI's
// `import --json` document plus the fixed config: "fixed_tree" (YAML formats) or "fixed_command".
[[gnu::noinline]] std::string import_config(const std::string& format, const std::string& input, const std::string& gpu) {
  return guarded([&] {
    vramplan::config::ImportInput in;
    const std::size_t first = input.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && input[first] == '{') {
      auto tree = api::parse_json_text(input);
      if (!tree.ok()) return error_envelope(tree.error());
      in.tree = std::move(tree.value());
    } else {
      in.words = vramplan::config::shell_words(input);
    }
    if (!gpu.empty()) in.gpu = gpu;
    auto outcome = api::import_config(format, in);
    if (!outcome.ok()) return error_envelope(outcome.error());
    Json value = std::move(outcome->document);
    if (!outcome->fixed.tree.empty()) value["fixed_tree"] = outcome->fixed.tree;
    std::string command;
    for (const auto& w : outcome->fixed.words) command += (command.empty() ? "" : " ") + (w == "$@" ? w : vramplan::config::shell_quote(w));
    if (!command.empty()) value["fixed_command"] = command;
    return ok_envelope(value);
  });
}

// `params` of a raw Hugging Face config.json text.
[[gnu::noinline]] std::string params(const std::string& config_json) { return with_document(config_json, api::params_from_config); }

// `params --model ID`: a catalog id (matched case-insensitively).
[[gnu::noinline]] std::string params_for_model(const std::string& id) {
  return guarded([&] { return envelope(api::params_from_catalog_id(id)); });
}

[[gnu::noinline]] std::string models() { return guarded([] { return envelope(api::models()); }); }

[[gnu::noinline]] std::string gpus() { return guarded([] { return envelope(api::gpus()); }); }

// The page's module leaves the schema out (VRAMPLAN_WASM_SCHEMA=0, wasm/CMakeLists.txt): the page carries
// the schema as a data block that web/build.mjs took from the full module, and scenario_schema's code is 9 KB
// of the page's gzip (docs/benchmarks.md, "page5"). There schema() answers with an error envelope.
#ifndef VRAMPLAN_WASM_SCHEMA
#define VRAMPLAN_WASM_SCHEMA 1
#endif
[[gnu::noinline]] std::string schema() {
#if VRAMPLAN_WASM_SCHEMA
  return guarded([] { return envelope(api::schema()); });
#else
  return error_envelope(Error{"", "this build of the module leaves out schema(): the page carries the schema as data"}, "internal");
#endif
}

std::string version() { return VRAMPLAN_VERSION; }

// The entry points by number: pre.js (kCalls there) gives each its name, in this order.
enum Call : int { kEstimate, kRecommend, kSweep, kConfig, kImportConfig, kParams, kParamsForModel, kModels, kGpus, kSchema, kVersion };

std::string run_call(int call, const std::string& first, const std::string& second, const std::string& third) {
  switch (call) {
    case kEstimate: return estimate(first);
    case kRecommend: return recommend(first);
    case kSweep: return sweep(first, second);
    case kConfig: return config(first, second);
    case kImportConfig: return import_config(first, second, third);
    case kParams: return params(first);
    case kParamsForModel: return params_for_model(first);
    case kModels: return models();
    case kGpus: return gpus();
    case kSchema: return schema();
    case kVersion: return version();
    default: break;
  }
  return error_envelope(Error{"", "no entry point numbered " + std::to_string(call)}, "internal");
}

// The exchange with pre.js, in the module's memory: pre.js writes a call's arguments, UTF-8 and one after
// the other, into the buffer vramplan_input returns, calls vramplan_call with their byte lengths, and decodes
// the result text (always valid UTF-8: the envelopes replace invalid bytes) at the pointer it returns, of
// vramplan_result_size bytes, with one TextDecoder call. Plain exports instead of embind: embind's runtime
// and its set-up (its types registered, an invoker per function built with `new Function`) ran on the way
// to the page's first result and were a tenth of the page's glue (docs/benchmarks.md, 2026-12-06 fifth session).
std::string& input_text() {
  static std::string input;
  return input;
}

std::string& result_text() {
  static std::string result;
  return result;
}

}  // namespace

extern "C" {

// A buffer of `size` bytes for the next call's arguments, or null when memory runs out (pre.js then answers
// with an internal error). Valid until the next call of this function.
EMSCRIPTEN_KEEPALIVE char* vramplan_input(std::size_t size) noexcept {
  try {
    input_text().resize(size);
    return input_text().data();
  } catch (...) {
    return nullptr;
  }
}

// Runs entry point `call` on the arguments in the input buffer (`first`, `second` and `third` bytes, in that
// order; unused ones are 0) and returns its result text, kept until the next call.
EMSCRIPTEN_KEEPALIVE const char* vramplan_call(int call, std::size_t first, std::size_t second, std::size_t third) noexcept {
  const std::string_view all = input_text();
  result_text() = guarded([&] {
    if (first > all.size() || second > all.size() - first || third > all.size() - first - second) {
      return error_envelope(Error{"", "the arguments' lengths exceed the input buffer"}, "internal");
    }
    return run_call(call, std::string(all.substr(0, first)), std::string(all.substr(first, second)),
                    std::string(all.substr(first + second, third)));
  });
  return result_text().c_str();
}

// The byte length of the text vramplan_call last returned.
EMSCRIPTEN_KEEPALIVE std::size_t vramplan_result_size() noexcept { return result_text().size(); }

}  // extern "C"
