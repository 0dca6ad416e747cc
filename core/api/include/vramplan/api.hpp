#pragma once
// The contract's operations as JSON in, JSON out. The CLI (--json) and the WebAssembly module both
// call these, so the two can never disagree. Nothing here throws; errors come back as values.
#include <optional>
#include <string>
#include <string_view>

#include "vramplan/error.hpp"
#include "vramplan/framework_import.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan::api {

// `params`: a raw config.json document, or {"model": "<catalog id>"}.
Expected<Json> params_from_config(const Json& config);
Expected<Json> params_from_catalog_id(std::string_view id);

// `models` and `gpus`: the catalogs as the contract's listing documents.
Expected<Json> models();
Expected<Json> gpus();
// The scenario schema: every key with its type, range, options, default, workloads and condition, the
// rules between keys, the workloads and the config formats (docs/CONTRACT.md "schema").
Expected<Json> schema();

// Parses text as JSON, reporting a syntax error as an Error at pointer "" (the document).
Expected<Json> parse_json_text(std::string_view text);

// `estimate`, `recommend`, `config`: a scenario document; an invalid one is an Error naming the field.
Expected<Json> estimate(const Json& scenario);
Expected<Json> recommend(const Json& scenario);
// `recommend --sort cost|time|gpus`: the same document ranked by cost per run (the default), time per
// run or min_gpus; any other `sort` is an Error at "--sort". (A separate name so that `recommend`
// stays one function for the callers that take its address.)
Expected<Json> recommend_sorted(const Json& scenario, std::string_view sort);
// estimate() is exactly estimate_without_constants() with "constants" set to estimate_constants(),
// the list of empirical constants (the same for every scenario, built once).
Expected<Json> estimate_without_constants(const Json& scenario);
const Json& estimate_constants();
// estimate()'s document as compact text appended to `out`: exactly to_text(estimate(scenario).value()),
// byte for byte, written straight from the estimate without building the Json (the WebAssembly module's
// estimate, wasm/bindings.cpp). One writer gives both (core/api/src/api_sink.hpp). On an Error nothing
// is appended.
std::optional<Error> append_estimate_text(std::string& out, const Json& scenario);
// `estimate --sweep KEY=V1,V2,...`: the scenario estimated once per value of one setting (a dotted
// path such as "train.micro_batch_size"), with the activation memory, the total per GPU and the
// catalog GPUs each point fits on. At most 256 values.
Expected<Json> sweep(const Json& scenario, std::string_view assignment);

// `config` returns the document's text (YAML, or a shell command line for "trl").
Expected<std::string> config(const Json& scenario, std::string_view format);

// A result document as compact JSON text: exactly document.dump(-1, ' ', false,
// Json::error_handler_t::replace), byte for byte, written faster (plain ASCII strings are copied whole).
// append_text appends it to `out`.
std::string to_text(const Json& document);
void append_text(std::string& out, const Json& document);

// `import`: a framework config read back (vramplan/framework_import.hpp). `document`: {format, scenario,
// warnings, unmapped, estimate, suggestions (each with its framework key edits), fix (the edits --fix
// applies)}; a scenario the core rejects comes back with "error" instead of the estimate. `fixed`: the
// input with the fix applied, for the adapters to print in the framework's own form.
struct ImportOutcome {
  Json document;
  config::ImportInput input;
  config::ImportInput fixed;
};
Expected<ImportOutcome> import_config(std::string_view format, const config::ImportInput& input);

// Shared by the operations: parse and validate a scenario against the embedded catalog.
Expected<Scenario> scenario_from_json(const Json& scenario);

}  // namespace vramplan::api
