// Parts of RL phases and their combination (rl_parts.hpp).
#include "rl_parts.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::rl {
namespace {

using text::format;
using text::gib;

std::string role_label(const std::string& role) {
  if (role == "reference") return "Reference";
  if (role == "reward") return "Reward model";
  if (role == "critic") return "Critic";
  if (role == "rollout") return "Rollout engine";
  return role;
}

// The line under the role's id and label, built in place (no copy of the old id and label to overwrite).
Component renamed(const Component& c, const std::string& role, const std::string& note) {
  if (role.empty() && note.empty()) return c;
  Component out{prefixed(role, c.id), label_for(role, c.label), c.bytes, std::string(), c.level};
  out.formula.reserve(c.formula.size() + note.size());
  out.formula.append(c.formula).append(note);
  return out;
}

// The policy's own lines keep their ids and labels: moved, not copied, when the breakdown is not needed after.
Component renamed(Component&& c, const std::string& role) {
  if (role.empty()) return std::move(c);
  return renamed(static_cast<const Component&>(c), role, std::string());
}

// Sums a part's lines, the allocator cache included or not.
double sum(const std::vector<Component>& cs, bool with_cache) {
  double total = 0;
  for (const Component& c : cs) {
    if (with_cache || c.level != Level::cache) total += c.bytes;
  }
  return total;
}

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const std::string& w : from) {
    if (std::find(to.begin(), to.end(), w) == to.end()) to.push_back(w);
  }
}

Part part_with_host(const Breakdown& b) {
  Part p;
  p.host = b.host_bytes;
  p.warnings = b.warnings;
  return p;
}

}  // namespace

std::string prefixed(const std::string& role, const std::string& id) {
  if (role.empty()) return id;
  std::string out;
  out.reserve(role.size() + 1 + id.size());
  return out.append(role).append(1, '.').append(id);
}

std::string label_for(const std::string& role, const std::string& label) {
  if (role.empty()) return label;
  std::string out = role_label(role);
  out.reserve(out.size() + 2 + label.size());
  return out.append(": ").append(label);
}

Part computing(const Breakdown& b, const std::string& role) { return computing(Breakdown(b), role); }

Part computing(Breakdown&& b, const std::string& role) {
  Part p;
  p.host = b.host_bytes;
  p.warnings = std::move(b.warnings);
  for (Component& c : b.components) {
    switch (c.level) {
      case Level::context: p.context = std::max(p.context, c.bytes); break;
      case Level::transient:
      case Level::cache: p.transient.push_back(renamed(std::move(c), role)); break;
      case Level::persistent:
      case Level::optimizer:
      case Level::step: p.persistent.push_back(renamed(std::move(c), role)); break;
    }
  }
  return p;
}

Part resident(const Breakdown& b, const std::string& role, const std::string& note) {
  Part p = part_with_host(b);
  for (const Component& c : b.components) {
    if (c.level == Level::context) p.context = std::max(p.context, c.bytes);
    if (c.level == Level::persistent || c.level == Level::optimizer) p.persistent.push_back(renamed(c, role, note));
  }
  return p;
}

Part forwarding(const Breakdown& b, const std::string& role) {
  Part p = computing(b, role);
  std::vector<Component> step;
  for (auto it = p.persistent.begin(); it != p.persistent.end();) {
    if (it->level == Level::step) {
      step.push_back(*it);
      it = p.persistent.erase(it);
    } else {
      ++it;
    }
  }
  p.transient.insert(p.transient.begin(), step.begin(), step.end());
  return p;
}

Part engine_holding(const Breakdown& b, const std::string& role) {
  Part p = part_with_host(b);
  for (const Component& c : b.components) {
    Component line = renamed(c, role, {});
    if (c.level == Level::context && c.id == "cuda_context") line.id = prefixed(role, "non_torch");
    p.persistent.push_back(std::move(line));
  }
  return p;
}

// vLLM Worker.sleep(level=1) (vllm/v1/worker/gpu_worker.py) calls CuMemAllocator.sleep(offload_tags=
// ("weights",)) (vllm/device_allocator/cumem.py): only the allocations made inside its use_memory_pool
// contexts are unmapped, the weights (tag "weights", copied to host first) and the KV cache (tag
// "kv_cache", discarded). Everything allocated outside them stays: NCCL and the all-reduce workspaces
// (non-torch memory) and the CUDA graph pool, captured by compile_or_warm_up_model outside any
// use_memory_pool context into PyTorch's private graph pool.
Part engine_asleep(const Breakdown& b, const std::string& role, double weights_bytes) {
  Part p;
  p.host = weights_bytes;
  for (const Component& c : b.components) {
    if (c.level != Level::context) continue;
    Component line = renamed(c, role, " (kept while vLLM sleeps: outside CuMemAllocator's pools)");
    if (c.id == "cuda_context") line.id = prefixed(role, "non_torch");
    p.persistent.push_back(std::move(line));
  }
  return p;
}

Part held(Part p) {
  for (const Component& c : p.transient) p.persistent.push_back(c);
  p.transient.clear();
  return p;
}

// rl.phase_offload (verl fsdp_workers: offload_fsdp_model_to_cpu / offload_fsdp_optimizer after each
// step, load_fsdp_model_to_gpu in compute_log_prob, both loaded in update_actor; NeMo RL
// DTensorPolicyWorker: offload_after_refit before generation, prepare_for_lp_inference keeps the
// optimizer in host RAM, prepare_for_training).
Part moved_to_host(Part p, HostShare share, const char* phase) {
  for (Component& c : p.persistent) {
    const bool moves = c.level == Level::optimizer || (share == HostShare::all_states && c.level == Level::persistent);
    if (!moves || c.bytes <= 0) continue;
    p.host += c.bytes;
    c.formula = format("%s in host RAM during %s (rl.phase_offload; on the GPU for training)", gib(c.bytes).c_str(), phase);
    c.bytes = 0;
  }
  return p;
}

// The parts are taken by value and their lines moved into the phase: a phase's lines are copied once,
// from the roles' breakdowns into the parts, never again (the RL estimate's speed, docs/benchmarks.md).
Breakdown combine(const char* phase, std::vector<Part> parts) {
  Breakdown b;
  b.phase = phase;
  double persistent = 0, context = 0, chosen_transient = -1;
  Part* chosen = nullptr;
  std::size_t lines = 1;
  for (Part& p : parts) {
    persistent += sum(p.persistent, true);
    context = std::max(context, p.context);
    b.host_bytes += p.host;
    add_unique(b.warnings, p.warnings);
    lines += p.persistent.size();
    const double t = sum(p.transient, true);
    if (!p.transient.empty() && t > chosen_transient) {
      chosen_transient = t;
      chosen = &p;
    }
  }
  double transient = 0, cache = 0;
  if (chosen != nullptr) {
    transient = sum(chosen->transient, false);
    cache = sum(chosen->transient, true) - transient;
    lines += chosen->transient.size();
  }
  b.components.reserve(lines);
  for (Part& p : parts) {
    std::move(p.persistent.begin(), p.persistent.end(), std::back_inserter(b.components));
  }
  if (chosen != nullptr) std::move(chosen->transient.begin(), chosen->transient.end(), std::back_inserter(b.components));
  b.components.push_back(Component{"cuda_context", "CUDA context, kernels, NCCL", context,
                                   format("one process per GPU: the largest of its roles' contexts (%s)", gib(context).c_str()),
                                   Level::context});
  b.allocated_bytes = persistent + transient;
  b.reserved_bytes = b.allocated_bytes + cache;
  b.device_bytes = b.reserved_bytes + context;
  return b;
}

}  // namespace vramplan::rl
