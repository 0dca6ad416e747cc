// FP8 training (train.fp8): what the GEMMs' fp8 casts keep beyond train.precision's weights, gradients and
// optimizer states, which every recipe leaves in their dtypes (master weights stay bf16/fp32, gradients and
// Adam states too: TE casts copies for the GEMMs; torchao's Float8Linear keeps nn.Linear's parameter).
//
// Transformer Engine (transformer_engine/pytorch/module/linear.py _Linear.forward, TE 2.x):
//   - the linear's input is quantized for the forward GEMM; for backward only the column-wise (transposed)
//     data is kept ("Discard row-wise data since it is not needed in backward pass": update_usage(
//     rowwise_usage=False, columnwise_usage=True)), 1 byte per element, for the weight gradient;
//   - the quantized weight (weightmat) is saved for backward, with row-wise data for the forward GEMM and
//     column-wise data for the data gradient (Hopper's fp8 GEMMs take only the TN layout): 2 bytes per weight;
//     under FSDP2 it is not saved (re-quantized in backward, TE issue #2681), so a sharded model keeps none;
//   - DelayedScaling (transformer_engine/common/recipe/__init__.py, amax_history_len default 1024) keeps an
//     fp32 amax history per fp8 tensor; Float8CurrentScaling computes the scale from the tensor itself;
//   - MXFP8BlockScaling adds one E8M0 byte per 32 values to every quantized copy.
// torchao (torchao/float8/float8_linear.py matmul_with_hp_or_float8_args.forward:
//   ctx.save_for_backward(input_hp, weight_hp_t)) keeps the high-precision input and weight and casts them
//   again in backward: nothing persists beyond what nn.Linear keeps (NeMo Automodel's fp8 recipe, torchtitan).
#include "vramplan/memory.hpp"

namespace vramplan::memory {

Fp8Layout fp8_layout(Fp8Recipe recipe) {
  const double mx = 1.0 + 1.0 / kMxfp8BlockSize;
  switch (recipe) {
    case Fp8Recipe::te_delayed: return {1.0, 2.0, true};
    case Fp8Recipe::te_tensorwise: return {1.0, 2.0, false};
    case Fp8Recipe::te_mxfp8: return {mx, 2.0 * mx, false};
    case Fp8Recipe::none:
    case Fp8Recipe::torchao_tensorwise:
    case Fp8Recipe::torchao_rowwise: break;
  }
  return {};
}

// torchao's fp8 all-gather (torchao/float8/fsdp_utils.py WeightWithDynamicFloat8CastTensor.fsdp_pre_all_gather:
// the shard is cast to float8 before FSDP2's all-gather, the unsharded weight is a Float8TrainingTensor) exists for
// tensorwise scaling only; Transformer Engine's fp8 parameters (Float8Tensor / MXFP8Tensor) gather their row-wise
// data. Either way the gathered block holds 1 B per linear weight (MXFP8: + its block scales).
double fp8_gathered_bytes(Fp8Recipe recipe) {
  switch (recipe) {
    case Fp8Recipe::te_delayed:
    case Fp8Recipe::te_tensorwise:
    case Fp8Recipe::torchao_tensorwise: return 1.0;
    case Fp8Recipe::te_mxfp8: return 1.0 + 1.0 / kMxfp8BlockSize;
    case Fp8Recipe::none:
    case Fp8Recipe::torchao_rowwise: break;
  }
  return 0;
}

bool fp8_is_transformer_engine(Fp8Recipe recipe) {
  return recipe == Fp8Recipe::te_delayed || recipe == Fp8Recipe::te_tensorwise || recipe == Fp8Recipe::te_mxfp8;
}

double fp8_scaling_state_bytes(double gemms, double history) {
  return gemms * kTeFp8TensorsPerGemm * (history * 4.0 + 2.0 * 4.0);
}

}  // namespace vramplan::memory
