// DeepSeek MLA served by vLLM, by release (core/memory/src/memory_vllm.cpp, docs/memory-model.md "MLA in vLLM
// by release"): the absorbed decode matrices of 0.7, the replicated down-projections and routers, the
// dequantized kv_b_proj of a quantized checkpoint, V0's padded cache entry, NCCL's peers above two ranks.
// Every expected value is computed here by hand from the model's shapes.
#include <doctest/doctest.h>

#include <string>

#include "estimate_test_support.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/memory_vllm.hpp"

namespace vramplan {
namespace {

using estimate_test::component;
using estimate_test::has_warning;
using estimate_test::run;

// DeepSeek-Coder-V2-Lite's config.json (no low-rank q, 27 layers, 26 of them MoE with 64 routed experts).
const char* kLiteModel = R"({"architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
  "hidden_size": 2048, "intermediate_size": 10944, "moe_intermediate_size": 1408, "num_hidden_layers": 27,
  "num_attention_heads": 16, "num_key_value_heads": 16, "n_shared_experts": 2, "n_routed_experts": 64,
  "num_experts_per_tok": 6, "first_k_dense_replace": 1, "moe_layer_freq": 1, "kv_lora_rank": 512,
  "q_lora_rank": null, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 102400,
  "max_position_embeddings": 163840, "tie_word_embeddings": false})";

Json lite(const std::string& inference) {
  return run(std::string(R"({"model": )") + kLiteModel + R"(, "workload": "inference", "gpu": "A100-SXM-40GB",
    "gpus": 8, "inference": {"engine": "vllm", "weight_dtype": "fp16", "kv_dtype": "fp16", "context_len": 8192,
    "max_num_seqs": 2, "max_num_batched_tokens": 8192, "tp": 8)" + inference + "}}");
}

Json v3(const std::string& version) {
  return run(R"({"model": "deepseek-ai/DeepSeek-V3", "workload": "inference", "gpu": "H200-141GB", "gpus": 8,
    "inference": {"engine": "vllm", "weight_dtype": "fp8", "kv_dtype": "bf16", "context_len": 8192, "tp": 8,
    "vllm_version": ")" + version + "\"}}");
}

TEST_CASE("vLLM MLA: the config.json fields select the latent cache") {
  const Json r = lite(R"(, "vllm_version": "0.8")");
  // (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 B x 27 layers, the same on every TP rank.
  CHECK(r.at("inference").at("kv_bytes_per_token").get<double>() == doctest::Approx(576.0 * 2 * 27));
}

TEST_CASE("vLLM 0.7 keeps MLA's absorbed matrices; 0.8 does not; both replicate the down-projection and routers") {
  const double w07 = component(lite(R"(, "vllm_version": "0.7")"), "weights");
  const double w08 = component(lite(R"(, "vllm_version": "0.8")"), "weights");
  const double w19 = component(lite(R"(, "vllm_version": "0.19")"), "weights");
  // 2 heads per GPU: W_Q_UK 2048 x 2 x 512 + W_UV_O 2 x 512 x 2048 at 2 B, W_QR 2048 x 2 x 64 at 2 B, 27 layers.
  const double absorbed = 27.0 * 2 * ((2048.0 * 512 + 512.0 * 2048) * 2 + 2048.0 * 64 * 2);
  CHECK(w07 - w08 == doctest::Approx(absorbed));
  CHECK(w19 == doctest::Approx(w08));
  // kv_a_proj_with_mqa 2048 x 576 at 2 B on 27 layers and the router 2048 x 64 at 2 B on 26, 7/8 beyond 1/tp.
  const double replicated = (27.0 * 2048 * 576 * 2 + 26.0 * 2048 * 64 * 2) * 7.0 / 8.0;
  const double even_split = component(run(std::string(R"({"model": )") + kLiteModel + R"(, "workload": "inference",
    "gpu": "A100-SXM-40GB", "gpus": 8, "inference": {"engine": "hf", "weight_dtype": "fp16", "tp": 8}})"), "weights");
  CHECK(w08 - even_split == doctest::Approx(replicated));
}

TEST_CASE("vLLM MLA with an fp8 checkpoint: requantized absorbed matrices and a dequantized kv_b_proj") {
  const double w07 = component(v3("0.7.3"), "weights"), w08 = component(v3("0.8"), "weights");
  // DeepSeek-V3 at TP 8: 16 heads, q_lora_rank 1536, kv_lora_rank 512, hidden 7168, 61 layers.
  const double absorbed = 61.0 * 16 * ((1536.0 * 512 + 512.0 * 7168) * 1 + 1536.0 * 64 * 2);
  const double dequant07 = 61.0 * 512 * 16 * 256 * memory::kVllmMlaDequantFp32Bytes;
  const double dequant08 = 61.0 * 512 * 16 * 256 * 2;
  CHECK(w07 - w08 == doctest::Approx(absorbed + dequant07 - dequant08));
}

TEST_CASE("vLLM V0 (0.7) pads the MLA cache entry to 256 bytes; V1 (0.8+) does not") {
  const double tokens07 = lite(R"(, "vllm_version": "0.7")").at("inference").at("kv_bytes_per_token").get<double>();
  CHECK(tokens07 == doctest::Approx(640.0 * 2 * 27));  // 1,152 B -> 1,280 B
  TransformerStack s;
  s.attention = AttentionKind::mla;
  s.mla.kv_lora_rank = 512;
  s.mla.qk_rope_head_dim = 64;
  CHECK(memory::vllm_kv_pad_factor(s, 2.0, VllmVersion{"0.7", 0, 7}) == doctest::Approx(1280.0 / 1152.0));
  CHECK(memory::vllm_kv_pad_factor(s, 2.0, VllmVersion{"0.8", 0, 8}) == doctest::Approx(1.0));
  CHECK(memory::vllm_mla_cache_entry_bytes(s, 1.0, VllmVersion{"0.7", 0, 7}) == doctest::Approx(768.0));  // fp8: 576 B
  CHECK(memory::vllm_mla_cache_entry_bytes(s, 2.0, VllmVersion{"0.6", 0, 6}) == doctest::Approx(1152.0));
  s.attention = AttentionKind::mha_gqa;
  CHECK(memory::vllm_kv_pad_factor(s, 2.0, VllmVersion{"0.7", 0, 7}) == doctest::Approx(1.0));
}

TEST_CASE("vLLM before 0.7 warns that it caches no latent") {
  CHECK(has_warning(lite(R"(, "vllm_version": "0.6")"), "before 0.7.1"));
  CHECK_FALSE(has_warning(lite(R"(, "vllm_version": "0.7")"), "before 0.7.1"));
}

TEST_CASE("NCCL's buffers count twice above two ranks in releases before 0.17") {
  using namespace memory;
  const VllmVersion v{"0.7", 0, 7};
  CHECK(vllm_non_torch_bytes(v, 2, 1) == doctest::Approx(kVllmNonTorchBytes + kNcclBytes));
  CHECK(vllm_non_torch_bytes(v, 4, 1) == doctest::Approx(kVllmNonTorchBytes + kNcclPeersAboveTwoRanks * kNcclBytes));
  CHECK(vllm_non_torch_bytes(v, 8, 1) == doctest::Approx(vllm_non_torch_bytes(v, 4, 1)));
  CHECK(vllm_non_torch_bytes(VllmVersion{"0.19", 0, 19}, 8, 1) == doctest::Approx(kVllmTpNonTorchBytesCurrent));
  CHECK(vllm_non_torch_formula(v, 8, 1).find("2 peers per channel") != std::string::npos);
}

const GpuSpec* catalog_gpu(const char* id) {
  auto loaded = load_catalog();
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().line()));
  return find_gpu(*loaded.value(), id);
}

TEST_CASE("NCCL's NVLS buffers: multicast NVSwitch, more than two GPUs, by the NCCL of the release") {
  using namespace memory;
  const GpuSpec* h200 = catalog_gpu("H200-141GB");
  const GpuSpec* a100 = catalog_gpu("A100-SXM-40GB");
  REQUIRE(h200 != nullptr);
  REQUIRE(a100 != nullptr);
  const double mib = 1024.0 * 1024.0;
  // NCCL 2.21.5: 24 channels x 2 x (128 KiB x 8 + 2 MiB) x 8 heads = 1,152 MiB.
  CHECK(vllm_nvls_bytes(VllmVersion{"0.7", 0, 7}, 8, h200) == doctest::Approx(1152.0 * mib));
  // NCCL 2.20.5 (before 0.7): 24 x 2 x (4 MiB + 2 MiB) x 4 heads = 1,152 MiB at TP 4.
  CHECK(vllm_nvls_bytes(VllmVersion{"0.6", 0, 6}, 4, h200) == doctest::Approx(1152.0 * mib));
  CHECK(vllm_nvls_bytes(VllmVersion{"0.7", 0, 7}, 2, h200) == 0);  // nvls.cc: off at <= 2 GPUs
  CHECK(vllm_nvls_bytes(VllmVersion{"0.7", 0, 7}, 8, a100) == 0);  // no multicast on A100's NVSwitch
  CHECK(vllm_nvls_bytes(VllmVersion{"0.9", 0, 9}, 8, h200) == 0);  // lazy from NCCL 2.22: not counted
  CHECK(vllm_nvls_formula(VllmVersion{"0.7", 0, 7}, 8).find("2.21.5") != std::string::npos);
  const Json r = v3("0.7.3");
  CHECK(component(r, "cuda_context") ==
        doctest::Approx(kVllmNonTorchBytes + kNcclPeersAboveTwoRanks * kNcclBytes + 1152.0 * mib));
}

}  // namespace
}  // namespace vramplan
