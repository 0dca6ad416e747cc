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
}

}  // namespace vramplan
