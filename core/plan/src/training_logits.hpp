#pragma once
// The training loss's logits line: its bytes and its formula text together, per log-prob kernel
// (language-model cross-entropy, RL's fused kernel, TRL's selective log-softmax). docs/memory-model.md
// "Logits and loss" and "RL: Log-prob kernels".
#include <cstdint>
#include <string>

#include "vramplan/scenario.hpp"

namespace vramplan {

struct LogitsTerm {
  double bytes = 0;
  std::string label;
  std::string formula;
};

// `tokens`: positions with logits on one GPU; `vocab`: the whole vocabulary (split by tp inside);
// `compute`: bytes of the compute dtype (the model's logits).
LogitsTerm training_logits(LogprobKernel kernel, double tokens, double vocab, std::int64_t tp, double compute);

}  // namespace vramplan
