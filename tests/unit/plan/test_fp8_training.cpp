// FP8 training (train.fp8, core/memory/src/memory_fp8.cpp): Transformer Engine keeps fp8 copies of the block
// linears' inputs and weights and (DelayedScaling) an amax history per fp8 tensor; torchao keeps the
// high-precision tensors, so only the time model changes. Numbers by hand for Qwen2.5-0.5B: hidden 896, 24
// layers, 14 heads of 64 (q 896), 2 kv heads (kv 128), MLP 4864, vocab 151,936 (tied); per layer the block
// linears hold q 896^2 + k, v 896 x 128 + o 896^2 + gate, up, down 896 x 4864 = 14,909,440 weights, 357,826,560
// over the 24 layers, in 7 x 24 = 168 GEMMs.
#include <doctest/doctest.h>

#include <string>

#include "plan/estimate_test_support.hpp"

using vramplan::Json;
using vramplan::estimate_test::component;
using vramplan::estimate_test::error_line;
using vramplan::estimate_test::has_warning;
using vramplan::estimate_test::run;

namespace {

constexpr double kLinears = 357'826'560;
constexpr double kLmHead = 151'936.0 * 896;

Json train(const std::string& extra, const char* gpu = "H100-SXM-80GB") {
  return run(std::string(R"({"model": "Qwen/Qwen2.5-0.5B", "gpu": ")") + gpu +
             R"(", "train": {"micro_batch_size": 1, "seq_len": 1024)" + extra + "}}");
}

bool assumes(const Json& result, const std::string& part) {
  for (const Json& a : result.at("time").at("assumptions")) {
    if (a.get<std::string>().find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("te-delayed: fp8 weight copies, amax histories, linear inputs saved in fp8") {
  const Json none = train("");
  const Json te = train(R"(, "fp8": "te-delayed")");
  // Row-wise + column-wise fp8 weight of every block linear, saved until backward: 2 B each.
  CHECK(component(te, "fp8_weight_copies") == doctest::Approx(2.0 * kLinears));
  CHECK(component(none, "fp8_weight_copies", -1) == -1);
  // 168 GEMMs x 5 fp8 tensors x (1024 fp32 amax values + scale + scale_inv) = 3,447,360 B.
  CHECK(component(te, "fp8_scaling_state") == doctest::Approx(168.0 * 5 * (1024 * 4 + 8)));
  const Json short_history = train(R"(, "fp8": "te-delayed", "fp8_amax_history_len": 16)");
  CHECK(component(short_history, "fp8_scaling_state") == doctest::Approx(168.0 * 5 * (16 * 4 + 8)));
  // Per token and layer the q/k/v input (896), the gate/up input (896) and down_proj's input (4864) drop from
  // 2 B to 1 B, and o_proj adds a 1 B copy of the attention output (896): 6,656 - 896 = 5,760 B less, over
  // 24 layers and 1,024 tokens.
  CHECK(component(none, "activations") - component(te, "activations") == doctest::Approx(5760.0 * 24 * 1024));
  // TE's linears are not autocast ops: only the lm_head's 16-bit copy is left in the autocast cache.
  CHECK(component(none, "autocast_cache") == doctest::Approx(2.0 * (kLinears + kLmHead)));
  CHECK(component(te, "autocast_cache") == doctest::Approx(2.0 * kLmHead));
  // Weights, gradients and optimizer states keep train.precision's dtypes.
  for (const char* id : {"weights", "gradients", "optimizer"}) CHECK(component(te, id) == component(none, id));
  // On the H100 the GEMMs run at the fp8 peak with the fp8 MFU band.
  CHECK(te.at("time").at("utilisation").get<double>() == doctest::Approx(0.25));
  CHECK(assumes(te, "train.fp8 te-delayed: GEMMs at the GPU's fp8 peak (1979 TFLOP/s)"));
}

TEST_CASE("te-tensorwise keeps no amax history; te-mxfp8 adds one E8M0 scale per 32 values") {
  const Json none = train("");
  const Json current = train(R"(, "fp8": "te-tensorwise")");
  CHECK(component(current, "fp8_scaling_state", -1) == -1);
  CHECK(component(current, "fp8_weight_copies") == doctest::Approx(2.0 * kLinears));
  const Json mx = train(R"(, "fp8": "te-mxfp8")");
  const double b = 1.0 + 1.0 / 32;  // 1.03125 B per value
  CHECK(component(mx, "fp8_weight_copies") == doctest::Approx(2.0 * b * kLinears));
  CHECK(component(none, "activations") - component(mx, "activations") ==
        doctest::Approx((6656.0 * (2 - b) - 896.0 * b) * 24 * 1024));
}

TEST_CASE("torchao keeps the high-precision input and weight: memory unchanged, time at the fp8 peak") {
  const Json none = train("");
  for (const char* recipe : {"torchao-tensorwise", "torchao-rowwise"}) {
    const Json ao = train(std::string(R"(, "fp8": ")") + recipe + "\"");
    CHECK(ao.at("per_gpu").at("device_bytes") == none.at("per_gpu").at("device_bytes"));
    CHECK(component(ao, "fp8_weight_copies", -1) == -1);
    CHECK(ao.at("time").at("tokens_per_second").at("value").get<double>() >
          none.at("time").at("tokens_per_second").at("value").get<double>());
  }
  // An A100 has no fp8 tensor cores: the bf16 peak stays and the assumption says why.
  const Json a100 = train(R"(, "fp8": "torchao-tensorwise")", "A100-SXM-80GB");
  CHECK(assumes(a100, "the GPU has no fp8 tensor cores"));
  CHECK(a100.at("time").at("tokens_per_second").at("value") ==
        train("", "A100-SXM-80GB").at("time").at("tokens_per_second").at("value"));
}

TEST_CASE("fp8 under ZeRO-3 keeps one gathered block's copies; qlora ignores it; bad recipes are refused") {
  // Qwen2 block: 14,909,440 linear weights + q/k/v biases 1,152 + two norms 1,792 = 14,912,384 parameters.
  const Json z3 = run(R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 4, "train": {"sharding": "zero3",
    "micro_batch_size": 1, "seq_len": 1024, "fp8": "te-delayed"}})");
  CHECK(component(z3, "fp8_weight_copies") == doctest::Approx(2.0 * 14'912'384));
  const Json q = train(R"(, "method": "qlora", "fp8": "te-delayed")");
  CHECK(has_warning(q, "train.fp8 is ignored with qlora"));
  CHECK(q.at("per_gpu").at("device_bytes") == train(R"(, "method": "qlora")").at("per_gpu").at("device_bytes"));
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"fp8": "e4m3"}})").find("/train/fp8: must be one of "
                                                                                       "\"none\", \"te-delayed\"") !=
        std::string::npos);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"fp8_amax_history_len": 0}})").find(
            "/train/fp8_amax_history_len") != std::string::npos);
}

TEST_CASE("fp8_all_gather: the gathered block in fp8 (torchao FSDP2), TE's fp8 parameters; errors and no-op warnings") {
  const std::string base = R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 4, "train": {"sharding": "fsdp",
    "precision": "mixed-bf16", "micro_batch_size": 1, "seq_len": 1024)";
  const Json ao = run(base + R"(, "fp8": "torchao-tensorwise"}})");
  const Json ao_gather = run(base + R"(, "fp8": "torchao-tensorwise", "fp8_all_gather": true}})");
  // Gathered: root 136,134,656 x (2 + 2) + block 14,912,384 x (2 units x 2 B + 2 B gradient); with fp8 all-gather
  // each unit's 14,909,440 linear weights arrive in 1 B (the 2,944 norm and bias params stay 2 B):
  // 2 units x 14,909,440 x (2 - 1) = 29,818,880 B less.
  const double root = 151'936.0 * 896, block = 14'912'384;
  CHECK(component(ao, "gathered_params") == doctest::Approx(root * 4 + block * 6));
  CHECK(component(ao, "gathered_params") - component(ao_gather, "gathered_params") == doctest::Approx(2.0 * kLinears / 24));
  // torchao's fp8 all-gather is FSDP2's: no FSDP1 record_stream frees, no FSDP1 warning.
  CHECK(component(ao, "fsdp_pending_frees") == doctest::Approx(2.0 * block * 2));
  CHECK(component(ao_gather, "fsdp_pending_frees", -1) == -1);
  CHECK(has_warning(ao, "counted as FSDP1"));
  CHECK_FALSE(has_warning(ao_gather, "counted as FSDP1"));
  for (const char* id : {"weights", "gradients", "optimizer", "activations"}) CHECK(component(ao_gather, id) == component(ao, id));

  // Transformer Engine fp8 parameters: the 357,826,560 block-linear weights stored in 1 B instead of 2, sharded
  // over 4 ranks; the fp8 weight copies keep only the column-wise copy (1 B) of the gathered block.
  const Json te = run(base + R"(, "fp8": "te-tensorwise"}})");
  const Json te_params = run(base + R"(, "fp8": "te-tensorwise", "fp8_all_gather": true}})");
  CHECK(component(te, "weights") - component(te_params, "weights") == doctest::Approx(kLinears / 4));
  CHECK(component(te, "fp8_weight_copies") == doctest::Approx(2.0 * block));
  CHECK(component(te_params, "fp8_weight_copies") == doctest::Approx(1.0 * block));
  CHECK(component(te, "gathered_params") - component(te_params, "gathered_params") == doctest::Approx(2.0 * kLinears / 24));
  for (const char* id : {"master_weights", "gradients", "optimizer"}) CHECK(component(te_params, id) == component(te, id));

  // TE's fp8 parameters need the fp32 master (mixed-bf16); rowwise torchao and no fp8 ignore the key, with a warning.
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"precision": "amp-bf16", "fp8": "te-delayed",
    "fp8_all_gather": true}})").find("/train/fp8_all_gather: with a Transformer Engine recipe") != std::string::npos);
  const Json rowwise = run(base + R"(, "fp8": "torchao-rowwise", "fp8_all_gather": true}})");
  CHECK(has_warning(rowwise, "/train/fp8_all_gather is set but has no effect"));
  CHECK(rowwise.at("per_gpu") == run(base + R"(, "fp8": "torchao-rowwise"}})").at("per_gpu"));
}
