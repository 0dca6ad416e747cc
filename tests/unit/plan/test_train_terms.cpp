// The training breakdown's lines compute their bytes and their formula text together
// (core/plan/src/train/train_terms.hpp): the text states the numbers the bytes were computed from. Each
// case is a line whose text once disagreed with its arithmetic (issue 15), checked through api::estimate.
#include <doctest/doctest.h>

#include <string>

#include "rl_test_support.hpp"
#include "vramplan/api.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

namespace {

const Json& line(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c;
  }
  FAIL("no component " << id);
  static const Json kNone;
  return kNone;
}

bool says(const Json& component, const std::string& text) {
  const std::string formula = component.at("formula").get<std::string>();
  INFO(formula);
  return formula.find(text) != std::string::npos;
}

bool has_component(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return true;
  }
  return false;
}

// The loss at its peak: the logits line plus the backward's side it leaves out on one unsharded GPU with
// checkpointing (core/plan/src/train/train_backward.cpp): the recomputed block, read from the activations line's
// "(N B/token)", over `tokens`, and bitsandbytes' dequantized weight (QLoRA).
double at_loss(const Json& result, double tokens) {
  const std::string f = line(result, "activations").at("formula").get<std::string>();
  const std::size_t end = f.find(" B/token)"), start = f.rfind('(', end);
  REQUIRE(end != std::string::npos);
  double loss = line(result, "logits").at("bytes").get<double>() + tokens * std::stod(f.substr(start + 1, end - start - 1));
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == "dequantized_weight") loss += c.at("bytes").get<double>();
  }
  return loss;
}

double trainable(const Json& result) { return result.at("model").at("params_trainable").get<double>(); }

}  // namespace

TEST_CASE("checkpointed LoRA activations name the residual stream's element size the bytes use") {
  // Qwen2.5-7B: 28 layers, hidden 3584; 1 x 1024 tokens. Under AMP a 16-bit LoRA base keeps a 16-bit
  // residual stream (2 B per checkpointed element); an fp32 base keeps 4 B.
  auto with = [](const char* lora) {
    return rl_test::api_estimate(std::string(R"({"model": "Qwen/Qwen2.5-7B", "train": {"method": "lora", "precision": "amp-bf16",
      "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true)") + lora + "}}");
  };
  const Json base16 = with("");
  const Json base32 = with(R"(, "lora": {"base_dtype": "fp32"})");
  CHECK(says(line(base16, "activations"), "1024 tokens x 28 layers x 3584 h x 2 B (checkpointed block inputs)"));
  CHECK(says(line(base32, "activations"), "1024 tokens x 28 layers x 3584 h x 4 B (checkpointed block inputs)"));
  CHECK(line(base32, "activations").at("bytes").get<double>() - line(base16, "activations").at("bytes").get<double>() ==
        doctest::Approx(1024.0 * 28 * 3584 * 2));
}

TEST_CASE("DDP buckets state the tensor-parallel split their bytes have") {
  // Full training, amp-bf16 (4 B gradients), no sharding, 4 GPUs at tp 2: dp 2, buckets = params x 4 / 2.
  const Json r = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 4, "train": {"tp": 2, "micro_batch_size": 1,
    "seq_len": 256}})");
  const Json& ddp = line(r, "ddp_buckets");
  CHECK(ddp.at("bytes").get<double>() == doctest::Approx(trainable(r) * 4.0 / 2.0).epsilon(1e-12));
  CHECK(says(ddp, "params x 4 B / (tp x pp = 2)"));
}

TEST_CASE("the optimizer step's temporaries state the tensor-parallel split their bytes have") {
  // Full training with AdamW at 1 x 64 tokens: the foreach step's exp_avg_sq-sized temporary (4 B per
  // trainable parameter, / tp 2) is the peak's transient.
  const Json r = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-7B", "gpus": 2, "train": {"tp": 2, "micro_batch_size": 1,
    "seq_len": 64}})");
  const Json& step = line(r, "optimizer_step");
  CHECK(step.at("bytes").get<double>() ==
        doctest::Approx(memory::kAdamForeachTempStates * trainable(r) * 4.0 / 2.0).epsilon(1e-12));
  CHECK(says(step, "params x 4 B / (tp x pp = 2) / dp-shard 1"));
}

TEST_CASE("QLoRA's unquantized weights are counted and described in the compute dtype") {
  // precision fp32 is BitsAndBytesConfig's default compute dtype (float32): the rest is 4 B, not 2 B.
  const Json fp32 = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "qlora", "precision": "fp32"}})");
  const Json bf16 = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "qlora", "precision": "bf16"}})");
  CHECK(says(line(fp32, "weights"), "(embeddings, lm_head, norms) x 4 B"));
  CHECK(says(line(bf16, "weights"), "(embeddings, lm_head, norms) x 2 B"));
  // The same quantized part; the rest doubles.
  const double rest = fp32["model"]["params"].get<double>() - 357826560.0;
  CHECK(line(fp32, "weights").at("bytes").get<double>() - line(bf16, "weights").at("bytes").get<double>() ==
        doctest::Approx(rest * 2.0));
}

TEST_CASE("FSDP QLoRA: the quant state stays whole on every rank, the root unit stays unsharded") {
  // Llama-2-70B: 80 blocks of 855,638,016 linear params (q, o 8192^2; k, v 8192 x 1024; MLP 3 x 8192 x
  // 28672) = 68,451,041,280 NF4 weights; a block with its 2 norms is 855,654,400; 2 x 32000 x 8192
  // embedding + lm_head and 161 x 8192 norms stay 16-bit.
  const double nf4 = 68451041280.0, plain = 525606912.0, block = 855654400.0, root = 2.0 * 32000 * 8192;
  const double state = memory::nf4_bytes_per_param(true) - 0.5;  // absmax + double-quantized absmax
  auto with = [](int gpus, const char* sharding) {
    return rl_test::api_estimate(std::string(R"({"model": "meta-llama/Llama-2-70b-hf", "gpus": )") + std::to_string(gpus) +
               R"(, "train": {"method": "qlora", "precision": "amp-bf16", "micro_batch_size": 1, "seq_len": 512,
      "gradient_checkpointing": true, "sharding": ")" + sharding + R"("}})");
  };
  const Json one = with(1, "none"), fsdp = with(2, "fsdp");
  CHECK(line(one, "weights").at("bytes").get<double>() ==
        doctest::Approx(nf4 * memory::nf4_bytes_per_param(true) + plain * 2).epsilon(1e-9));
  // The codes and the 16-bit rest are split in two; the quant state (a Params4bit attribute, not a
  // parameter) is not.
  CHECK(line(fsdp, "weights").at("bytes").get<double>() ==
        doctest::Approx((nf4 * 0.5 + plain * 2) / 2 + nf4 * state).epsilon(1e-9));
  CHECK(says(line(fsdp, "weights"), "the quant state"));
  // The root unit (embeddings + lm_head, 16-bit) whole, beside 2 gathered blocks of 4-bit codes.
  CHECK(line(fsdp, "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(root * 2 + block * memory::kGatheredUnits * 0.5).epsilon(1e-9));
  CHECK(says(line(fsdp, "gathered_params"), "FSDP root unit 524288000 params"));
}

TEST_CASE("FSDP QLoRA with CPU offload: the quant state, the root unit and the gathered blocks stay on the GPU") {
  // Llama-2-70B as above, 2 GPUs, offload_params. FSDP1's CPUOffload moves each FlatParameter shard to host;
  // the quant state (not a parameter) stays whole on the GPU: 68,451,041,280 x (1/64 + 4/(64 x 256)) =
  // 1,069,547,520 + 16,711,680 = 1,086,259,200 B. The root unit (2 x 32000 x 8192 x 2 B =
  // 1,048,576,000 B) and 2 blocks of 4-bit codes (2 x 855,654,400 x 0.5 = 855,654,400 B) are gathered onto the
  // GPU as without offload, and FSDP1 frees the blocks with record_stream: 2 x 855,654,400 x 0.5 B reserved.
  const double nf4 = 68451041280.0, plain = 525606912.0, block = 855654400.0, root = 2.0 * 32000 * 8192;
  auto with = [](const char* offload) {
    return rl_test::api_estimate(std::string(R"({"model": "meta-llama/Llama-2-70b-hf", "gpus": 2, "train": {"method": "qlora",
      "precision": "amp-bf16", "micro_batch_size": 1, "seq_len": 512, "gradient_checkpointing": true,
      "sharding": "fsdp", "offload_params": )") + offload + "}}");
  };
  const Json off = with("true"), on = with("false");
  CHECK(line(off, "weights").at("bytes").get<double>() == doctest::Approx(1086259200.0).epsilon(1e-9));
  CHECK(says(line(off, "weights"), "offload moves parameters only"));
  CHECK(line(off, "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(root * 2 + block * 2 * 0.5).epsilon(1e-9));
  CHECK(line(off, "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(line(on, "gathered_params").at("bytes").get<double>()));
  CHECK(line(off, "fsdp_pending_frees").at("bytes").get<double>() ==
        doctest::Approx(memory::kFsdpPendingFreeUnits * block * 0.5).epsilon(1e-9));
  // Host RAM holds this rank's half of the codes and the 16-bit rest, not the state.
  CHECK(off.at("per_gpu").at("host_bytes").get<double>() ==
        doctest::Approx((nf4 * 0.5 + plain * 2) / 2).epsilon(1e-9));
  // What offload saves on the GPU is exactly that host share.
  CHECK(line(on, "weights").at("bytes").get<double>() - line(off, "weights").at("bytes").get<double>() ==
        doctest::Approx((nf4 * 0.5 + plain * 2) / 2).epsilon(1e-9));
}

TEST_CASE("FSDP1 + QLoRA + reentrant checkpointing keeps every block input's gradient to the backward's end") {
  // Llama-2-70B, 2 GPUs, 2 x 4096 tokens per GPU: 8192 tokens x 80 layers x 8192 h x 2 B (bf16 stream) =
  // 10,737,418,240 B of gradients kept by FSDP1's reshard-only hooks. The loss's tensors are freed before the
  // backward's end, so the line holds what exceeds the logits line, and the peak rises by exactly that.
  auto with = [](const std::string& extra, const char* method = "qlora", const char* sharding = "fsdp") {
    return rl_test::api_estimate(std::string(R"({"model": "meta-llama/Llama-2-70b-hf", "gpus": 2, "train": {"method": ")") + method +
               R"(", "precision": "amp-bf16", "micro_batch_size": 2, "seq_len": 4096, "gradient_checkpointing": true,
      "sharding": ")" + sharding + "\"" + extra + "}}");
  };
  const double kept = 8192.0 * 80 * 8192 * 2;
  const Json reentrant = with(""), plain = with(R"(, "gradient_checkpointing_reentrant": false)");
  // The whole loss: the logits line plus bitsandbytes' dequantized weight it leaves to the backward's side.
  const double logits = line(reentrant, "logits").at("bytes").get<double>() +
                        line(reentrant, "dequantized_weight").at("bytes").get<double>();
  REQUIRE(kept > logits);
  const Json& retained = line(reentrant, "fsdp_retained_grads");
  CHECK(retained.at("bytes").get<double>() == doctest::Approx(kept - logits).epsilon(1e-9));
  CHECK(says(retained, "8192 tokens x 80 layers x 8192 h x 2 B"));
  CHECK(reentrant.at("per_gpu").at("allocated_bytes").get<double>() - plain.at("per_gpu").at("allocated_bytes").get<double>() ==
        doctest::Approx(kept - logits).epsilon(1e-9));
  // None without the mechanism's conditions: non-reentrant, FSDP2, ZeRO-3, full training (no frozen unit).
  CHECK_FALSE(has_component(plain, "fsdp_retained_grads"));
  CHECK_FALSE(has_component(with(R"(, "fsdp_version": 2)"), "fsdp_retained_grads"));
  CHECK_FALSE(has_component(with("", "qlora", "zero3"), "fsdp_retained_grads"));
  CHECK_FALSE(has_component(with("", "full"), "fsdp_retained_grads"));
}

TEST_CASE("FSDP1's kept block-input gradients stay below the loss on a 7B model: no line, no change") {
  // Mistral-7B: 32 layers x 4096 h x 2 B = 262,144 B per token against 32000 x 14 B of logits per token.
  auto with = [](const char* reentrant) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"method": "lora",
      "precision": "amp-bf16", "micro_batch_size": 2, "seq_len": 4096, "gradient_checkpointing": true,
      "sharding": "fsdp", "transformers_version": "4.48.1", "gradient_checkpointing_reentrant": )") + reentrant + "}}");
  };
  const Json on = with("true"), off = with("false");
  CHECK_FALSE(has_component(on, "fsdp_retained_grads"));
  CHECK(on.at("per_gpu").at("allocated_bytes").get<double>() == off.at("per_gpu").at("allocated_bytes").get<double>());
}

TEST_CASE("ZeRO-3 gathers the largest unit (here a block) twice; FSDP adds its unsharded root") {
  // Mistral-7B full training, bf16: a block is 218,112,000 params, the root (embeddings + lm_head)
  // 2 x 32000 x 4096 = 262,144,000; each with its 2 B gradient in full training.
  auto with = [](const char* sharding) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"precision": "bf16",
      "micro_batch_size": 1, "seq_len": 512, "gradient_checkpointing": true, "sharding": ")") + sharding + R"("}})");
  };
  const double block = 218112000.0, root = 262144000.0;
  CHECK(line(with("zero3"), "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(block * (2 * 2 + 2)).epsilon(1e-9));
  CHECK(line(with("fsdp"), "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(root * (2 + 2) + block * (2 * 2 + 2)).epsilon(1e-9));
}

TEST_CASE("FSDP1's freed gathered blocks are reserved, not allocated; ZeRO-3 and one GPU have none") {
  // Mistral-7B LoRA, bf16 base: kFsdpPendingFreeUnits blocks of 218,112,000 params x 2 B wait on the
  // unshard stream for their record_stream event (torch fsdp _limiter_utils.py, CUDACachingAllocator).
  auto with = [](int gpus, const char* sharding, const char* method) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": )") + std::to_string(gpus) +
               R"(, "train": {"method": ")" + method + R"(", "precision": "amp-bf16", "micro_batch_size": 1,
      "seq_len": 512, "gradient_checkpointing": true, "sharding": ")" + sharding + R"("}})");
  };
  const double block = 218112000.0;
  const Json fsdp = with(2, "fsdp", "lora");
  const Json& pending = line(fsdp, "fsdp_pending_frees");
  CHECK(pending.at("bytes").get<double>() == doctest::Approx(memory::kFsdpPendingFreeUnits * block * 2).epsilon(1e-9));
  CHECK(says(pending, "kFsdpPendingFreeUnits 2 x largest block 218112000 params x 2 B"));
  // Reserved, not allocated: the allocated level is unchanged by it, the reserved level holds it.
  const Json& g = fsdp.at("per_gpu");
  CHECK(g.at("reserved_bytes").get<double>() ==
        doctest::Approx(g.at("allocated_bytes").get<double>() + line(fsdp, "allocator").at("bytes").get<double>() +
                        pending.at("bytes").get<double>()));
  // QLoRA's blocks gather their 4-bit codes stored as 16-bit elements: 0.5 B per weight.
  CHECK(line(with(2, "fsdp", "qlora"), "fsdp_pending_frees").at("bytes").get<double>() ==
        doctest::Approx(memory::kFsdpPendingFreeUnits * block * 0.5).epsilon(1e-9));
  {
    // The estimate is kept alive for the loop: a range-for over a member of a temporary reads freed memory.
    const Json estimate = with(2, "zero3", "lora");
    for (const Json& c : estimate.at("per_gpu").at("components")) CHECK(c.at("id") != "fsdp_pending_frees");
  }
  {
    const Json estimate = with(1, "none", "lora");
    for (const Json& c : estimate.at("per_gpu").at("components")) CHECK(c.at("id") != "fsdp_pending_frees");
  }
  // One rank: FSDP1 switches FULL_SHARD to NO_SHARD and gathers nothing.
  {
    const Json estimate = with(1, "fsdp", "lora");
    for (const Json& c : estimate.at("per_gpu").at("components")) CHECK(c.at("id") != "fsdp_pending_frees");
  }
  // mixed-bf16 full training stores fp32 weights but gathers MixedPrecision's 16-bit copy.
  const Json mixed = rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"precision": "mixed-bf16",
      "micro_batch_size": 1, "seq_len": 512, "gradient_checkpointing": true, "sharding": "fsdp"}})");
  CHECK(line(mixed, "fsdp_pending_frees").at("bytes").get<double>() ==
        doctest::Approx(memory::kFsdpPendingFreeUnits * block * 2).epsilon(1e-9));
}

TEST_CASE("train.fsdp_version 2 (fully_shard) holds no pending frees; the default 1 does, says so, and is echoed") {
  auto with = [](const char* extra) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"method": "lora",
      "precision": "amp-bf16", "micro_batch_size": 1, "seq_len": 512, "gradient_checkpointing": true,
      "sharding": "fsdp")") + extra + "}}");
  };
  const Json v1 = with(""), v2 = with(R"(, "fsdp_version": 2)");
  // The canonical scenario echoes the key: 1 when absent, 2 when given.
  const std::string base = R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"sharding": "fsdp")";
  auto echo = [](const std::string& text) {
    auto parsed = api::scenario_from_json(Json::parse(text));
    REQUIRE(parsed.ok());
    return scenario_to_json(parsed.value());
  };
  CHECK(echo(base + "}}")["train"]["fsdp_version"] == 1);
  CHECK(echo(base + R"(, "fsdp_version": 2}})")["train"]["fsdp_version"] == 2);
  const double pending = line(v1, "fsdp_pending_frees").at("bytes").get<double>();
  CHECK(pending > 0);
  for (const Json& c : v2.at("per_gpu").at("components")) CHECK(c.at("id") != "fsdp_pending_frees");
  const Json &g1 = v1.at("per_gpu"), &g2 = v2.at("per_gpu");
  // The two versions allocate the same; FSDP1's reserved level is higher by exactly the pending line.
  CHECK(g1.at("allocated_bytes").get<double>() == doctest::Approx(g2.at("allocated_bytes").get<double>()));
  CHECK(g1.at("reserved_bytes").get<double>() - g2.at("reserved_bytes").get<double>() == doctest::Approx(pending));
  CHECK(g2.at("reserved_bytes").get<double>() ==
        doctest::Approx(g2.at("allocated_bytes").get<double>() + line(v2, "allocator").at("bytes").get<double>()));
  auto warns = [](const Json& r, const std::string& part) {
    for (const Json& w : r.at("warnings")) {
      if (w.get<std::string>().find(part) != std::string::npos) return true;
    }
    return false;
  };
  CHECK(warns(v1, "train.fsdp_version 2"));
  CHECK_FALSE(warns(v2, "FSDP1"));
  auto r = api::estimate(Json::parse(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"fsdp_version": 3}})"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().line().find("/train/fsdp_version") != std::string::npos);
}

TEST_CASE("FSDP under a 16-bit compute dtype gathers the param_dtype copy, not the stored fp32 weights") {
  // Mistral-7B full training under amp-bf16 stores fp32 weights (4 B) and gradients (4 B); accelerate's
  // FSDP MixedPrecision gathers 2 B per weight. Root 262,144,000 params, block 218,112,000.
  auto with = [](const char* precision) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"precision": ")") +
               precision + R"(", "micro_batch_size": 1, "seq_len": 512, "gradient_checkpointing": true,
      "sharding": "fsdp"}})");
  };
  const double block = 218112000.0, root = 262144000.0;
  CHECK(line(with("amp-bf16"), "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(root * (2 + 4) + block * (2 * 2 + 4)).epsilon(1e-9));
  CHECK(line(with("amp-bf16"), "fsdp_pending_frees").at("bytes").get<double>() ==
        doctest::Approx(memory::kFsdpPendingFreeUnits * block * 2).epsilon(1e-9));
  // fp32 training gathers fp32.
  CHECK(line(with("fp32"), "gathered_params").at("bytes").get<double>() ==
        doctest::Approx(root * (4 + 4) + block * (2 * 4 + 4)).epsilon(1e-9));
}

TEST_CASE("QLoRA under autocast keeps a LayerNorm model's residual stream and MLP in fp32, not an RMSNorm one's") {
  // SantaCoder (gpt_bigcode: LayerNorm, plain GELU MLP of 8192): 24 layers, hidden 2048; 1 x 1024 tokens.
  // bitsandbytes Linear4bit returns its input's dtype and autocast's layer_norm returns fp32.
  const std::string santacoder = R"({"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode",
    "activation_function": "gelu_pytorch_tanh", "multi_query": true, "n_embd": 2048, "n_head": 16, "n_inner": 8192,
    "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "layer_norm_epsilon": 1e-05})";
  auto with = [](const std::string& model, const char* precision) {
    return rl_test::api_estimate(R"({"model": )" + model + R"(, "train": {"method": "qlora", "precision": ")" + precision +
               R"(", "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true,
      "lora": {"rank": 16, "alpha": 16, "targets": ["c_attn"]}}})");
  };
  const Json amp = with(santacoder, "amp-bf16"), pure = with(santacoder, "bf16");
  CHECK(says(line(amp, "activations"), "1024 tokens x 24 layers x 2048 h x 4 B (checkpointed block inputs) (fp32"));
  CHECK(says(line(pure, "activations"), "1024 tokens x 24 layers x 2048 h x 2 B (checkpointed block inputs) +"));
  // 2 B more per checkpointed element, per element of the recomputed block's two LayerNorm inputs and of
  // its GELU input (c_fc's output, 8192 wide).
  CHECK(line(amp, "activations").at("bytes").get<double>() - line(pure, "activations").at("bytes").get<double>() ==
        doctest::Approx(1024.0 * (24 * 2048 * 2 + 2 * 2048 * 2 + 8192 * 2)).epsilon(1e-9));
  // Mistral's RMSNorm returns weight * x.to(input_dtype): the stream stays 16-bit under autocast.
  const Json mistral = rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"method": "qlora", "precision":
    "amp-bf16", "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true}})");
  CHECK(says(line(mistral, "activations"), "x 4096 h x 2 B (checkpointed block inputs) +"));
}

TEST_CASE("transformers before 4.49 reserves one fp32 logits block more at the loss; 4.49 and latest do not") {
  // Mistral-7B QLoRA, one GPU, 2 x 1024 tokens: the old ForCausalLMLoss copies the shifted fp32 logits, and
  // the slice's full-shape fp32 gradient finds only shifted-shape blocks free (kShiftedLossExtraFp32Blocks).
  auto with = [](const char* extra) {
    return rl_test::api_estimate(std::string(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"method": "qlora",
      "precision": "amp-bf16", "micro_batch_size": 2, "seq_len": 1024, "gradient_checkpointing": true)") + extra +
               "}}");
  };
  const Json old = with(R"(, "transformers_version": "4.48.1")"), latest = with("");
  const double tokens = 2 * 1024, vocab = 32000;
  // Both count 14 B allocated per logit (e + kCrossEntropyFp32Copies x 4).
  for (const Json* r : {&old, &latest}) CHECK(at_loss(*r, tokens) == doctest::Approx(tokens * vocab * 14).epsilon(1e-12));
  const Json& block = line(old, "loss_shift_block");
  CHECK(block.at("bytes").get<double>() ==
        doctest::Approx(memory::kShiftedLossExtraFp32Blocks * tokens * vocab * 4).epsilon(1e-12));
  CHECK(says(block, "train.transformers_version 4.48.1 < 4.49: kShiftedLossExtraFp32Blocks 1 x 2048 tokens x 32000 vocab"));
  // Reserved only: the allocated peak is the same, the reserved level higher by exactly the line.
  const Json &go = old.at("per_gpu"), &gl = latest.at("per_gpu");
  CHECK(go.at("allocated_bytes").get<double>() == doctest::Approx(gl.at("allocated_bytes").get<double>()));
  CHECK(go.at("reserved_bytes").get<double>() - gl.at("reserved_bytes").get<double>() ==
        doctest::Approx(block.at("bytes").get<double>()));
  for (const char* extra : {"", R"(, "transformers_version": "4.49")", R"(, "transformers_version": "5.0.1")"}) {
    const Json estimate = with(extra);
    CAPTURE(extra);
    for (const Json& c : estimate.at("per_gpu").at("components")) CHECK(c.at("id") != "loss_shift_block");
  }
  // The band's low end drops the line (a later phase may reuse the block); its high end keeps it.
  CHECK(old.at("peak_band").at("high_bytes").get<double>() - latest.at("peak_band").at("high_bytes").get<double>() ==
        doctest::Approx(block.at("bytes").get<double>()));
  CHECK(old.at("peak_band").at("low_bytes").get<double>() ==
        doctest::Approx(latest.at("peak_band").at("low_bytes").get<double>()));
}

TEST_CASE("gpt_bigcode before 4.49 without autocast: its own 16-bit loss, 3 x e per logit and one 16-bit block") {
  // SantaCoder (vocab 49,280), pure bf16, 4 x 2048 tokens: GPTBigCodeForCausalLM.forward shifts the bf16 logits
  // and calls CrossEntropyLoss on them (no .float()).
  auto with = [](const char* precision, const char* version) {
    return rl_test::api_estimate(std::string(R"({"model": {"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode",
      "activation_function": "gelu_pytorch_tanh", "multi_query": true, "n_embd": 2048, "n_head": 16, "n_inner": 8192,
      "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "layer_norm_epsilon": 1e-05},
      "train": {"micro_batch_size": 4, "seq_len": 2048, "gradient_checkpointing": true, "gradient_accumulation_steps": 2,
      "precision": ")") + precision + R"(", "transformers_version": ")" + version + R"("}})");
  };
  const double tokens = 4.0 * 2048, logits = tokens * 49280;
  const Json own = with("bf16", "4.48.1");
  CHECK(at_loss(own, tokens) == doctest::Approx(logits * memory::kOwnLossLogitCopies * 2).epsilon(1e-12));
  CHECK(says(line(own, "logits"), "the model's own loss in 16 bit, no upcast"));
  CHECK(line(own, "loss_shift_block").at("bytes").get<double>() == doctest::Approx(logits * 2).epsilon(1e-12));
  CHECK(says(line(own, "loss_shift_block"), "shifted 16-bit logits copy"));
  // Under autocast log_softmax runs in fp32 whatever the model's code: the ForCausalLMLoss count.
  CHECK(at_loss(with("amp-bf16", "4.48.1"), tokens) == doctest::Approx(logits * 14).epsilon(1e-12));
  // From 4.49 (and latest) its loss code was not read here: the shared ForCausalLMLoss count, the larger.
  CHECK(at_loss(with("bf16", "4.49"), tokens) == doctest::Approx(logits * 14).epsilon(1e-12));
  CHECK(at_loss(with("bf16", "latest"), tokens) == doctest::Approx(logits * 14).epsilon(1e-12));
}

TEST_CASE("gradients made in backward: one micro-batch per step, zero_grad(set_to_none), no gradient at the loss") {
  // SantaCoder h001's layout (fms-acceleration, 1 A100, pure bf16, 4 x 2048, transformers 4.48.1): the loss's
  // 6 B x 403,701,760 logits and the gradients never coexist, and the AdamW step is the allocated peak.
  auto with = [](const char* extra) {
    return rl_test::api_estimate(std::string(R"({"model": {"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode",
      "activation_function": "gelu_pytorch_tanh", "multi_query": true, "n_embd": 2048, "n_head": 16, "n_inner": 8192,
      "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "layer_norm_epsilon": 1e-05},
      "train": {"micro_batch_size": 4, "seq_len": 2048, "gradient_checkpointing": true, "precision": "bf16",
      "transformers_version": "4.48.1")") + extra + "}}");
  };
  const Json one = with(""), accumulated = with(R"(, "gradient_accumulation_steps": 2)");
  const double params = one.at("model").at("params").get<double>();
  // The optimizer step: weights + gradients + 2 AdamW states + the foreach temporary, all bf16.
  CHECK(one.at("per_gpu").at("allocated_bytes").get<double>() == doctest::Approx(params * 2 * 5).epsilon(1e-9));
  CHECK(line(one, "optimizer_step").at("bytes").get<double>() == doctest::Approx(params * 2));
  CHECK(says(line(one, "gradients"), "made in backward and freed by zero_grad(set_to_none)"));
  // Accumulating: the gradients are live at the loss, the forward/backward is the peak with the whole loss.
  CHECK(says(line(accumulated, "gradients"), "live through the step"));
  const double loss = 4.0 * 2048 * 49280 * 6;
  CHECK(at_loss(accumulated, 4.0 * 2048) == doctest::Approx(loss).epsilon(1e-12));
  CHECK(accumulated.at("per_gpu").at("allocated_bytes").get<double>() > one.at("per_gpu").at("allocated_bytes").get<double>());
  // The reserved level keeps the forward/backward's segments and re-makes the loss's after the first step's
  // states: both lines, each with a band running from none to the line.
  const Json& kept = line(one, "loss_segments_after_states");
  CHECK(kept.at("bytes").get<double>() > 0);
  CHECK(says(kept, "min(loss"));
  // ZeRO (persistent partition buffers) keeps the gradients live.
  const Json zero = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 2, "train": {"sharding": "zero2", "precision": "bf16"}})");
  CHECK(says(line(zero, "gradients"), "live through the step"));
  // FSDP over two ranks, a forward/backward peak (Qwen's 152k vocabulary): the logits line is the loss beyond
  // the gradients, and the reserved level holds the gradients' segments, which belong to the reduce-scatter
  // stream, beside the loss.
  const Json fsdp = rl_test::api_estimate(R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 2, "train": {"sharding": "fsdp", "precision": "bf16",
      "micro_batch_size": 8, "seq_len": 2048, "gradient_checkpointing": true}})");
  const double grads = line(fsdp, "gradients").at("bytes").get<double>();
  CHECK(says(line(fsdp, "gradients"), "made in backward"));
  CHECK(line(fsdp, "logits").at("bytes").get<double>() == doctest::Approx(8.0 * 2048 * 151936 * 14 - grads));
  CHECK(line(fsdp, "sharded_grad_pool").at("bytes").get<double>() == doctest::Approx(grads));
}

TEST_CASE("gradients made in backward, step peak: the forward's segments stay reserved; every such line's band low end is 0") {
  // SantaCoder h004's layout: FSDP over 2 A100s, pure bf16, 2 x 2048 tokens, transformers 4.48.1: the AdamW step
  // is the allocated peak, the forward/backward's segments (loss blocks included) are still reserved.
  const Json r = rl_test::api_estimate(R"({"model": {"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode",
      "activation_function": "gelu_pytorch_tanh", "multi_query": true, "n_embd": 2048, "n_head": 16, "n_inner": 8192,
      "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "layer_norm_epsilon": 1e-05}, "gpus": 2,
      "train": {"micro_batch_size": 2, "seq_len": 2048, "gradient_checkpointing": true, "precision": "bf16",
      "sharding": "fsdp", "transformers_version": "4.48.1"}})");
  const Json& kept = line(r, "forward_segments");
  CHECK(kept.at("bytes").get<double>() > 0);
  CHECK(says(kept, "segments stay reserved from one phase to the next"));
  CHECK(line(r, "optimizer_step").at("bytes").get<double>() > 0);  // the step is the allocated peak
  // The reserved level is the allocated one plus every cache line; the band's low end drops the allocator-layout
  // lines whole (a failed cudaMalloc releases cached segments) and keeps its high end at them.
  const Json& g = r.at("per_gpu");
  double cache = 0, layout = 0;
  for (const Json& c : g.at("components")) {
    const std::string id = c.at("id").get<std::string>();
    const bool allocator_layout = id == "forward_segments" || id == "loss_segments_after_states" || id == "sharded_grad_pool";
    if (allocator_layout) layout += c.at("bytes").get<double>();
    if (allocator_layout || id == "allocator" || id == "fsdp_pending_frees" || id == "loss_shift_block") {
      cache += c.at("bytes").get<double>();
    }
  }
  CHECK(g.at("reserved_bytes").get<double>() == doctest::Approx(g.at("allocated_bytes").get<double>() + cache));
  const Json& band = r.at("peak_band");
  CHECK(band.at("expected_bytes").get<double>() - band.at("low_bytes").get<double>() >= layout);
}

TEST_CASE("train.transformers_version is echoed, and a malformed release is refused naming the key") {
  auto parse = [](const std::string& train) { return api::scenario_from_json(Json::parse(
                                                  R"({"model": "mistralai/Mistral-7B-v0.1", "train": )" + train + "}")); };
  auto ok = parse(R"({"transformers_version": "4.48"})");
  REQUIRE(ok.ok());
  CHECK(scenario_to_json(ok.value())["train"]["transformers_version"] == "4.48");
  auto absent = parse("{}");
  REQUIRE(absent.ok());
  CHECK(scenario_to_json(absent.value())["train"]["transformers_version"] == "latest");
  for (const char* bad : {R"("4")", R"("v4.48")", R"("4.48.1.2")", R"("")", "4.48"}) {
    CAPTURE(bad);
    auto r = parse(std::string(R"({"transformers_version": )") + bad + "}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line().find("/train/transformers_version") != std::string::npos);
  }
}

namespace {

// The component with this id, or nullptr (the ZeRO-3 start line is absent unless it exceeds the step).
const Json* find_z3_line(const Json& result, const char* id) {
  return has_component(result, id) ? &line(result, id) : nullptr;
}

std::string llama70b(const char* method, int gpus, const char* sharding, int micro_batch) {
  return std::string(R"({"model": "meta-llama/Llama-2-70b-hf", "gpus": )") + std::to_string(gpus) +
         R"(, "train": {"method": ")" + method + R"(", "precision": "amp-bf16", "micro_batch_size": )" +
         std::to_string(micro_batch) + R"(, "seq_len": 2048, "gradient_checkpointing": true, "attention": "flash",
      "sharding": ")" + sharding + R"(", "lora": {"rank": 8, "alpha": 16, "targets": "all-linear"}}})";
}

}  // namespace

// DeepSpeed ZeRO-3 with a bitsandbytes 4-bit base: transformers builds the quantized model without zero.Init, so
// DeepSpeed's engine moves it whole to every GPU before partitioning it (train_states.cpp
// zero3_whole_model_start_term). The device level's peak is the larger of that start and the training step.
TEST_CASE("ZeRO-3 + QLoRA: the engine's start holds the whole 4-bit model on every GPU, and the device peak is at least that") {
  // Llama-2-70B: 68,451,041,280 NF4 weights x (0.5 + 1/64 + 4/(64 x 256)) B = 35,311,779,840 B of codes and quant
  // state, 525,606,912 other params x 2 B = 1,051,213,824 B; 103,546,880 rank-8 adapter params x 2 B (bf16 after
  // the engine's module.bfloat16()) = 207,093,760 B. Whole: 36,570,087,424 B (34.06 GiB) on each of the 2 GPUs.
  const double nf4 = 68451041280.0, plain = 525606912.0, adapters = 103546880.0;
  const double whole = nf4 * memory::nf4_bytes_per_param(true) + plain * 2 + adapters * 2;
  CHECK(whole == doctest::Approx(36570087424.0).epsilon(1e-12));
  const Json r = rl_test::api_estimate(llama70b("qlora", 2, "zero3", 2));
  const Json* start = find_z3_line(r, "zero3_whole_model_start");
  REQUIRE(start != nullptr);
  const Json& g = r.at("per_gpu");
  const double context = find_z3_line(r, "cuda_context")->at("bytes").get<double>();
  // The line is what the start exceeds the step's reserve by: reserved = the start exactly, device = it + context.
  CHECK(g.at("reserved_bytes").get<double>() == doctest::Approx(whole).epsilon(1e-12));
  CHECK(g.at("device_bytes").get<double>() == doctest::Approx(whole + context).epsilon(1e-12));
  CHECK(start->at("bytes").get<double>() ==
        doctest::Approx(whole - (g.at("reserved_bytes").get<double>() - start->at("bytes").get<double>())));
  const std::string formula = start->at("formula").get<std::string>();
  CHECK(formula.find("transformers skips zero.Init for a quantized model") != std::string::npos);
  CHECK(formula.find("103546880 adapter params x 2 B") != std::string::npos);
  // The start is allocated, not cached: the band keeps it whole at both ends.
  const Json& band = r.at("peak_band");
  CHECK(band.at("low_bytes").get<double>() >= whole);
}

TEST_CASE("the whole-model start is ZeRO-3 with a quantized base over several ranks only, and only beyond the step") {
  // FSDP (its own init path), LoRA on a 16-bit base (zero.Init partitions it while it is built), one GPU: none.
  CHECK(find_z3_line(rl_test::api_estimate(llama70b("qlora", 2, "fsdp", 2)), "zero3_whole_model_start") == nullptr);
  CHECK(find_z3_line(rl_test::api_estimate(llama70b("lora", 8, "zero3", 2)), "zero3_whole_model_start") == nullptr);
  CHECK(find_z3_line(rl_test::api_estimate(llama70b("qlora", 1, "zero3", 2)), "zero3_whole_model_start") == nullptr);
  // Mistral-7B QLoRA, 8 x 4096 tokens per GPU: the step (its checkpoints alone 32 x 32,768 x 4096 x 2 B = 8 GiB)
  // exceeds the whole 4-bit model (about 4 GiB), so the start adds nothing.
  const Json big_step = rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"method": "qlora",
      "precision": "amp-bf16", "micro_batch_size": 8, "seq_len": 4096, "gradient_checkpointing": true,
      "sharding": "zero3"}})");
  CHECK(find_z3_line(big_step, "zero3_whole_model_start") == nullptr);
}
