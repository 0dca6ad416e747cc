#pragma once
// What the time model's assembly files share (time_estimate.cpp, time_train_parts.cpp); not public.
#include <string>

#include "vramplan/time_estimate.hpp"

namespace vramplan::time::detail {

struct Hardware {
  double peak = 0;       // dense FLOP/s per GPU in the compute dtype
  double bandwidth = 0;  // HBM bytes/s per GPU
  double intra = 0;      // intra-node collective link, bytes/s per GPU (0: catalog has none)
  double inter = 0;      // inter-node link per GPU (cluster.inter_node_bytes_per_s or kInterNodeBytesPerS)
  std::string arch;
  std::string link;      // the catalog's interconnect kind ("NVLink 4 (SXM)")
  double step_latency = kCollectivePcieStepLatencySeconds;  // NCCL hwLat per ring step on that link
  bool fp8 = false;      // peak is the fp8 one (train.fp8 on a GPU with fp8 tensor cores)
};

struct Shape {
  double n = 0;        // parameters a token's matmuls pass through (active for MoE)
  double layers = 0;
  double width = 0;    // num_heads x head_dim
  double hidden = 0;
};

Shape shape_of(const Scenario& s, const ParamCounts& p);

// MoE: the routed experts' share of the active matmul FLOPs, whether they are narrower than the hidden
// size, and the routing traffic of a pass over `tokens` tokens on `gpus` GPUs (forward only when
// `backward` is false).
double routed_share(const Scenario& s, const ParamCounts& p, const Shape& sh);
bool narrow_experts(const Scenario& s);
double moe_routing_seconds(const Scenario& s, const ParamCounts& p, const Hardware& hw, double tokens, double gpus,
                           bool backward, TimeEstimate& out);
// One optimizer step on this GPU's share of the trainable parameters (adds the optimizer_step_seconds term).
double optimizer_seconds(const Scenario& s, const TimeInputs& in, const Hardware& hw, double dp, TimeEstimate& out);
// RL refit of the new weights into the rollout engine (adds the refit_seconds term).
double refit_seconds(const Scenario& s, const ParamCounts& p, const Hardware& hw, TimeEstimate& out);
// vLLM sleep mode around a colocated rollout (adds the engine_sleep_seconds term; 0 when it does not apply).
double engine_sleep_seconds(const Scenario& s, const ParamCounts& p, TimeEstimate& out);
// rl.phase_offload: the trainer's weights, optimizer states and the reference through host RAM each step
// (adds the trainer_offload_seconds term; 0 when it does not apply).
double trainer_offload_seconds(const Scenario& s, const TimeInputs& in, double dp, TimeEstimate& out);

}  // namespace vramplan::time::detail
