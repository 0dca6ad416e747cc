#pragma once
// Enumerated scenario strings (internal to core/scenario): a name table per enum, the name of a value, the
// list of names for the schema, and the reader whose error lists every accepted name.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "vramplan/json_reader.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<const char*, E>, N>;

template <class E, std::size_t N>
const char* name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "?";
}

template <class E, std::size_t N>
Json names_of(const NameTable<E, N>& table) {
  Json names = Json::array();
  for (const auto& [name, value] : table) names.push_back(name);
  return names;
}

// Reads an enumerated string: the error lists every accepted name.
template <class E, std::size_t N>
E read_enum(ObjectReader& r, std::string_view key, const NameTable<E, N>& table, E fallback) {
  if (r.schema_recorder()) r.describe(key, Json{{"type", "enum"}, {"options", names_of(table)}, {"default", name_of(table, fallback)}});
  const Json* v = r.find(key);
  if (!v) return fallback;
  if (v->is_string()) {
    for (const auto& [name, value] : table) {
      if (v->get_ref<const std::string&>() == name) return value;
    }
  }
  std::string accepted;
  for (const auto& [name, value] : table) accepted += (accepted.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  fail(r.pointer_of(key), "must be one of " + accepted + ", got " + describe_value(*v));
}

// train.fp8 and train.fp8_amax_history_len (scenario_fp8.cpp).
void read_fp8(ObjectReader& r, TrainSettings& t);
// train.fsdp_version and train.gradient_checkpointing_reentrant (scenario_fsdp.cpp).
void read_fsdp(ObjectReader& r, TrainSettings& t);
// train.optimizer_in_backward, after train.method and train.gradient_accumulation_steps (scenario_optimizer.cpp).
void read_optimizer_in_backward(ObjectReader& r, TrainSettings& t);
// A release key ("latest" or major.minor[.patch], scenario_version.cpp); `what` names an example for the error.
ReleaseVersion read_release_version(ObjectReader& r, const char* key, const char* what);

}  // namespace vramplan
