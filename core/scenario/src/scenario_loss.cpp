// train.loss_kernel (docs/scenario.md): which implementation computes the train workload's language-model loss,
// and so what it keeps of the [tokens x vocab] logits (docs/memory-model.md "Logits and loss"). "full" is the HF
// Trainer's default (transformers' ForCausalLMLoss over every position's logits) and the estimate's behaviour
// before the key existed; "chunked" is TRL's SFTTrainer loss_type "chunked_nll" (TRL 1.4 and later; the SFT
// default from TRL 1.7, trl/trainer/sft_config.py __post_init__); "fused" is Liger's fused linear cross-entropy
// (use_liger_kernel=True in transformers' TrainingArguments / TRL's configs). RL policies compute their log-probs
// their own way (rl.logprob_kernel), so the schema offers this key to the train workload only.
#include "scenario_enum.hpp"

namespace vramplan {
namespace {

constexpr NameTable<LossKernel, 3> kLossKernels{
    {{"full", LossKernel::full}, {"chunked", LossKernel::chunked}, {"fused", LossKernel::fused}}};

}  // namespace

const char* to_string(LossKernel v) { return name_of(kLossKernels, v); }

void read_train_extras(ObjectReader& r, TrainSettings& t) {
  read_fp8(r, t);
  read_fsdp(r, t);
  t.loss_kernel = read_enum(r, "loss_kernel", kLossKernels, t.loss_kernel);
}

}  // namespace vramplan
