#pragma once
// The generic counter of config.json files whose model_type has no exact reader (hf_generic.cpp).
#include <cstdint>
#include <functional>

#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// Reads a text_config with the exact reader of its own model_type; false when it has none.
using TextReader = std::function<bool(ObjectReader& text_config, ModelConfig& m)>;

// Fills `m` from the standard keys of `top` (and its text_config / vision_config / audio_config), sets
// m.counter = "generic" and lists every assumption in m.count_assumptions. Throws InputError naming a
// missing essential key (hidden size, layers, heads, vocabulary).
void parse_generic(ObjectReader& top, ModelConfig& m, const TextReader& exact_text_reader);

}  // namespace vramplan::hf
