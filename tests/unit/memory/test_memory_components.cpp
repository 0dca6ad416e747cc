// Component functions of the memory model (vramplan/memory.hpp) on a tiny block whose arithmetic fits
// on paper: hidden 8, 2 heads of 4 (1 kv head), SwiGLU width 16, 2 layers, RMSNorm, vocab 100.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "vramplan/estimate.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/memory_loss.hpp"
#include "vramplan/memory_media.hpp"

using namespace vramplan;
using namespace vramplan::memory;

namespace {

TransformerStack tiny() {
  TransformerStack s;
  s.layers = 2;
  s.hidden_size = 8;
  s.num_heads = 2;
  s.num_kv_heads = 1;
  s.head_dim = 4;
  s.intermediate_size = 16;
  s.mlp = MlpKind::gated;
  s.norm = NormKind::rms;
  s.norms_per_layer = 2;
  return s;
}

}  // namespace

TEST_CASE("NF4, int4 and 8-bit formats: bytes per parameter") {
  // 4 bits + one 8-bit absmax per 64 + one fp32 per 64 x 256 (double quantization): the paper's 4.127 bits.
  CHECK(nf4_bytes_per_param(true) == doctest::Approx(0.5 + 1.0 / 64 + 4.0 / 16384));
  CHECK(nf4_bytes_per_param(true) * 8 == doctest::Approx(4.127).epsilon(0.001));
  CHECK(nf4_bytes_per_param(false) == doctest::Approx(0.5625));  // fp32 absmax per 64
  CHECK(quantized_bytes_per_param(DType::int4) == doctest::Approx(0.5 + 2.5 / 128));
  CHECK(quantized_bytes_per_param(DType::fp8) == 1.0);
  CHECK(quantized_bytes_per_param(DType::bf16) == 2.0);
  CHECK(kNf4BlockSize == 64);
  CHECK(kNf4SecondBlockSize == 256);
  CHECK(kInt4GroupSize == 128);
}

TEST_CASE("linear inventory and LoRA parameters of the tiny block") {
  const LinearInventory inv = linear_inventory(tiny());
  // q 8x8 + k 8x4 + v 8x4 + o 8x8 = 192; gate, up, down 3 x 8x16 = 384; x 2 layers.
  CHECK(inv.weight_params == 1152);
  CHECK(inv.dense_layers == 2);
  CHECK(inv.moe_layers == 0);
  // all-linear rank 2: q 2(8+8) + k 2(8+4) + v 2(8+4) + o 2(8+8) + 3 x 2(8+16) = 256 per layer.
  CHECK(lora_params(inv, kModAllLinear, 2) == 512);
  LoraSettings qv;
  qv.all_linear = false;
  qv.targets = {"q_proj", "v_proj"};
  const std::uint32_t mask = lora_target_mask(qv, MlpKind::gated);
  CHECK(mask == (kModQ | kModV));
  CHECK(lora_params(inv, mask, 2) == 112);  // (32 + 24) x 2 layers
  LoraSettings fused;
  fused.all_linear = false;
  fused.targets = {"qkv_proj", "gate_up_proj", "fc2"};
  CHECK(lora_target_mask(fused, MlpKind::gated) == (kModQ | kModK | kModV | kModGate | kModUp | kModDown));
}

TEST_CASE("MoE inventory counts every expert, the router and shared experts") {
  TransformerStack s = tiny();
  s.moe.num_experts = 4;
  s.moe.experts_per_token = 2;
  s.moe.expert_intermediate = 4;
  s.moe.shared_experts = 1;
  s.moe.shared_intermediate = 4;
  s.moe.first_dense_layers = 1;
  const LinearInventory inv = linear_inventory(s);
  CHECK(inv.moe_layers == 1);
  CHECK(inv.dense_layers == 1);
  // attention 192 x 2 + dense MLP 384 + experts 4 x 3 x 8x4 + shared 3 x 8x4 + router 8x4.
  CHECK(inv.weight_params == 384 + 384 + 384 + 96 + 32);
}

TEST_CASE("precision bytes follow the contract") {
  CHECK(precision_bytes(Precision::fp32).weight == 4);
  CHECK(precision_bytes(Precision::amp_bf16).compute == 2);
  CHECK(precision_bytes(Precision::amp_bf16).residual == 4);
  CHECK(precision_bytes(Precision::bf16).state == 2);
  const PrecisionBytes mixed = precision_bytes(Precision::mixed_bf16);
  CHECK(mixed.weight + mixed.grad + mixed.master + 2 * mixed.state == 16);
}

TEST_CASE("optimizer states for 100 parameters, 96 of them in matrices (rows + columns = 20)") {
  CHECK(optimizer_state_bytes(Optimizer::adamw, 100, 96, 20, 4) == 800);
  CHECK(optimizer_state_bytes(Optimizer::adamw, 100, 96, 20, 2) == 400);
  // 8-bit: 2 x 96 x (1 + 4/256) + 2 x 4 x 4 fp32 for the small tensors.
  CHECK(optimizer_state_bytes(Optimizer::adamw_8bit, 100, 96, 20, 4) == doctest::Approx(195 + 32));
  CHECK(optimizer_state_bytes(Optimizer::sgd, 100, 96, 20, 4) == 400);
  CHECK(optimizer_state_bytes(Optimizer::adafactor, 100, 96, 20, 4) == (20 + 4) * 4);
  CHECK(optimizer_step_temp_bytes(Optimizer::adamw, 100, 4) == 400 * kAdamForeachTempStates);
  CHECK(optimizer_step_temp_bytes(Optimizer::adamw_8bit, 100, 4) == 0);
  CHECK(kAdam8bitBlockSize == 256);
  CHECK(kAdam8bitMinSize == 4096);
}

TEST_CASE("activations per token of the tiny block") {
  const TransformerStack s = tiny();
  ActivationConfig c;  // bf16, full fine-tuning, flash
  // norms 2 x (4 x 8 fp32 input + 2 x 8 normalised) = 96; attention: input 16 + (q 8 + k 4 + v 4 + out 8) x 2
  // = 64; MLP: input 16 + (gate, act, up, product) 4 x 16 x 2 = 144.
  CHECK(layer_activation_bytes_per_token(s, c, 10, false) == 304);
  c.attention = Attention::sdpa;  // k, v expanded to both heads: (4 x 8) x 2
  CHECK(layer_activation_bytes_per_token(s, c, 10, false) == 96 + 16 + 64 + 144);
  c.attention = Attention::eager;  // q, k, v expanded + output (4 x 8 x 2) + 2 heads x 10 x (4 + 2)
  CHECK(layer_activation_bytes_per_token(s, c, 10, false) == 96 + 16 + 64 + 120 + 144);
  c.dropout = true;  // + 2 heads x 10 x 1 (mask) + 2 x 8 hidden masks
  CHECK(layer_activation_bytes_per_token(s, c, 10, false) == 96 + 16 + 16 + 64 + 140 + 144);

  ActivationConfig lora;  // frozen base, LoRA rank 2 on q and v
  lora.full = false;
  lora.lora_mask = kModQ | kModV;
  lora.lora_rank = 2;
  // norms 2 x 32 (weights frozen); attention input 16 + 48 + lora_A outputs 2 x 2 x 2; MLP: gate, act, up 96.
  CHECK(layer_activation_bytes_per_token(s, lora, 10, false) == 64 + 72 + 96);

  ActivationConfig tp2;
  tp2.tp = 2;  // norms replicated, attention and MLP halved
  CHECK(layer_activation_bytes_per_token(s, tp2, 10, false) == 96 + (64 + 144) / 2.0);
}

TEST_CASE("logits and cross-entropy") {
  // 10 tokens x 100 vocab x (2 B logits + 3 x 4 B fp32).
  CHECK(logits_training_bytes(10, 100, 2) == 14000);
  CHECK(kCrossEntropyFp32Copies == 3);
}

TEST_CASE("train.loss_kernel: TRL chunked_nll and Liger fused linear cross-entropy") {
  // 100 tokens x 1000 vocab x hidden 64, bf16 head trained, no autocast (fp32 chunk logits).
  LmHeadLoss d{4, 2, 2, true};
  // Fewer tokens than kTrlChunkedNllTokens: one chunk of 100 rows x 1000 x (4 + 3 x 4), the packed hidden states
  // and their gradient 2 x 100 x 64 x 2, the head's fp32 copy and fp32 gradient 2 x 1000 x 64 x 4.
  CHECK(chunked_nll_training_bytes(100, 1000, 64, d) == 100 * 1000 * 16 + 2 * 100 * 64 * 2 + 2 * 1000 * 64 * 4);
  // 1000 tokens: the chunk is 256 rows.
  CHECK(chunked_nll_training_bytes(1000, 1000, 64, d) == 256 * 1000 * 16 + 2 * 1000 * 64 * 2 + 2 * 1000 * 64 * 4);
  // An fp32 head (autocast's master weights) is not copied; a frozen 16-bit one is copied once.
  CHECK(chunked_nll_training_bytes(1000, 1000, 64, LmHeadLoss{2, 4, 4, true}) == 256 * 1000 * 14 + 2 * 1000 * 64 * 4);
  CHECK(chunked_nll_training_bytes(1000, 1000, 64, LmHeadLoss{4, 2, 2, false}) ==
        256 * 1000 * 16 + 2 * 1000 * 64 * 2 + 1000 * 64 * 4);
  // Per head element: trained 16-bit head 4 + 4 (copy, fp32 gradient); frozen 4, or 4 + 2 under autocast (its
  // 16-bit cast of the copy); fp32 head 0.
  CHECK(chunked_nll_head_copy_bytes(LmHeadLoss{4, 2, 2, true}) == 8);
  CHECK(chunked_nll_head_copy_bytes(LmHeadLoss{4, 2, 2, false}) == 4);
  CHECK(chunked_nll_head_copy_bytes(LmHeadLoss{2, 2, 2, false, true}) == 6);
  CHECK(chunked_nll_head_copy_bytes(LmHeadLoss{2, 4, 4, true, true}) == 0);
  // Liger: inc_factor ceil(1000 / 64) = 16; 100 tokens: next_power_of_2(ceil(100 / 16) = 7) = 8 rows.
  CHECK(fused_linear_ce_chunk_tokens(100, 1000, 64) == 8);
  CHECK(fused_linear_ce_chunk_tokens(1000, 1000, 64) == 64);  // ceil(1000 / 16) = 63 -> 64
  CHECK(fused_linear_ce_chunk_tokens(3, 1000, 64) == 1);
  CHECK(fused_linear_ce_training_bytes(100, 1000, 64, LmHeadLoss{2, 2, 2, true}) ==
        8 * 1000 * 2 + 100 * 64 * 2 + 1000 * 64 * 2);
  CHECK(fused_linear_ce_training_bytes(100, 1000, 64, LmHeadLoss{2, 2, 2, false}) == 8 * 1000 * 2 + 100 * 64 * 2);
}

TEST_CASE("KV cache: GQA, tensor parallelism, sliding window, MLA latent") {
  TransformerStack s = tiny();
  KvPerToken kv = kv_bytes_per_token(s, 2, 1, false);
  CHECK(kv.full_bytes == 2 * 1 * 4 * 2 * 2);  // 2 (K,V) x 1 kv head x 4 x 2 B x 2 layers
  CHECK(kv_cache_bytes(kv, 3, 10) == 3 * 10 * 32);
  CHECK(kv_bytes_per_token(s, 2, 2, false).full_bytes == 32);  // one kv head: replicated on both GPUs
  s.sliding_window = 5;
  s.sliding_window_layers = 1;
  kv = kv_bytes_per_token(s, 2, 1, false);
  CHECK(kv.full_bytes == 16);
  CHECK(kv.window_bytes == 16);
  CHECK(kv_cache_bytes(kv, 1, 10) == 16 * 10 + 16 * 5);
  TransformerStack m = tiny();
  m.attention = AttentionKind::mla;
  m.mla.kv_lora_rank = 8;
  m.mla.qk_rope_head_dim = 2;
  m.mla.qk_nope_head_dim = 4;
  m.mla.v_head_dim = 4;
  CHECK(kv_bytes_per_token(m, 2, 1, true).full_bytes == (8 + 2) * 2 * 2);          // latent
  CHECK(kv_bytes_per_token(m, 2, 1, false).full_bytes == 2 * (4 + 2 + 4) * 2 * 2);  // per-head k and v
}

TEST_CASE("sharding divisors and overhead constants") {
  const ShardDivisors z1 = shard_divisors(Sharding::zero1, 4);
  CHECK((z1.optimizer == 4 && z1.grads == 1 && z1.params == 1));
  const ShardDivisors z2 = shard_divisors(Sharding::zero2, 4);
  CHECK((z2.optimizer == 4 && z2.grads == 4 && z2.params == 1));
  const ShardDivisors f = shard_divisors(Sharding::fsdp, 4);
  CHECK((f.optimizer == 4 && f.grads == 4 && f.params == 4));
  CHECK(shard_divisors(Sharding::zero3, 0).params == 1);
  CHECK(cuda_context_bytes(1) == kCudaContextBytes);
  CHECK(cuda_context_bytes(8) == kCudaContextBytes + kNcclBytes);
  CHECK(kCudaContextBytes == 0.5 * kGiB);
  CHECK(kNcclBytes == 0.4 * kGiB);
  CHECK(allocator_bytes(10 * kGiB) == doctest::Approx(kAllocatorTransientFraction * 10 * kGiB));
  CHECK(kAllocatorTransientFraction == 0.10);
  CHECK(kGatheredUnits == 2);
}

// kNcclBytes (measured: vLLM TP 2 minus TP 1 on H100) against what NCCL's source allocates for one
// communicator of two ranks over NVLink, NCCL 2.20.5 (the release torch 2.4 bundles; NVIDIA/nccl v2.20.5-1).
// init.cc initTransportsRank connects every collective channel's ring to the one peer at init (2.20 has no
// lazy connect; the trees' connectors to the same peer are the ring's: ncclTransportP2pConnect skips a
// connected one). Per channel: the receiver's LL and LL128 buffers and the sender's Simple buffer (P2P read
// on sm80 NVLink, graph/paths.cc; without read the receiver holds all three, the same total), each side with
// its 4 KiB ncclSendMem / ncclRecvMem header, rounded up to CUDA_IPC_MIN (transport/p2p.cc p2pSendSetup,
// p2pRecvSetup). 24 channels on A100 NVSwitch: graph/search.cc finds 6 rings at 40 GB/s (12 NVLinks x
// SM80_NVLINK_BW 20 = 240), ncclTopoDupChannels doubles them at 20 GB/s, ncclTopoPostset doubles again.
// NVLS is off at <= 2 GPUs (transport/nvls.cc ncclNvlsInit). docs/memory-model.md "NCCL's buffers".
TEST_CASE("kNcclBytes covers NCCL 2.20.5's channel buffers of a two-rank NVLink communicator") {
  const double ll = 8.0 * 512 * 8 * 16;      // NCCL_LL_LINES_PER_THREAD x NCCL_LL_MAX_NTHREADS x NCCL_STEPS x 16 B
  const double ll128 = 120.0 * 640 * 8 * 8;  // NCCL_LL128_ELEMS_PER_THREAD x NCCL_LL128_MAX_NTHREADS x NCCL_STEPS x 8 B
  const double simple = 4.0 * 1024 * 1024;   // DEFAULT_BUFFSIZE (NCCL_BUFFSIZE)
  const double header = 4096;                // MEM_ALIGN: sizeof(ncclSendMem) = sizeof(ncclRecvMem)
  const double ipc_min = 2.0 * 1024 * 1024;  // CUDA_IPC_MIN
  const auto rounded = [&](double bytes) { return std::ceil(bytes / ipc_min) * ipc_min; };
  const double with_read = rounded(header + simple) + rounded(header + ll + ll128);
  const double without_read = rounded(header) + rounded(header + ll + ll128 + simple);
  CHECK(with_read == 12.0 * 1024 * 1024);
  CHECK(without_read == with_read);
  const double a100_two_rank_channels = 24;
  const double communicator = a100_two_rank_channels * with_read;  // 288 MiB = 0.28 GiB
  CHECK(kNcclBytes >= communicator);
}

TEST_CASE("every constant is listed with a value and a source") {
  const auto& constants = memory_constants();
  CHECK(constants.size() >= 19);
  for (const ConstantInfo& c : constants) {
    CHECK(c.value > 0);
    CHECK(std::string(c.source).size() > 20);
  }
  CHECK(kVllmBlockSize == 16);
  CHECK(kVllmSamplerFp32Copies == 9.6);
  CHECK(kVllmNonTorchBytes == 0.13 * kGiB);
  CHECK(kDriverReservedBytes == 0.47 * kGiB);
  CHECK(kVllmLargeGpuMaxSeqs == 1024);
  CHECK(kVllmSmallGpuMaxSeqs == 256);
  CHECK(kVllmLargeGpuBatchedTokens == 8192);
  CHECK(kVllmSmallGpuBatchedTokens == 2048);
}

// Issue 15: kInt4GroupBytes was used by the weights but missing from the printed list. Every named
// double constant that the memory header defines must be listed (kGiB is a unit, not a constant).
TEST_CASE("every constant defined in memory.hpp appears in memory_constants()") {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/core/memory/include/vramplan/memory.hpp");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string header = text.str();
  std::set<std::string> listed;
  for (const ConstantInfo& c : memory_constants()) listed.insert(c.name);
  const std::regex defined(R"(inline constexpr double (k[A-Za-z0-9]+)\s*=)");
  int found = 0;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), defined); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1].str();
    if (name == "kGiB") continue;
    ++found;
    CAPTURE(name);
    CHECK(listed.count(name) == 1);
  }
  CHECK(found >= 25);
  CHECK(listed.count("kInt4GroupBytes") == 1);
}

namespace {

// An mllama vision input of `tiles` tiles of `image` px in patches of 14 with a class position, 3 channels, and a
// projector from `vision_out` to `text_hidden`.
ModelConfig mllama_like(std::int64_t image, std::int64_t tiles, std::int64_t vision_out, std::int64_t text_hidden) {
  ModelConfig m;
  VisionInputSpec& v = m.vision_input;
  v.scheme = VisionScheme::mllama_tiles;
  v.patch = 14, v.class_tokens = 1, v.channels = 3;
  v.image_size = image, v.max_tiles = tiles;
  v.projector_in = vision_out, v.projector_out = text_hidden;
  return m;
}

}  // namespace

TEST_CASE("vLLM's mllama profile floor: the vision output beside the projector's, and the pixel values, per dummy image") {
  // 2 tiles of 28 px (2 x 2 patches + class = 5 positions per tile), vision output 12 wide, projector out 8:
  // per image 2 x 5 x (12 + 8) = 200 + pixels 2 x 3 x 28^2 = 4,704, so 4,904 elements; 3 images x 4,904 x 2 B.
  ModelConfig m = mllama_like(28, 2, 12, 8);
  const MediaTerm floor = vllm_mllama_profile_floor(m, 3, 2);
  CHECK(floor.bytes == doctest::Approx(29424.0));
  CHECK(floor.formula.find("3 dummy images") != std::string::npos);
  // Llama-3.2-11B-Vision at h213's 128 sequences: 128 x (4 x 1601 x (7680 + 4096) + 4 x 3 x 560^2) x 2 B.
  CHECK(vllm_mllama_profile_floor(mllama_like(560, 4, 7680, 4096), 128, 2).bytes == doctest::Approx(20269236224.0));
  // Another processor's images are not sized here.
  m.vision_input.scheme = VisionScheme::qwen_dynamic;
  CHECK(vllm_mllama_profile_floor(m, 128, 2).bytes == 0);
}
