// libFuzzer harness: a catalog model id as raw bytes (any length, any bytes: `vramplan params
// --model ID` and the module's paramsForModel(id) pass the user's text straight through) into
// api::params_from_catalog_id, and the same id as a scenario's model and gpu.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"

using namespace vramplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string id(reinterpret_cast<const char*>(data), size);
  fuzz::check_result(api::params_from_catalog_id(id));

  // As JSON strings the ids must be valid UTF-8 (nlohmann checks when serialising, not here).
  const Json as_model{{"model", id}};
  fuzz::check_result(api::scenario_from_json(as_model));
  const Json as_gpu{{"model", "Qwen/Qwen2.5-0.5B-Instruct"}, {"gpu", id}};
  fuzz::check_result(api::scenario_from_json(as_gpu));
  fuzz::check_result(api::config(as_model, id));  // the id as the --format value too
  return 0;
}
