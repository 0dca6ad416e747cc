// Term functions of the time model (vramplan/time.hpp), each against a hand computation.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "vramplan/time.hpp"

using namespace vramplan;
using namespace vramplan::time;

TEST_CASE("training FLOPs per token: 6N + 12 L h s (Narayanan 2021) on Llama 3.1 8B at seq 2048") {
  const double n = 8.03e9, layers = 32, width = 4096, seq = 2048;
  // 12 x 32 x 4096 x 2048 = 3,221,225,472 by hand.
  CHECK(3.0 * forward_attention_flops_per_token(layers, width, seq) == doctest::Approx(3221225472.0));
  CHECK(full_training_flops_per_token(n, layers, width, seq) == doctest::Approx(6 * 8.03e9 + 3221225472.0));
  // The attention share grows linearly with the sequence: s/(6h) of the matmul term per Narayanan (l h^2 ~ N/12).
  CHECK(full_training_flops_per_token(n, layers, width, 4096) - full_training_flops_per_token(n, layers, width, 2048) ==
        doctest::Approx(3221225472.0));
  CHECK(forward_matmul_flops_per_token(n) == doctest::Approx(1.606e10));
}

TEST_CASE("LoRA: 4N for the frozen base + full attention + 6 per adapter parameter; recompute = one forward") {
  const double n = 1e9, a = 1e7, layers = 10, width = 1000, seq = 100;
  const double attn_fwd = 4.0 * 10 * 1000 * 100;  // 4e6
  CHECK(lora_training_flops_per_token(n, a, layers, width, seq) == doctest::Approx(4e9 + 3 * attn_fwd + 6e7));
  CHECK(lora_training_flops_per_token(n, 0, layers, width, seq) < full_training_flops_per_token(n, layers, width, seq));
  CHECK(recompute_flops_per_token(n, layers, width, seq) == doctest::Approx(2e9 + attn_fwd));
  // HFU / MFU = 4/3 with full recompute (llm-foundry's tables).
  const double model = full_training_flops_per_token(n, layers, width, seq);
  CHECK((model + recompute_flops_per_token(n, layers, width, seq)) / model == doctest::Approx(4.0 / 3.0));
  // Inference: 2N + 2 L ctx d (Kaplan Table 1).
  CHECK(inference_flops_per_token(n, layers, width, 500) == doctest::Approx(2e9 + 2.0 * 10 * 500 * 1000));
}

TEST_CASE("compute time, dequantisation and the pipeline bubble") {
  // 1e18 FLOPs on 8 GPUs of 989.4 TFLOP/s at 40%: 1e18 / (8 x 989.4e12 x 0.4) = 315.85 s.
  CHECK(compute_seconds(1e18, 8, 989.4e12, 0.4) == doctest::Approx(315.848).epsilon(1e-4));
  CHECK(compute_seconds(1e18, 0, 989.4e12, 0.4) == 0.0);  // never inf
  // 8e9 params x 2.5 bytes x 3 passes / (1e12 x 0.7) = 85.714 ms.
  CHECK(dequant_seconds(8e9, 3, 1e12, 0.7) == doctest::Approx(0.0857143).epsilon(1e-4));
  CHECK(pipeline_bubble_fraction(4, 8) == doctest::Approx(0.375));
  CHECK(pipeline_bubble_fraction(1, 8) == 0.0);
  CHECK(pipeline_bubble_fraction(4, 0) == doctest::Approx(3.0));  // m < 1 counts as one microbatch
}

TEST_CASE("expert data parallelism: routed experts synchronise over gpus / (ep x etp x pp) ranks") {
  // Megatron-Core's expert data-parallel group: world / (ep x etp x pp).
  CHECK(expert_data_parallel_ranks(32, 8, 2, 1) == 2.0);   // t21's layout: 32 GPUs, ep 8, etp = tp = 2
  CHECK(expert_data_parallel_ranks(64, 8, 1, 1) == 8.0);
  CHECK(expert_data_parallel_ranks(8, 8, 1, 1) == 1.0);    // EP over all the data-parallel ranks: no expert sync
  CHECK(expert_data_parallel_ranks(256, 16, 1, 16) == 1.0);
  CHECK(expert_data_parallel_ranks(4, 8, 1, 1) == 1.0);    // never below one
  CHECK(expert_data_parallel_ranks(0, 0, 0, 0) == 1.0);
  // Dense 3 GB over 8 ranks at 100 GB/s x 0.8: 3e9 x 7/8 / 80e9 = 32.8125 ms; 60 GB of experts over one rank:
  // nothing; over two ranks: 60e9 x 1/2 / 80e9 = 375 ms more.
  CHECK(data_parallel_sync_seconds(3e9, 8, 60e9, 1, 100e9) == doctest::Approx(0.0328125));
  CHECK(data_parallel_sync_seconds(3e9, 8, 60e9, 2, 100e9) == doctest::Approx(0.0328125 + 0.375));
  CHECK(data_parallel_sync_seconds(3e9, 8, 0, 2, 100e9) == doctest::Approx(0.0328125));  // a dense model
}

TEST_CASE("RL micro-batches: packed bins of micro x bin tokens, else micro-batch-size slices of sequences") {
  // t20's shape: 2,048 sequences of 1,192 tokens on 8 data-parallel ranks = 256 sequences, 305,152 tokens
  // per rank; NeMo RL packs them into bins of 1 x 4,096 tokens: ceil(305,152 / 4,096) = ceil(74.5) = 75.
  CHECK(rl_microbatches(305152, 256, 1, 4096, true) == 75.0);
  // Two sequences per bin-sized micro-batch: ceil(305,152 / 8,192) = ceil(37.25) = 38.
  CHECK(rl_microbatches(305152, 256, 2, 4096, true) == 38.0);
  // Unpacked: micro_batch_size sequences each: 256 / 1 = 256, 256 / 3 = 85.33 -> 85 (whole micro-batches).
  CHECK(rl_microbatches(305152, 256, 1, 4096, false) == 256.0);
  CHECK(rl_microbatches(305152, 256, 3, 4096, false) == 85.0);
  // Never below one, never NaN: fewer tokens than a bin, a zero bin, a zero micro-batch.
  CHECK(rl_microbatches(100, 1, 1, 4096, true) == 1.0);
  CHECK(rl_microbatches(100, 1, 1, 0, true) == 1.0);
  CHECK(rl_microbatches(0, 0, 0, 4096, false) == 1.0);
}

TEST_CASE("collectives: ring passes, link choice and overlap") {
  // 1 GB, 8 ranks, FSDP's 3 passes, 100 GB/s at 80%: 3 x 1e9 x 7/8 / 80e9 = 32.8125 ms.
  CHECK(data_parallel_passes(3) == 3.0);
  CHECK(data_parallel_passes(0) == 2.0);
  CHECK(ring_seconds(1e9, 8, data_parallel_passes(3), 100e9) == doctest::Approx(0.0328125));
  CHECK(ring_seconds(1e9, 1, 3, 100e9) == 0.0);
  CHECK(collective_link_bytes_per_s(8, 450e9, kInterNodeBytesPerS) == 450e9);
  CHECK(collective_link_bytes_per_s(16, 450e9, kInterNodeBytesPerS) == kInterNodeBytesPerS);
  CHECK(collective_link_bytes_per_s(4, 0, kInterNodeBytesPerS) == kFallbackIntraNodeBytesPerS);
  // 10 s of traffic under 5 s of compute: 5 s hide, 5 exposed; under 100 s: 20% cannot hide.
  CHECK(exposed_comm_seconds(10, 5, 0.8) == doctest::Approx(5.0));
  CHECK(exposed_comm_seconds(10, 100, 0.8) == doctest::Approx(2.0));
  CHECK(exposed_comm_seconds(10, 100, 1.0) == doctest::Approx(0.0));
}

TEST_CASE("decode roofline: the step is bytes / bandwidth when memory bound, flops / peak when compute bound") {
  // 16 GB of bf16 weights on an H100 SXM (3.35 TB/s) at efficiency 1: 4.776 ms per token.
  CHECK(decode_step_seconds(16e9, 1.6e10, 3.35e12, 1.0, 989.4e12, 1.0) == doctest::Approx(16e9 / 3.35e12));
  // A batch of 1024 sequences: 1024 x 1.6e10 FLOPs / 989.4e12 = 16.56 ms > the memory bound.
  CHECK(decode_step_seconds(16e9, 1024 * 1.6e10, 3.35e12, 1.0, 989.4e12, 1.0) ==
        doctest::Approx(1024 * 1.6e10 / 989.4e12));
  CHECK(decode_step_seconds(16e9, 0, 3.35e12, 0.7, 989.4e12, 0.5) == doctest::Approx(16e9 / (3.35e12 * 0.7)));
  CHECK(concurrent_sequences(100000, 3000, 16) == 16);
  CHECK(concurrent_sequences(100000, 3000, 1024) == 33);
  CHECK(concurrent_sequences(100000, 0, 1024) == 0);
}

TEST_CASE("default MFU bands by generation, fp8 and long context; constants listed") {
  const Band h = default_training_mfu("Hopper", false, 4096);
  CHECK(h.value == kMfuHopper);
  CHECK(h.low < h.value);
  CHECK(h.value < h.high);
  CHECK(default_training_mfu("Ampere", false, 4096).value == kMfuAmpere);
  CHECK(default_training_mfu("Ada Lovelace", false, 4096).value == kMfuOther);
  CHECK(default_training_mfu("Hopper", true, 4096).value == kMfuFp8);
  CHECK(default_training_mfu("Hopper", false, 32768).value == doctest::Approx(kMfuHopper * kLongContextMfuScale));
  // Full activation checkpointing scales the whole band (value, low, high) by kCheckpointHfuGain, and the
  // long-context scale applies on top of it.
  const Band ac = default_training_mfu("Hopper", false, 4096, true);
  CHECK(ac.value == doctest::Approx(kMfuHopper * kCheckpointHfuGain));
  CHECK(ac.low == doctest::Approx(kMfuHopperLow * kCheckpointHfuGain));
  CHECK(ac.high == doctest::Approx(kMfuHopperHigh * kCheckpointHfuGain));
  CHECK(ac.high < 1.0);
  CHECK(default_training_mfu("Ampere", false, 65536, true).value ==
        doctest::Approx(kMfuAmpere * kCheckpointHfuGain * kLongContextMfuScale));
  CHECK(default_decode_efficiency().value == kDecodeBandwidthEfficiency);
  CHECK(default_prefill_mfu().high <= 1.0);
  bool found = false;
  for (const ConstantInfo& c : time_constants()) {
    CHECK(std::string(c.source).size() > 20);
    CHECK(std::isfinite(c.value));
    if (std::string(c.name) == "kMfuHopper") found = c.value == kMfuHopper;
  }
  CHECK(found);
}

TEST_CASE("collectives per optimizer step with gradient accumulation, by ZeRO stage") {
  const double params = 100, grads = 10;  // bytes
  // ZeRO-3/FSDP: 2 all-gathers + 1 reduce-scatter in each of 4 micro-batches = 4 x (200 + 10).
  CHECK(data_parallel_step_bytes(3, params, grads, 4) == doctest::Approx(840));
  // ZeRO-2: a reduce-scatter per micro-batch + one all-gather after the step = 4 x 10 + 10.
  CHECK(data_parallel_step_bytes(2, params, grads, 4) == doctest::Approx(50));
  // DDP / ZeRO-1: one all-reduce (2 passes) per optimizer step, whatever the accumulation.
  CHECK(data_parallel_step_bytes(1, params, grads, 4) == doctest::Approx(20));
  CHECK(data_parallel_step_bytes(0, params, grads, 32) == doctest::Approx(20));
  // One micro-batch: the passes of data_parallel_passes.
  CHECK(data_parallel_step_bytes(3, params, grads, 1) == doctest::Approx(210));
  CHECK(data_parallel_step_bytes(2, params, grads, 1) == doctest::Approx(data_parallel_passes(2) * grads));
}

TEST_CASE("NCCL's latency model for a small all-reduce, and the memory-bound optimizer step") {
  // 4 ranks on NVLink: 3.6 us + 2 x 3 x 0.47 us = 6.42 us, plus 8 x 8192 x 2 bytes x 2 x 3/4 / (450e9 x 0.8).
  const double bytes = 8.0 * 8192 * 2;
  const double expected = 3.6e-6 + 6 * 0.47e-6 + bytes * 2 * 0.75 / (450e9 * 0.8);
  CHECK(small_all_reduce_seconds(bytes, 4, kCollectiveNvlinkStepLatencySeconds, 450e9) == doctest::Approx(expected));
  CHECK(small_all_reduce_seconds(bytes, 1, kCollectiveNvlinkStepLatencySeconds, 450e9) == 0.0);
  // AdamW under mixed-bf16: grad 2 + states 2 x 8 + master 2 x 4 + bf16 copy 2 = 28 bytes; amp-bf16
  // (fp32 weights and grads, no master): 4 + 16 + 8 = 28; 8-bit states: 2 + 2 x 2 + 8 + 2 = 16.
  CHECK(optimizer_step_bytes_per_param(2, 2, 4, 8) == doctest::Approx(28));
  CHECK(optimizer_step_bytes_per_param(4, 4, 0, 8) == doctest::Approx(28));
  CHECK(optimizer_step_bytes_per_param(2, 2, 4, 2) == doctest::Approx(16));
  // rl.phase_offload: 10 GB of weights and 30 GB of states out and back, three reference copies: 110 GB;
  // a critic doubles the policy's part (190 GB); LoRA without reference: weights only (20 GB).
  CHECK(phase_offload_bytes(10e9, 30e9, 1, kReferenceSwapCopies) == doctest::Approx(110e9));
  CHECK(phase_offload_bytes(10e9, 30e9, 2, 3) == doctest::Approx(190e9));
  CHECK(phase_offload_bytes(10e9, 0, 1, 0) == doctest::Approx(20e9));
  // 1e9 params x 28 bytes / (3.35e12 x 0.7) = 11.94 ms.
  CHECK(memory_bound_seconds(28e9, 3.35e12, 0.7) == doctest::Approx(0.0119403).epsilon(1e-4));
  CHECK(memory_bound_seconds(28e9, 0, 0.7) == 0.0);
}

TEST_CASE("MoE training terms: narrow experts' GEMM rate, all-to-all and permutation bytes") {
  // Half of the active FLOPs in narrow experts: 0.5 + 0.5 / 0.79.
  CHECK(moe_compute_factor(0.5, true) == doctest::Approx(0.5 + 0.5 / kMoeNarrowExpertEfficiency));
  CHECK(moe_compute_factor(0.5, false) == 1.0);
  CHECK(moe_compute_factor(2.0, true) == doctest::Approx(1.0 / kMoeNarrowExpertEfficiency));  // clamped share
  // Qwen3-30B-A3B: 48 MoE layers, top-8, hidden 2048, ep 8, 4 passes:
  // 48 x 8 x 2048 x 2 bytes x 4 x 7/8 = 5,505,024 bytes per token.
  CHECK(moe_all_to_all_bytes_per_token(48, 8, 2048, 8, 4) == doctest::Approx(5505024));
  CHECK(moe_all_to_all_bytes_per_token(48, 8, 2048, 1, 4) == 0.0);
  // Permutation: 48 x 8 copies x 8 x 2048 x 2 = 12,582,912 bytes per token.
  CHECK(moe_permute_bytes_per_token(48, 8, 2048, 8) == doctest::Approx(12582912));
  for (const char* name : {"kMoeNarrowExpertEfficiency", "kRefitBytesPerS", "kCollectiveBaseLatencySeconds"}) {
    bool listed = false;
    for (const ConstantInfo& c : time_constants()) listed = listed || std::string(c.name) == name;
    CHECK_MESSAGE(listed, name);
  }
}
