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

// Reads an enumerated string: the error lists every accepted name. One reader over the names (scenario.cpp) and a
// small wrapper per enum: the template was instantiated once per enum, 1.9 KB of wasm each, and the page's first
// estimate compiled five of them (docs/benchmarks.md "page6").
// -> the index of the name read, `fallback` when the key is absent; `fallback` == count names no default ("?").
std::size_t read_enum_index(ObjectReader& r, std::string_view key, const char* const* names, std::size_t count,
                            std::size_t fallback);

template <class E, std::size_t N>
E read_enum(ObjectReader& r, std::string_view key, const NameTable<E, N>& table, E fallback) {
  std::array<const char*, N> names{};
  std::size_t fallback_at = N;
  for (std::size_t i = 0; i < N; ++i) {
    names[i] = table[i].first;
    if (table[i].second == fallback && fallback_at == N) fallback_at = i;
  }
  const std::size_t at = read_enum_index(r, key, names.data(), N, fallback_at);
  return at < N ? table[at].second : fallback;
}

// train.fp8 and train.fp8_amax_history_len (scenario_fp8.cpp).
void read_fp8(ObjectReader& r, TrainSettings& t);
// train.fsdp_version and train.gradient_checkpointing_reentrant (scenario_fsdp.cpp).
void read_fsdp(ObjectReader& r, TrainSettings& t);
// train.fp8*, the FSDP keys and train.loss_kernel, in that order (scenario_loss.cpp).
void read_train_extras(ObjectReader& r, TrainSettings& t);
// train.optimizer_in_backward, after train.method and train.gradient_accumulation_steps (scenario_optimizer.cpp).
void read_optimizer_in_backward(ObjectReader& r, TrainSettings& t);
// A release key ("latest" or major.minor[.patch], scenario_version.cpp); `what` names an example for the error.
ReleaseVersion read_release_version(ObjectReader& r, const char* key, const char* what);

}  // namespace vramplan
