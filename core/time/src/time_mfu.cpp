// Default utilisations (MFU, decode bandwidth efficiency) per workload and GPU generation, and the list
// of the time model's empirical constants for the result and the docs. Values and sources are in
// vramplan/time.hpp; the published figures behind them in docs/time-model.md.
#include "vramplan/time.hpp"

namespace vramplan::time {

namespace {
Band scaled(Band b, double s) { return {b.value * s, b.low * s, b.high * s}; }
}  // namespace

// The generation picks the band (mfu-research §6); an fp8 compute dtype on a GPU with an fp8 peak uses
// the fp8 band against that peak; sequences from kLongContextTokens up lose throughput to attention
// kernels and communication beyond what the attention FLOPs term counts (llm-foundry 7B H100, 4k -> 32k);
// full activation checkpointing raises the hardware rate by kCheckpointHfuGain (its larger micro-batches).
Band default_training_mfu(std::string_view architecture, bool fp8_peak, double seq_len, bool checkpointing) {
  Band b{kMfuOther, kMfuOtherLow, kMfuOtherHigh};
  if (fp8_peak) {
    b = {kMfuFp8, kMfuFp8Low, kMfuFp8High};
  } else if (architecture == "Hopper") {
    b = {kMfuHopper, kMfuHopperLow, kMfuHopperHigh};
  } else if (architecture == "Ampere") {
    b = {kMfuAmpere, kMfuAmpereLow, kMfuAmpereHigh};
  } else if (architecture == "Blackwell") {
    b = {kMfuBlackwell, kMfuBlackwellLow, kMfuBlackwellHigh};
  }
  if (checkpointing) b = scaled(b, kCheckpointHfuGain);
  return seq_len >= kLongContextTokens ? scaled(b, kLongContextMfuScale) : b;
}

Band default_prefill_mfu() { return {kPrefillMfu, kPrefillMfuLow, kPrefillMfuHigh}; }

Band default_decode_efficiency() {
  return {kDecodeBandwidthEfficiency, kDecodeBandwidthEfficiencyLow, kDecodeBandwidthEfficiencyHigh};
}

}  // namespace vramplan::time

namespace vramplan {

const std::vector<ConstantInfo>& time_constants() {
  using namespace time;
  static const std::vector<ConstantInfo> kConstants = {
      {"kMfuHopper", kMfuHopper, "fraction",
       "training HFU on Hopper, BF16, without activation checkpointing (band 0.30-0.48): Llama 3 arXiv 2407.21783 "
       "s3.3.2 38-43%; Megatron-LM README 41-47%; llm-foundry H100 rows without checkpointing 37.7-46.4%; torchtitan "
       "33-39%"},
      {"kMfuAmpere", kMfuAmpere, "fraction",
       "training HFU on Ampere, BF16, without activation checkpointing (band 0.45-0.64): llm-foundry A100 80GB rows "
       "without checkpointing 56.7-64.2% (median 59.7), A100 40GB 54.4-57.8%; torchtitan 64x A100 58.2-61.1%"},
      {"kCheckpointHfuGain", kCheckpointHfuGain, "factor",
       "HFU with full activation checkpointing over HFU without (larger micro-batches): llm-foundry medians H100 "
       "52.4/40.8 = 1.28, A100 80GB 72.6/59.7 = 1.22, A100 40GB 67.3/55.8 = 1.21; the smallest, rounded down"},
      {"kMfuBlackwell", kMfuBlackwell, "fraction",
       "training MFU on Blackwell (band 0.25-0.45): provisional, Hopper's band shifted down, no sourced figure yet"},
      {"kMfuOther", kMfuOther, "fraction",
       "training MFU on other GPUs (band 0.30-0.55): torchtune RTX 4090 full fine-tune of Llama 3.1 8B, 1,650 tok/s = "
       "48% of 165 TFLOPS"},
      {"kMfuFp8", kMfuFp8, "fraction of the fp8 peak",
       "training MFU with fp8 compute (band 0.18-0.30): llm-foundry H100 FP8 rows 27.7-29.1%; torchtitan Float8 "
       "1.28-1.6x over BF16"},
      {"kLongContextMfuScale", kLongContextMfuScale, "factor",
       "HFU scale from 32768-token sequences: llm-foundry checkpointed 7B on H100 53.9% at 4k -> 41.25% at 32k (0.77), "
       "A100 0.90"},
      {"kPrefillMfu", kPrefillMfu, "fraction", "serving prefill MFU (band 0.30-0.70): provisional"},
      {"kDecodeBandwidthEfficiency", kDecodeBandwidthEfficiency, "fraction of HBM peak",
       "decode memory-bandwidth utilisation (band 0.55-0.85): practitioner range 60-85% for vLLM/TensorRT-LLM, "
       "provisional"},
      {"kCommOverlapFraction", kCommOverlapFraction, "fraction",
       "share of data-parallel collectives that can hide under compute (Zhao et al. 2023, PyTorch FSDP s3.3 "
       "prefetching); a judgment"},
      {"kCollectiveEfficiency", kCollectiveEfficiency, "fraction of link peak",
       "NCCL ring bus bandwidth on large messages (nccl-tests doc/PERFORMANCE.md)"},
      {"kInterNodeBytesPerS", kInterNodeBytesPerS, "bytes/s per GPU",
       "one 400 Gb/s NDR InfiniBand NIC per GPU (DGX H100 user guide); cluster.inter_node_bytes_per_s overrides"},
      {"kFallbackIntraNodeBytesPerS", kFallbackIntraNodeBytesPerS, "bytes/s per GPU",
       "PCIe 4.0 x16 one direction, when the GPU catalog has no interconnect entry"},
      {"kGpusPerNode", kGpusPerNode, "GPUs", "DGX/HGX nodes of 8 GPUs"},
      {"kCollectiveBaseLatencySeconds", kCollectiveBaseLatencySeconds, "s",
       "small all-reduce base latency, NCCL src/graph/tuning.cc baseLat (Ring/LL); tensor-parallel all-reduces of decode"},
      {"kCollectiveNvlinkStepLatencySeconds", kCollectiveNvlinkStepLatencySeconds, "s",
       "latency per ring step on NVLink, NCCL tuning.cc hwLat (Ring/LL); an all-reduce takes 2 (n-1) steps"},
      {"kCollectivePcieStepLatencySeconds", kCollectivePcieStepLatencySeconds, "s",
       "latency per ring step on PCIe, NCCL tuning.cc hwLat (Ring/LL)"},
      {"kRefitBytesPerS", kRefitBytesPerS, "bytes/s",
       "RL refit into a colocated engine by CUDA IPC, end to end: XTuner docs IPC update table (Qwen3-8B 1.1 s, "
       "Qwen3-30B-A3B 3.7 s)"},
      {"kReferenceSwapCopies", kReferenceSwapCopies, "copies of the weights",
       "RL with rl.phase_offload: the reference's weights swapped through host RAM for its forward, NeMo RL "
       "megatron_policy_worker.py use_reference_model (policy out, reference in, policy back); verl: 2"},
      {"kMoeAllToAllPassesPerLayer", kMoeAllToAllPassesPerLayer, "passes",
       "expert-parallel all-to-all per MoE layer: dispatch + combine, forward + backward (Megatron-Core "
       "MoEAlltoAllTokenDispatcher)"},
      {"kMoeNarrowExpertEfficiency", kMoeNarrowExpertEfficiency, "factor",
       "grouped-GEMM rate of experts narrower than the hidden size vs dense: Megatron-Core MoE on H100, Qwen2-57B-A14B "
       "39.0% / Mixtral-8x22B 49.3% MFU (arXiv 2504.14960)"},
      {"kMoePermuteCopiesPerLayer", kMoePermuteCopiesPerLayer, "copies",
       "router token permutation per MoE layer: permute + unpermute, read + write, forward + backward (Megatron-Core "
       "moe_utils.py permute/unpermute)"},
  };
  return kConstants;
}

}  // namespace vramplan
