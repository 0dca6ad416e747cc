// train.fp8 (docs/scenario.md): the FP8 training recipe and Transformer Engine's amax history length.
#include "scenario_enum.hpp"

namespace vramplan {
namespace {

constexpr NameTable<Fp8Recipe, 6> kFp8Recipes{{{"none", Fp8Recipe::none},
                                               {"te-delayed", Fp8Recipe::te_delayed},
                                               {"te-tensorwise", Fp8Recipe::te_tensorwise},
                                               {"te-mxfp8", Fp8Recipe::te_mxfp8},
                                               {"torchao-tensorwise", Fp8Recipe::torchao_tensorwise},
                                               {"torchao-rowwise", Fp8Recipe::torchao_rowwise}}};

}  // namespace

const char* to_string(Fp8Recipe v) { return name_of(kFp8Recipes, v); }

// TE DelayedScaling.amax_history_len (transformer_engine/common/recipe/__init__.py, default 1024; Megatron-Core
// TransformerConfig.fp8_amax_history_len, same default); read for every recipe so the echo stays complete.
void read_fp8(ObjectReader& r, TrainSettings& t) {
  t.fp8 = read_enum(r, "fp8", kFp8Recipes, t.fp8);
  t.fp8_amax_history_len = r.integer("fp8_amax_history_len", 1, 65536, t.fp8_amax_history_len);
  t.fp8_all_gather = r.boolean("fp8_all_gather", t.fp8_all_gather);
  // Transformer Engine's fp8 parameters replace the 16-bit model weights: Megatron-Core's fp8_param needs the
  // distributed optimizer's fp32 main params ("fp8_param ... must be used together with fp8 mode", the master
  // copy the optimizer steps on), which is mixed-bf16 here.
  const bool te = t.fp8 == Fp8Recipe::te_delayed || t.fp8 == Fp8Recipe::te_tensorwise || t.fp8 == Fp8Recipe::te_mxfp8;
  if (t.fp8_all_gather && te && t.precision != Precision::mixed_bf16) {
    fail(r.pointer_of("fp8_all_gather"),
         "with a Transformer Engine recipe (fp8 parameters) needs train.precision \"mixed-bf16\" (the fp32 master "
         "copy), got precision \"" + std::string(to_string(t.precision)) + "\"");
  }
}

}  // namespace vramplan
