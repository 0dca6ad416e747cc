#pragma once
// Exact parameter counts from a model's architecture.
#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/error.hpp"
#include "vramplan/model.hpp"

namespace vramplan {

struct ParamGroup {
  std::string id;      // "embedding", "lm_head", "layers", "final_norm", "vision", ...
  std::int64_t params = 0;
};

struct ParamCounts {
  std::int64_t total = 0;          // every parameter, counted once (tied embeddings once)
  std::int64_t embedding = 0;      // input token embeddings (+ position/token-type tables) and an untied LM head
  std::int64_t non_embedding = 0;  // total - embedding
  std::int64_t per_layer = 0;      // one text-stack block (the largest one for MoE models with dense first layers)
  std::int64_t active = 0;         // used per token: total minus the routed experts not selected (MoE)
  std::int64_t largest_layer = 0;  // biggest single block (for ZeRO-3/FSDP all-gather estimates)
  // Routed experts (MoE): all of them over every MoE layer, and those of one MoE layer. Expert
  // parallelism divides these and not the rest (shared experts, router, attention stay dense).
  std::int64_t routed_experts = 0;
  std::int64_t routed_experts_per_layer = 0;
  std::vector<ParamGroup> groups;  // where the total comes from; sums to total
};

// One dense block of `stack` (attention, cross attention if any, norms, MLP of intermediate_size), for
// towers whose blocks are counted from a generic description. Throws InputError on overflow.
std::int64_t dense_block_params(const TransformerStack& stack);

// Parameters of one norm over `dim` features (RMSNorm: weight; LayerNorm: weight and bias).
std::int64_t norm_params(NormKind kind, std::int64_t dim);

// Fails only when a count would overflow 64-bit integers (absurd configs).
Expected<ParamCounts> count_params(const ModelConfig& model);

}  // namespace vramplan
