#pragma once
// RL phases are built from parts: what one role (policy, reference, critic, reward model, rollout
// engine) holds on one GPU during one phase. A part is read from a role's breakdown by each line's
// Level (set by the estimator that wrote it), never by its id. docs/memory-model.md "RL".
#include <string>
#include <vector>

#include "vramplan/estimate.hpp"

namespace vramplan::rl {

// Memory held through the phase (persistent) and memory of the role's own computation (transient,
// with its allocator cache line). Roles in a phase compute one after the other, so a phase holds every
// role's persistent memory plus the largest role's transient memory.
struct Part {
  std::vector<Component> persistent;
  std::vector<Component> transient;  // Level::transient lines and their Level::cache line
  double context = 0;                // CUDA context / NCCL (one per process: the largest is kept)
  double host = 0;
  std::vector<std::string> warnings;
};

// "reference.weights" for role "reference"; the policy's own ids stay unprefixed (role "").
std::string prefixed(const std::string& role, const std::string& id);
// "Reference: <label>"; the policy's labels unchanged.
std::string label_for(const std::string& role, const std::string& label);

// The whole breakdown of a role that computes in this phase: persistent and step-scoped lines held,
// transient and cache lines as its computation.
Part computing(const Breakdown& b, const std::string& role);
// The same from a breakdown that is not needed after: its lines are moved.
Part computing(Breakdown&& b, const std::string& role);
// A role between its computations: only its Level::persistent and Level::optimizer lines (weights,
// LoRA, master weights, optimizer states; not gradients, gathered units or a forward's KV cache); `note`
// is appended to each formula.
Part resident(const Breakdown& b, const std::string& role, const std::string& note = {});
// A role that runs a forward now: its resident lines held, its step-scoped lines (a forward's KV cache)
// in front of its transients.
Part forwarding(const Breakdown& b, const std::string& role);
// A serving engine that holds its whole budget through the phase (vLLM: weights, profiling reserve,
// KV pool): every allocator line held; its non-PyTorch memory (Level::context) is the engine's own and
// adds to the trainer process's context instead of sharing it, so it is held as `non_torch`.
Part engine_holding(const Breakdown& b, const std::string& role);
// A vLLM engine asleep (sleep level 1): what its CuMemAllocator pools do not hold stays on the GPU,
// its Level::context lines (non-torch memory, CUDA graph pool); `weights_bytes` go to host RAM.
Part engine_asleep(const Breakdown& b, const std::string& role, double weights_bytes);
// The same part with every transient line held through the phase (a pool that stays allocated).
Part held(Part p);
// rl.phase_offload: the part's resident states in host RAM during `phase`: all of them (while the
// engine generates) or only the optimizer's (Level::optimizer: master weights, optimizer states, while
// scoring, when the weights run the forwards).
enum class HostShare { all_states, optimizer_states };
Part moved_to_host(Part p, HostShare share, const char* phase);

// One phase on one GPU from its parts: every part's persistent memory, the largest transient set, the
// largest context; allocated, reserved and device totals.
Breakdown combine(const char* phase, std::vector<Part> parts);

}  // namespace vramplan::rl
