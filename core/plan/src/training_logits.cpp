// The training loss's logits per log-prob kernel (training_logits.hpp).
#include "training_logits.hpp"

#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {

using text::format;

LogitsTerm training_logits(LogprobKernel kernel, double tokens, double vocab, std::int64_t tp, double compute) {
  const char* split = tp > 1 ? " / tp" : "";
  const double local_vocab = vocab / static_cast<double>(tp);
  switch (kernel) {
    case LogprobKernel::fused:
      return {memory::fused_logprob_training_bytes(tokens, local_vocab, compute), "Logits and log-prob loss (fused kernel)",
              format("%.0f tokens x %.0f vocab%s x %.0f B x (logits + kFusedLogitGradCopies %.0f gradients)", tokens, vocab,
                     split, compute, memory::kFusedLogitGradCopies)};
    case LogprobKernel::selective:
      return {memory::selective_logprob_training_bytes(tokens, local_vocab),
              "Logits and log-prob loss (selective log-softmax, fp32)",
              format("%.0f logit positions x %.0f vocab%s x kSelectiveLogitBytes %.0f B x kSelectiveLogitCopies %.0f "
                     "(TRL selective_log_softmax, one sequence at a time)",
                     tokens, vocab, split, memory::kSelectiveLogitBytes, memory::kSelectiveLogitCopies)};
    case LogprobKernel::naive: break;
  }
  return {memory::logits_training_bytes(tokens, local_vocab, compute), "Logits and cross-entropy",
          format("%.0f tokens x %.0f vocab%s x (%.0f B logits + kCrossEntropyFp32Copies %.0f x 4 B)", tokens, vocab, split,
                 compute, memory::kCrossEntropyFp32Copies)};
}

}  // namespace vramplan
