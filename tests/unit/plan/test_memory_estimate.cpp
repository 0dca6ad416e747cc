// estimate_training / estimate_inference through api::estimate: the contract's result shape, the
// worked example of docs/memory-model.md, bad combinations and absurd inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/memory.hpp"

using namespace vramplan;

namespace {

Json run(const char* text) {
  auto r = api::estimate(Json::parse(text));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().line()));
  return r.value();
}

std::string error_line(const char* text) {
  auto r = api::estimate(Json::parse(text));
  return r.ok() ? "(no error)" : r.error().line();
}

double component(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<double>();
  }
  return -1;
}

}  // namespace

TEST_CASE("worked example: Qwen2.5-7B full fine-tuning, amp-bf16, AdamW, 8 x 1024, one H100") {
  const Json r = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "H100-SXM-80GB",
    "train": {"method": "full", "precision": "amp-bf16", "optimizer": "adamw", "micro_batch_size": 8,
              "gradient_accumulation_steps": 4, "seq_len": 1024, "attention": "flash"}})");
  const double params = 7615616512.0;
  CHECK(r["model"]["params"] == 7615616512);
  CHECK(component(r, "weights") == params * 4);
  CHECK(component(r, "gradients") == params * 4);
  CHECK(component(r, "optimizer") == params * 8);
  // 8192 tokens x 28 blocks x 239,616 B (h 3584, kv 512, i 18944: 16h norms + 2h + 2(2h + 2kv) + 2h + 8i)
  // + final norm 8192 x (4 + 4 + 2) x 3584.
  CHECK(component(r, "activations") == doctest::Approx(8192.0 * 28 * 239616 + 8192.0 * 10 * 3584));
  CHECK(component(r, "logits") == doctest::Approx(8192.0 * 152064 * 14));
  std::int64_t sum = 0;
  for (const Json& c : r["per_gpu"]["components"]) {
    sum += c["bytes"].get<std::int64_t>();
    CHECK(!c["formula"].get<std::string>().empty());
  }
  CHECK(sum == r["per_gpu"]["device_bytes"].get<std::int64_t>());
  CHECK(r["per_gpu"]["allocated_bytes"].get<double>() < r["per_gpu"]["reserved_bytes"].get<double>());
  CHECK(r["per_gpu"]["reserved_bytes"].get<double>() < r["per_gpu"]["device_bytes"].get<double>());
  CHECK(r["fit"]["fits"] == false);
  CHECK(r["per_gpu"]["phase"] == "train");
}

TEST_CASE("LoRA and QLoRA: frozen base carries no gradients or optimizer states") {
  const Json lora = run(R"({"model": "meta-llama/Llama-3.1-8B", "train": {"method": "lora", "precision": "bf16",
    "lora": {"rank": 16, "targets": ["q_proj", "v_proj"]}}})");
  // q: 16 x (4096 + 4096), v: 16 x (4096 + 1024), 32 layers.
  CHECK(lora["model"]["params_trainable"] == 16 * (8192 + 5120) * 32);
  CHECK(component(lora, "gradients") == -1);
  CHECK(component(lora, "optimizer") == -1);
  CHECK(component(lora, "lora") == doctest::Approx(16.0 * 13312 * 32 * (2 + 2 + 2 * 2)));
  const Json qlora = run(R"({"model": "meta-llama/Llama-3.1-8B", "train": {"method": "qlora", "precision": "bf16"}})");
  // Block linears 32 x (2 x 4096^2 + 2 x 4096 x 1024 + 3 x 4096 x 14336) in NF4; embeddings, lm_head and norms
  // in bf16.
  const double quantized = 32.0 * (2 * 4096.0 * 4096 + 2 * 4096.0 * 1024 + 3 * 4096.0 * 14336);
  const double rest = 8030261248.0 - quantized;
  CHECK(component(qlora, "weights") ==
        doctest::Approx(quantized * memory::nf4_bytes_per_param(true) + rest * 2).epsilon(1e-9));
}

TEST_CASE("sharding, offload and host bytes") {
  const char* base = R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8,
    "train": {"precision": "bf16", "sharding": "%s", "offload_optimizer": %s}})";
  char text[512];
  std::snprintf(text, sizeof text, base, "zero3", "false");
  const Json z3 = run(text);
  CHECK(component(z3, "weights") == doctest::Approx(7615616512.0 * 2 / 8));
  CHECK(component(z3, "gathered_params") > 0);
  std::snprintf(text, sizeof text, base, "zero1", "true");
  const Json off = run(text);
  CHECK(component(off, "optimizer") == 0);
  CHECK(off["per_gpu"]["host_bytes"].get<double>() > 7615616512.0 * 4 / 8);
  CHECK(component(off, "cuda_context") == doctest::Approx(memory::kCudaContextBytes + memory::kNcclBytes));
}

TEST_CASE("bad combinations: errors and warnings") {
  // QLoRA with bnb_4bit_compute_dtype=float32 (BitsAndBytesConfig's default) is a run people make: it is
  // estimated, with 4-byte activations and logits, never refused.
  const Json q16 = run(R"({"model": "meta-llama/Llama-3.1-8B", "train": {"method": "qlora", "precision": "bf16"}})");
  const Json q32 = run(R"({"model": "meta-llama/Llama-3.1-8B", "train": {"method": "qlora", "precision": "fp32"}})");
  // The 16-bit tensors a block keeps double; its fp32 norm inputs and softmax statistics do not.
  const double ratio = component(q32, "activations") / component(q16, "activations");
  CHECK(ratio > 1.6);
  CHECK(ratio <= 2.0);
  CHECK(component(q32, "weights") > component(q16, "weights"));  // the unquantized rest in fp32
  CHECK(component(q32, "weights") < component(q16, "weights") * 1.5);
  // Qwen2.5-7B has 28 heads: tp 3 does not divide them.
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 3, "train": {"tp": 3}})").rfind("error: /train/tp:", 0) ==
        0);
  const Json z3 = run(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"sharding": "zero3"}})");
  CHECK(z3["warnings"].size() == 1);
  const Json longseq = run(R"({"model": "meta-llama/Llama-2-7b-hf", "train": {"seq_len": 8192}})");
  CHECK(longseq["warnings"].size() == 1);
  // A LoRA rank past the model's width (896 for Qwen2.5-0.5B) is accepted, as PEFT accepts it, and warned.
  const Json wide = run(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "lora", "lora": {"rank": 1024}}})");
  REQUIRE(wide["warnings"].size() == 1);
  CHECK(wide["warnings"][0].get<std::string>().find("rank 1024 exceeds the model's width (hidden_size 896)") !=
        std::string::npos);
  CHECK(run(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "lora", "lora": {"rank": 896}}})")["warnings"].empty());
  // RL scenarios are estimated (tests/unit/*/test_rl.cpp), phase by phase.
  auto rl = api::estimate(Json::parse(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpu": "H100-SXM-80GB"})"));
  REQUIRE(rl.ok());
  CHECK(rl->at("phases").size() >= 2);
}

TEST_CASE("absurd inputs are refused or finite, never NaN") {
  auto huge = api::estimate(Json::parse(R"({"model": "meta-llama/Llama-3.1-405B", "gpus": 1,
    "train": {"micro_batch_size": 65536, "seq_len": 16777216, "attention": "eager"}})"));
  if (huge.ok()) {
    CHECK(std::isfinite(huge.value()["per_gpu"]["device_bytes"].get<double>()));
  } else {
    CHECK(huge.error().line().find("1 EiB") != std::string::npos);
  }
}

TEST_CASE("inference: hf engine KV cache and vLLM pool") {
  const Json hf = run(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference",
    "inference": {"batch_size": 4, "context_len": 4096}})");
  // 2 x 32 layers x 8 kv heads x 128 x 2 B = 131072 B per token.
  CHECK(component(hf, "kv_cache") == 131072.0 * 4 * 4096);
  CHECK(hf["inference"]["kv_bytes_per_token"] == 131072);
  const Json v = run(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
    "inference": {"engine": "vllm", "gpu_memory_utilization": 0.9, "context_len": 16000}})");
  const double pool = component(v, "kv_cache");
  const double tokens = v["inference"]["kv_tokens"].get<double>();
  CHECK(tokens == std::floor(pool / (131072.0 * 16)) * 16);
  CHECK(v["inference"]["max_concurrent_sequences"].get<double>() == std::floor(tokens / 16000));
  // The pool is 0.9 x (81,559 MiB - 0.47 GiB), split into weights, reserve, non-torch and KV; the CUDA
  // graph pool (32 layers) is captured after it, on top.
  CHECK(v["per_gpu"]["device_bytes"].get<double>() ==
        doctest::Approx(0.9 * (85520809984.0 - memory::kDriverReservedBytes) + memory::kVllmCudaGraphBaseBytes +
                        32 * memory::kVllmCudaGraphLayerBytes)
            .epsilon(1e-9));
  CHECK(v["fit"]["fits"] == true);
}

// The cases below follow measurements on an H100 (tests/validation/gpu, records g01-g28).

TEST_CASE("LoRA base dtype: 16-bit under AMP by default, fp32 on request, no autocast cache for it") {
  const char* base = R"({"model": "Qwen/Qwen2.5-7B", "train": {"method": "lora", "precision": "amp-bf16",
    "micro_batch_size": 1, "seq_len": 1024, "attention": "sdpa"%s}})";
  auto with = [&](const char* extra) {
    char text[512];
    std::snprintf(text, sizeof text, base, extra);
    return run(text);
  };
  const Json automatic = with("");
  const Json fp32 = with(R"(, "lora": {"base_dtype": "fp32"})");
  const Json bf16 = with(R"(, "lora": {"base_dtype": "bf16"})");
  const double params = 7615616512.0;
  CHECK(component(automatic, "weights") == params * 2);
  CHECK(component(bf16, "weights") == params * 2);
  CHECK(component(fp32, "weights") == params * 4);
  // Only the adapters (trainable, leaf) have cached 16-bit copies: 2 B each.
  const double adapters = automatic["model"]["params_trainable"].get<double>();
  CHECK(component(automatic, "autocast_cache") == doctest::Approx(2.0 * adapters));
  CHECK(component(fp32, "autocast_cache") == doctest::Approx(2.0 * adapters));
  // A 16-bit base keeps a 16-bit residual stream: the checkpointed block inputs are 2 B, not 4 B.
  const Json ckpt16 = with(R"(, "gradient_checkpointing": true)");
  const Json ckpt32 = with(R"(, "gradient_checkpointing": true, "lora": {"base_dtype": "fp32"})");
  CHECK(component(ckpt32, "activations") - component(ckpt16, "activations") ==
        doctest::Approx(1024.0 * 28 * 3584 * 2));
  // Full fine-tuning ignores the key; fp32 training defaults to an fp32 base.
  const Json full = run(R"({"model": "Qwen/Qwen2.5-7B", "train": {"precision": "amp-bf16", "lora": {"base_dtype": "fp16"}}})");
  CHECK(component(full, "weights") == params * 4);
  CHECK(memory::lora_base_weight_bytes(Precision::fp32, BaseDType::automatic) == 4);
  CHECK(memory::lora_base_weight_bytes(Precision::bf16, BaseDType::fp32) == 4);
  CHECK(memory::lora_base_weight_bytes(Precision::amp_fp16, BaseDType::automatic) == 2);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "train": {"method": "lora", "lora": {"base_dtype": "int4"}}})")
            .find("/train/lora/base_dtype") != std::string::npos);
}

TEST_CASE("gelu_new keeps its Python intermediates; GPT-2 and Phi-2 keep residual dropout masks") {
  // Phi-2, pure bf16, 4 x 1024 tokens, sdpa, no checkpointing (g14): h 2560, i 10240, 32 heads of 80.
  const Json phi = run(R"({"model": "microsoft/phi-2", "train": {"precision": "bf16", "micro_batch_size": 4,
    "seq_len": 1024, "attention": "sdpa"}})");
  // Per token and block: LayerNorm input 2h, attention input 2h + sdpa 4 x 2 x 2560, MLP input 2h,
  // gelu_new 4 x 2 i + fc2 input 2 i (10 i), dropout masks 2h.
  const double h = 2560, i = 10240;
  const double block = 2 * h + 2 * h + 8 * h + 2 * h + 10 * i + 2 * h;
  const double final_norm = 4 * h + (2 + 2) * h + h;  // fp32 input, normalised + output, embedding dropout
  CHECK(component(phi, "activations") == doctest::Approx(4096.0 * (32 * block + final_norm)));
  // Under autocast the tanh chain runs in fp32: 3 x 4 B + 2 B (0.5 x) + 2 B (fc2 input) per MLP element.
  const Json gpt2 = run(R"({"model": "microsoft/DialoGPT-medium", "train": {"precision": "amp-bf16",
    "micro_batch_size": 1, "seq_len": 1024, "attention": "sdpa"}})");
  const Json gpt2_bf16 = run(R"({"model": "microsoft/DialoGPT-medium", "train": {"precision": "bf16",
    "micro_batch_size": 1, "seq_len": 1024, "attention": "sdpa"}})");
  // DialoGPT-medium: 24 blocks, i 4096. amp adds 6 B per MLP element (3 x (4 - 2)) on top of its
  // fp32 residual stream (LayerNorm inputs).
  const double mlp_delta = 24.0 * 1024 * 4096 * 6;
  CHECK(component(gpt2, "activations") - component(gpt2_bf16, "activations") > mlp_delta);
}

TEST_CASE("eager inference scores: 16-bit scores, their fp32 copy and the fp32 softmax together") {
  const Json eager = run(R"({"model": "meta-llama/Llama-3.1-8B", "workload": "inference",
    "inference": {"batch_size": 4, "context_len": 4064, "attention": "eager"}})");
  const Json sdpa = run(R"({"model": "meta-llama/Llama-3.1-8B", "workload": "inference",
    "inference": {"batch_size": 4, "context_len": 4064, "attention": "sdpa"}})");
  CHECK(component(eager, "activations") - component(sdpa, "activations") ==
        doctest::Approx(4.0 * 32 * 4064.0 * 4064 * (2 + 8)));
}

TEST_CASE("hf engine: sliding-window layers hold the whole prompt at the prefill peak; vLLM caps them") {
  const Json hf = run(R"({"model": "mistralai/Mistral-7B-v0.1", "workload": "inference",
    "inference": {"batch_size": 4, "context_len": 8192}})");
  CHECK(component(hf, "kv_cache") == 131072.0 * 4 * 8192);  // not capped at the 4,096-token window
}
