// The WebAssembly adapter: the contract's operations (CONTRACT.md) as embind functions taking and
// returning JSON text. No logic lives here; every function calls one of vramplan::api and wraps its
// Expected<> into a JSON envelope:
//
//   {"ok": true,  "value": <the operation's result document>}
//   {"ok": false, "error": {"pointer": "/train/micro_batch_size", "message": "...",
//                           "kind": "invalid_input" | "not_implemented" | "internal",
//                           "line": "error: /train/micro_batch_size: ..."}}
//
// Nothing thrown inside crosses into JavaScript: every entry point catches everything (the core is
// compiled with -fexceptions, toolchain.md pitfall 8), so no input can abort the module.
#include <emscripten/bind.h>

#include <exception>
#include <string>
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
    case ErrorKind::not_implemented: return "not_implemented";
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

template <class T>
std::string envelope(const Expected<T>& result) {
  if (!result.ok()) return error_envelope(result.error());
  return dump(Json{{"ok", true}, {"value", result.value()}});
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

std::string estimate(const std::string& scenario) { return with_document(scenario, api::estimate); }

std::string recommend(const std::string& scenario) { return with_document(scenario, api::recommend); }

// `estimate --sweep KEY=V1,V2,...`: one estimate per value of one setting.
std::string sweep(const std::string& scenario, const std::string& assignment) {
  return with_document(scenario, [&](const Json& document) { return api::sweep(document, assignment); });
}

std::string config(const std::string& scenario, const std::string& format) {
  return with_document(scenario, [&](const Json& document) { return api::config(document, format); });
}

// `params` of a raw Hugging Face config.json text.
std::string params(const std::string& config_json) { return with_document(config_json, api::params_from_config); }

// `params --model ID`: a catalog id (matched case-insensitively).
std::string params_for_model(const std::string& id) {
  return guarded([&] { return envelope(api::params_from_catalog_id(id)); });
}

std::string models() { return guarded([] { return envelope(api::models()); }); }

std::string gpus() { return guarded([] { return envelope(api::gpus()); }); }

std::string version() { return VRAMPLAN_VERSION; }

}  // namespace

EMSCRIPTEN_BINDINGS(vramplan) {
  emscripten::function("estimate", &estimate);
  emscripten::function("recommend", &recommend);
  emscripten::function("sweep", &sweep);
  emscripten::function("config", &config);
  emscripten::function("params", &params);
  emscripten::function("paramsForModel", &params_for_model);
  emscripten::function("models", &models);
  emscripten::function("gpus", &gpus);
  emscripten::function("version", &version);
}
