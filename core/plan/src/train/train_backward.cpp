// What a training step's backward holds beside the forward's activations, and the rule that keeps it apart
// from the loss's tensors (train_terms.hpp): the block torch.utils.checkpoint recomputes and bitsandbytes'
// dequantized 4-bit weight. docs/memory-model.md "The loss and the backward".
#include <algorithm>
#include <string>

#include "train_terms.hpp"
#include "vramplan/memory_qlora.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::train {
namespace {

using namespace memory;
using text::format;
using text::gib;

}  // namespace

// QLoRA: bitsandbytes rebuilds one 4-bit weight in the compute dtype per matmul (memory_qlora.hpp). The forward's
// copy is freed before the loss; the backward's sits beside the block being differentiated.
Term dequantized_weight_term(const TrainLayout& l) {
  if (!l.qlora) return {};
  const double largest = largest_block_linear(l.inv);
  return {nf4_dequantized_weight_bytes(l.inv, l.ac.compute, l.ac.tp, true),
          format("largest block linear %.0f weights / tp %.0f x (%.0f B compute dtype + 4 B / kNf4BlockSize(%.0f) fp32 "
                 "absmax): bitsandbytes MatMul4Bit.backward dequantize_4bit(B).to(grad_output.dtype), one at a time",
                 largest, std::max(1.0, l.ac.tp), l.ac.compute, kNf4BlockSize),
          "bitsandbytes dequantized 4-bit weight (backward)"};
}

// The HF Trainer's compute_loss returns the loss alone (transformers trainer.py training_step, return_outputs
// False), so backward frees the logits and the loss's saved tensors node by node (retain_graph False) before it
// reaches the last block; bitsandbytes dequantizes inside a block's backward, and torch.utils.checkpoint
// recomputes a block only when backward reaches it (CheckpointFunction.backward, or the non-reentrant
// saved-tensor hooks). So the loss side (logits line) and the backward side (dequantized weight, recomputed
// block) never coexist: the logits line keeps only what the loss needs beyond the backward side.
namespace {
// The recomputed block is taken apart from the loss only without parameter sharding. Under FSDP / ZeRO-3 the
// measured runs hold more per token than the estimate's lines (docs/validation/accuracy.md, acc8: fms-acceleration's
// Llama-2-70B and Mistral/Mixtral FSDP rows), a mechanism not found in source; counting the block beside the loss
// there stays on the safe side until it is. The final norm's tensors count on both sides (tokens x 4 h B, safe).
bool recompute_apart_from_loss(const TrainLayout& l) {
  return l.t.gradient_checkpointing && l.t.sharding == Sharding::none;
}
}  // namespace

Term logits_beyond_backward(const TrainLayout& l, Term logits, double dequantized) {
  const double block = recompute_apart_from_loss(l) ? recomputed_block_bytes(l) : 0.0;
  const double backward = block + dequantized;
  if (backward <= 0) return logits;
  logits.formula += format(" = %s at the loss, less the backward's %s%s%s: the Trainer's compute_loss returns the "
                           "loss alone, so its tensors are freed before backward reaches the blocks",
                           gib(logits.bytes).c_str(), block > 0 ? "recomputed block " : "",
                           block > 0 ? gib(block).c_str() : "",
                           dequantized > 0 ? format("%sdequantized weight %s", block > 0 ? " + " : "",
                                                    gib(dequantized).c_str()).c_str() : "");
  logits.bytes = std::max(0.0, logits.bytes - backward);
  return logits;
}

Term place_loss(const TrainLayout& l, const LossOptions& loss, Term& gradients, Term& logits) {
  if (l.full) place_gradients(gradients, logits, gradients_made_in_backward(l, loss));
  Term dequantized = dequantized_weight_term(l);
  if (loss.transformers_trainer) logits = logits_beyond_backward(l, std::move(logits), dequantized.bytes);
  return dequantized;
}

}  // namespace vramplan::train
