// Compute time at an MFU, QLoRA's dequantisation, data-parallel collectives, their overlap with
// compute and the pipeline bubble.
#include <algorithm>
#include <cmath>

#include "vramplan/time.hpp"

namespace vramplan::time {

namespace {
// Guards every division: a non-positive or non-finite divisor yields 0 seconds, never inf/NaN; the
// scenario layer refuses such inputs before they reach here.
double safe_div(double a, double b) { return (b > 0 && std::isfinite(b) && std::isfinite(a)) ? a / b : 0.0; }
}  // namespace

// MFU definition (Chowdhery et al. 2022, PaLM, appendix B): time = model FLOPs / (peak x MFU).
double compute_seconds(double flops, double gpus, double peak_flops, double mfu) {
  return safe_div(flops, gpus * peak_flops * mfu);
}

// bitsandbytes/autograd/_functions.py MatMul4Bit.forward/backward: F.dequantize_4bit(B, quant_state)
// reads the packed 4-bit weights (0.5 byte + absmax) and writes a bf16 copy (2 bytes) for the GEMM.
double dequant_seconds(double params_on_gpu, double passes, double bandwidth, double efficiency) {
  return safe_div(params_on_gpu * 2.5 * passes, bandwidth * efficiency);
}

// Ring all-gather / reduce-scatter: each rank sends and receives (n-1)/n of the buffer (Patarasuk & Yuan
// 2009, "Bandwidth optimal all-reduce algorithms"; nccl-tests doc/PERFORMANCE.md: busbw = algbw x (n-1)/n),
// at kCollectiveEfficiency of the link's one-direction peak.
double ring_seconds(double bytes, double ranks, double passes, double link_bytes_per_s) {
  if (ranks <= 1) return 0.0;
  return safe_div(passes * bytes * (ranks - 1) / ranks, link_bytes_per_s * kCollectiveEfficiency);
}

// DDP: one all-reduce of the gradients = reduce-scatter + all-gather (2 passes). ZeRO-1/2: reduce-scatter
// gradients, all-gather updated parameters (2). ZeRO-3/FSDP FULL_SHARD: all-gather in forward, again in
// backward, reduce-scatter gradients (3; Rajbhandari et al. 2020 §7.2.2: 1.5x DDP; Zhao et al. 2023 §3.2).
double data_parallel_passes(int zero_stage) { return zero_stage >= 3 ? 3.0 : 2.0; }

// Sources in vramplan/time.hpp: FSDP2/DeepSpeed stage 3 gather and reduce-scatter in every micro-batch,
// ZeRO-2 reduce-scatters in every backward, DDP/ZeRO-1 reduce once per optimizer step.
double data_parallel_step_bytes(int zero_stage, double param_bytes, double grad_bytes, double microbatches) {
  const double m = std::max(1.0, microbatches);
  if (zero_stage >= 3) return m * ((data_parallel_passes(3) - 1) * param_bytes + grad_bytes);
  if (zero_stage == 2) return m * grad_bytes + grad_bytes;
  return data_parallel_passes(zero_stage) * grad_bytes;
}

// NVIDIA/nccl src/graph/tuning.cc: latency = baseLat + nsteps x hwLat with nsteps = 2 (n - 1) for a ring
// all-reduce, time = latency + bytes / algorithm bandwidth (ncclTopoGetAlgoTime); the bandwidth part as
// ring_seconds.
double small_all_reduce_seconds(double bytes, double ranks, double step_latency, double link_bytes_per_s) {
  if (ranks <= 1) return 0.0;
  return kCollectiveBaseLatencySeconds + 2 * (ranks - 1) * step_latency + ring_seconds(bytes, ranks, 2.0, link_bytes_per_s);
}

double memory_bound_seconds(double bytes, double bandwidth, double efficiency) {
  return safe_div(bytes, bandwidth * efficiency);
}

// Zhao et al. 2023 (PyTorch FSDP) §3.3: backward/forward prefetch overlap the next unit's all-gather and
// the previous unit's reduce-scatter with compute; what does not fit under compute, and the part that
// cannot overlap (first gather, last reduce-scatter, kCommOverlapFraction), is exposed.
double exposed_comm_seconds(double comm, double compute, double overlap_fraction) {
  const double hidden = std::min(comm * overlap_fraction, compute);
  return std::max(0.0, comm - hidden);
}

// Narayanan et al. 2021 §2.2.1 (1F1B schedule, as GPipe, Huang et al. 2019): bubble time fraction
// (p - 1) / m of the ideal compute time, m microbatches per pipeline.
double pipeline_bubble_fraction(double pp, double microbatches) {
  if (pp <= 1) return 0.0;
  return safe_div(pp - 1, std::max(1.0, microbatches));
}

double rl_microbatches(double tokens, double sequences, double micro_batch, double bin_tokens, bool packed) {
  const double micro = std::max(1.0, micro_batch);
  const double m = packed ? std::ceil(safe_div(tokens, micro * bin_tokens)) : std::floor(sequences / micro);
  return std::max(1.0, m);
}

double expert_data_parallel_ranks(double gpus, double ep, double etp, double pp) {
  return std::max(1.0, std::floor(safe_div(gpus, std::max(1.0, ep) * std::max(1.0, etp) * std::max(1.0, pp))));
}

double data_parallel_sync_seconds(double dense_bytes, double dp, double routed_bytes, double expert_dp,
                                  double link_bytes_per_s) {
  return ring_seconds(dense_bytes, dp, 1.0, link_bytes_per_s) + ring_seconds(routed_bytes, expert_dp, 1.0, link_bytes_per_s);
}

// NVLink/PCIe inside a node of kGpusPerNode; across nodes the NIC per GPU is the narrow link (DGX H100).
double collective_link_bytes_per_s(double gpus, double intra_node, double inter_node) {
  const double intra = intra_node > 0 ? intra_node : kFallbackIntraNodeBytesPerS;
  return gpus > kGpusPerNode ? std::min(intra, inter_node) : intra;
}

}  // namespace vramplan::time
