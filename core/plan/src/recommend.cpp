#include "vramplan/recommend.hpp"

#include "vramplan/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace vramplan {
namespace {

// Suggestions and layouts speak in tenths of a GiB.
std::string tenths_gib(double bytes) { return text::gib(bytes, 1); }

// The batch-like setting a workload's memory grows with.
struct BatchKnob {
  const char* key;
  std::int64_t (*get)(const Scenario&);
  void (*set)(Scenario&, std::int64_t);
  Json (*patch)(std::int64_t);
};

BatchKnob batch_knob(Workload w) {
  switch (w) {
    case Workload::inference:
      return {"inference.batch_size", [](const Scenario& s) { return s.inference.batch_size; },
              [](Scenario& s, std::int64_t b) { s.inference.batch_size = b; },
              [](std::int64_t b) { return Json{{"inference", {{"batch_size", b}}}}; }};
    case Workload::rl:  // the policy's micro-batch (docs/CONTRACT.md max_micro_batch): with a fixed vLLM
                        // pool, prompts per step change how many rounds generation takes, not its memory
    case Workload::train: break;
  }
  return {"train.micro_batch_size", [](const Scenario& s) { return s.train.micro_batch_size; },
          [](Scenario& s, std::int64_t b) { s.train.micro_batch_size = b; },
          [](std::int64_t b) { return Json{{"train", {{"micro_batch_size", b}}}}; }};
}

bool is_vllm_serving(const Scenario& s) { return s.workload == Workload::inference && s.inference.engine == Engine::vllm; }

// Estimates scenarios that differ from a base in one integer, remembering each result: a training
// or hf-serving estimate does not depend on the GPU type, so one search serves every GPU.
class MemoEstimator {
 public:
  using Variant = void (*)(Scenario&, std::int64_t);
  MemoEstimator(const Scenario& base, Variant vary) : base_(base), vary_(vary) {}

  // nullptr when the variant cannot run (an input error such as tp not dividing the heads).
  const ScenarioEstimate* at(std::int64_t value) {
    auto it = cache_.find(value);
    if (it == cache_.end()) {
      Scenario s = base_;
      vary_(s, value);
      auto e = estimate_scenario(s);
      it = cache_.emplace(value, e.ok() ? std::optional<ScenarioEstimate>(std::move(e).value()) : std::nullopt).first;
    }
    return it->second ? &*it->second : nullptr;
  }
  Scenario variant(std::int64_t value) const {
    Scenario s = base_;
    vary_(s, value);
    return s;
  }

 private:
  Scenario base_;
  Variant vary_;
  std::map<std::int64_t, std::optional<ScenarioEstimate>> cache_;
};

// Largest value in [1, hi] with fits(value), assuming fits is monotone (true then false); 0 if none.
template <class Fits>
std::int64_t largest_fitting(std::int64_t hi, Fits fits) {
  if (!fits(1)) return 0;
  std::int64_t lo = 1;
  while (lo < hi && fits(std::min(hi, lo * 2))) lo = std::min(hi, lo * 2);
  std::int64_t top = std::min(hi, lo * 2);  // lo fits, top does not (or top == lo == hi)
  while (top - lo > 1) {
    const std::int64_t mid = lo + (top - lo) / 2;
    (fits(mid) ? lo : top) = mid;
  }
  return lo;
}

std::vector<std::int64_t> gpu_count_candidates() {
  std::vector<std::int64_t> counts{1, 2, 4};
  for (std::int64_t n = kGpusPerNode; n <= kMaxSearchedGpus; n += kGpusPerNode) counts.push_back(n);
  return counts;
}

// How `n` GPUs are used when searching for the minimum count ("sharding what can be sharded").
Sharding sharding_for_search(const Scenario& s) {
  return s.train.sharding == Sharding::zero3 || s.train.sharding == Sharding::fsdp ? s.train.sharding : Sharding::fsdp;
}

void layout_for_gpus(Scenario& s, std::int64_t n) {
  s.gpus = n;
  if (s.workload == Workload::inference) {
    // Tensor parallel inside a node (at most 8), pipeline parallel across nodes.
    std::int64_t tp = std::min<std::int64_t>(n, kGpusPerNode);
    while (tp > 1 && (n % tp != 0 || s.model.config.text.num_heads % tp != 0)) --tp;
    s.inference.tp = tp;
    s.inference.pp = n / tp;
    return;
  }
  if (n > 1) s.train.sharding = sharding_for_search(s);
}

std::string layout_text(const Scenario& s) {
  char buffer[96];
  if (s.workload == Workload::inference) {
    std::snprintf(buffer, sizeof buffer, "tp=%lld, pp=%lld", static_cast<long long>(s.inference.tp),
                  static_cast<long long>(s.inference.pp));
  } else {
    const std::int64_t dp = s.gpus / (s.train.tp * s.train.pp * s.train.cp);
    std::snprintf(buffer, sizeof buffer, "%s, dp=%lld, tp=%lld, pp=%lld", to_string(s.train.sharding),
                  static_cast<long long>(dp), static_cast<long long>(s.train.tp), static_cast<long long>(s.train.pp));
  }
  return buffer;
}

int verdict_rank(Verdict v) { return v == Verdict::fits ? 0 : v == Verdict::tight ? 1 : 2; }

// The largest batch on `gpu` judged like the verdict (assess_fit), so the two always agree: a vLLM server
// serves the sequences its fixed pool holds; otherwise the largest batch knob value that fits.
std::int64_t max_batch_on(const GpuSpec& gpu, const Fit& fit, const ScenarioEstimate* here, MemoEstimator& by_batch,
                          bool vllm_serving) {
  if (vllm_serving) {
    const double sequences = here && fit.fits() ? here->inference.max_concurrent_sequences : 0;
    return static_cast<std::int64_t>(std::min(std::floor(sequences), static_cast<double>(limits::kMaxBatch)));
  }
  return largest_fitting(limits::kMaxBatch, [&](std::int64_t b) {
    const ScenarioEstimate* e = by_batch.at(b);
    return e && assess_fit(*e, by_batch.variant(b), gpu).fits();
  });
}

// `shared_*` estimate on the scenario's own GPU: used as they are when the estimate does not depend on
// the GPU, else replaced by searches on this GPU (a vLLM pool, served or an RL rollout, is sized by it).
GpuOption evaluate_gpu(const Scenario& base, const GpuSpec& gpu, MemoEstimator& shared_batch,
                       MemoEstimator& shared_gpus, const BatchKnob& knob) {
  GpuOption option;
  option.gpu = &gpu;
  Scenario on_gpu = base;
  on_gpu.gpu = gpu;
  const bool own = estimate_depends_on_gpu(base);
  std::optional<MemoEstimator> local_batch;
  std::optional<MemoEstimator> local_gpus;
  if (own) {
    local_batch.emplace(on_gpu, knob.set);
    local_gpus.emplace(on_gpu, layout_for_gpus);
  }
  MemoEstimator& by_batch = own ? *local_batch : shared_batch;
  MemoEstimator& by_gpus = own ? *local_gpus : shared_gpus;
  const ScenarioEstimate* here = by_batch.at(knob.get(base));
  if (here) {
    option.fit = assess_fit(*here, on_gpu, gpu);
    option.device_bytes = here->peak.device_bytes;
  }
  option.max_batch = max_batch_on(gpu, option.fit, here, by_batch, is_vllm_serving(base));
  for (std::int64_t n : gpu_count_candidates()) {
    Scenario s = by_gpus.variant(n);
    s.gpu = gpu;
    const ScenarioEstimate* e = by_gpus.at(n);
    if (e && assess_fit(*e, s, gpu).fits()) {
      option.min_gpus = n;
      option.min_gpus_layout = layout_text(s);
      option.time = option_time(s, *e);
      break;
    }
  }
  if (option.min_gpus > 0 && gpu.price_usd_per_gpu_hour) {
    option.cost_per_hour = static_cast<double>(option.min_gpus) * *gpu.price_usd_per_gpu_hour;
  }
  return option;
}

// What an option costs: the run when the scenario sizes it, else a million tokens (the same order for
// a fixed workload); without a time, the price per hour at min_gpus (the ranking before issue 16).
std::optional<double> cost_key(const GpuOption& o) {
  if (o.time && o.time->cost_usd) return o.time->cost_usd->value;
  if (o.time && o.time->cost_per_million_tokens_usd) return o.time->cost_per_million_tokens_usd->value;
  return std::nullopt;
}

// How long it takes: the run, else the inverse throughput (seconds per token).
std::optional<double> time_key(const GpuOption& o) {
  if (o.time && o.time->run_seconds) return o.time->run_seconds->value;
  if (o.time && o.time->tokens_per_second.value > 0) return 1.0 / o.time->tokens_per_second.value;
  return std::nullopt;
}

// -1, 0, 1 over optional keys: a known key ranks before an unknown one.
int compare_keys(std::optional<double> a, std::optional<double> b) {
  if (a.has_value() != b.has_value()) return a.has_value() ? -1 : 1;
  if (!a || *a == *b) return 0;
  return *a < *b ? -1 : 1;
}

int compare_by(RankBy by, const GpuOption& a, const GpuOption& b) {
  int c = 0;
  if (by == RankBy::gpus) c = compare_keys(static_cast<double>(a.min_gpus), static_cast<double>(b.min_gpus));
  if (c == 0 && by == RankBy::time) c = compare_keys(time_key(a), time_key(b));
  if (c == 0) c = compare_keys(cost_key(a), cost_key(b));
  if (c == 0) c = compare_keys(a.cost_per_hour, b.cost_per_hour);
  return c;
}

void sort_options(std::vector<GpuOption>& options, RankBy by) {
  std::stable_sort(options.begin(), options.end(), [by](const GpuOption& a, const GpuOption& b) {
    if (verdict_rank(a.fit.verdict) != verdict_rank(b.fit.verdict)) return verdict_rank(a.fit.verdict) < verdict_rank(b.fit.verdict);
    const bool a_possible = a.min_gpus > 0;
    const bool b_possible = b.min_gpus > 0;
    if (a_possible != b_possible) return a_possible;
    const int c = compare_by(by, a, b);
    if (c != 0) return c < 0;
    return a.gpu->memory_bytes < b.gpu->memory_bytes;
  });
}

// ---------------------------------------------------------------------------------------------
// Suggestions: candidate changes, cheapest for the user first (each costs speed or quality, or
// money, in roughly this order); kept when they save memory.

struct Candidate {
  std::string id;
  std::string change;
  Json patch;
};

void add_training_candidates(const Scenario& s, const Recommendation& rec, const GpuSpec* gpu,
                             std::vector<Candidate>& out) {
  const TrainSettings& t = s.train;
  if (!t.gradient_checkpointing) {
    out.push_back({"gradient_checkpointing", "enable gradient checkpointing (recompute activations in the backward pass)",
                   Json{{"train", {{"gradient_checkpointing", true}}}}});
  }
  if (t.micro_batch_size > 1) {
    std::int64_t smaller = t.micro_batch_size / 2;
    if (gpu) {
      for (const GpuOption& o : rec.gpus) {
        if (o.gpu->id == gpu->id && o.max_batch >= 1 && o.max_batch < t.micro_batch_size) smaller = o.max_batch;
      }
    }
    const std::int64_t accumulation = (t.micro_batch_size + smaller - 1) / smaller;
    out.push_back({"smaller_micro_batch",
                   "micro-batch " + std::to_string(t.micro_batch_size) + " -> " + std::to_string(smaller) + " with " +
                       std::to_string(accumulation) + "x gradient accumulation (same global batch)",
                   Json{{"train", {{"micro_batch_size", smaller}}}}});
  }
  if (t.method == Method::full && t.optimizer == Optimizer::adamw) {
    out.push_back({"adamw_8bit", "use 8-bit AdamW (bitsandbytes) for the optimizer states",
                   Json{{"train", {{"optimizer", "adamw-8bit"}}}}});
  }
  if (t.method == Method::full) {
    out.push_back({"lora", "train LoRA adapters (rank " + std::to_string(t.lora.rank) + ") instead of all weights",
                   Json{{"train", {{"method", "lora"}}}}});
  }
  if (t.method != Method::qlora) {
    Json patch{{"train", {{"method", "qlora"}}}};
    if (t.precision == Precision::fp32) patch["train"]["precision"] = "amp-bf16";
    out.push_back({"qlora", "QLoRA: 4-bit NF4 base weights with bf16 LoRA adapters", patch});
  }
  if (!t.offload_optimizer && t.method == Method::full) {
    Json patch{{"train", {{"offload_optimizer", true}}}};
    if (t.sharding == Sharding::none) patch["train"]["sharding"] = "zero2";
    out.push_back({"offload_optimizer", "offload optimizer states to host RAM (DeepSpeed ZeRO-Offload / FSDP CPU offload)", patch});
  }
  if (!t.offload_params && t.method == Method::full) {
    Json patch{{"train", {{"offload_params", true}, {"offload_optimizer", true}}}};
    if (t.sharding != Sharding::zero3 && t.sharding != Sharding::fsdp) patch["train"]["sharding"] = "zero3";
    out.push_back({"offload_params", "offload parameters and optimizer states to host RAM (ZeRO-3 offload)", patch});
  }
  const std::int64_t model_parallel = t.tp * t.pp * t.cp;
  if (t.sharding != Sharding::zero3 && t.sharding != Sharding::fsdp) {
    const std::int64_t n = std::max<std::int64_t>(s.gpus, kGpusPerNode);
    out.push_back({"fsdp", "shard parameters, gradients and optimizer states (FSDP / ZeRO-3) over " + std::to_string(n) + " GPUs",
                   Json{{"gpus", n}, {"train", {{"sharding", "fsdp"}}}}});
  } else if (s.gpus < kMaxSearchedGpus) {
    const std::int64_t n = s.gpus < kGpusPerNode ? kGpusPerNode : s.gpus + kGpusPerNode;
    if (n % model_parallel == 0) {
      out.push_back({"more_gpus", "shard over " + std::to_string(n) + " GPUs instead of " + std::to_string(s.gpus),
                     Json{{"gpus", n}}});
    }
  }
  for (std::int64_t tp : {2, 4, 8}) {
    if (tp <= t.tp) continue;
    const std::int64_t n = s.gpus / t.tp * tp;
    out.push_back({"tensor_parallel_" + std::to_string(tp),
                   "tensor parallelism tp=" + std::to_string(tp) + " (" + std::to_string(n) + " GPUs)",
                   Json{{"gpus", n}, {"train", {{"tp", tp}}}}});
    break;  // the smallest step up; larger ones follow from it
  }
}

// RL's own levers (the seed GPU memory guide's "If memory is tight" options for the other roles).
void add_rl_candidates(const Scenario& s, std::vector<Candidate>& out) {
  const RlSettings& rl = s.rl;
  if (rl.reward_model && dtype_bytes(rl.reward_model->weight_dtype) > 1) {
    out.push_back({"reward_model_int8", "load the reward/judge model in 8-bit (bitsandbytes load_in_8bit)",
                   Json{{"rl", {{"reward_model", {{"weight_dtype", "int8"}}}}}}});
  }
  constexpr double kLowerUtilizationStep = 0.2;  // a step a user would try; vLLM needs room for weights + KV
  constexpr double kLowestUtilization = 0.3;
  if (rl.rollout.engine == Engine::vllm && rl.rollout.colocated && rl.rollout.gpu_memory_utilization > kLowestUtilization + 0.05) {
    const double lower = std::max(kLowestUtilization, rl.rollout.gpu_memory_utilization - kLowerUtilizationStep);
    char text[96];
    std::snprintf(text, sizeof text, "lower the rollout engine's gpu_memory_utilization from %.2f to %.2f",
                  rl.rollout.gpu_memory_utilization, lower);
    out.push_back({"lower_rollout_utilization", text,
                   Json{{"rl", {{"rollout", {{"gpu_memory_utilization", std::round(lower * 100) / 100}}}}}}});
  }
  // Trainer-side switches of verl / NeMo RL / TRL (docs/scenario.md "rl"); kept only when they save memory:
  // packing needs mean lengths below the maxima, phase offload a colocated rollout.
  if (!rl.sequence_packing && (rl.rollout.mean_prompt_len || rl.rollout.mean_response_len)) {
    out.push_back({"sequence_packing", "pack sequences (remove padding: verl use_remove_padding, NeMo RL sequence_packing, TRL padding_free)",
                   Json{{"rl", {{"sequence_packing", true}}}}});
  }
  if (rl.logprob_kernel == LogprobKernel::naive && rl.algorithm != RlAlgorithm::dpo) {
    out.push_back({"fused_logprobs", "compute log-probs with a fused kernel (flash-attn cross-entropy, verl's default)",
                   Json{{"rl", {{"logprob_kernel", "fused"}}}}});
  }
  if (!rl.phase_offload && rl.rollout.colocated && rl.algorithm != RlAlgorithm::dpo) {
    out.push_back({"phase_offload",
                   "offload the trainer's weights and optimizer states while generating (verl param_offload + optimizer_offload)",
                   Json{{"rl", {{"phase_offload", true}}}}});
  }
  if (rl.rollout.prompts_per_step > 1) {
    out.push_back({"fewer_prompts_per_step",
                   "prompts per step " + std::to_string(rl.rollout.prompts_per_step) + " -> " +
                       std::to_string(rl.rollout.prompts_per_step / 2),
                   Json{{"rl", {{"rollout", {{"prompts_per_step", rl.rollout.prompts_per_step / 2}}}}}}});
  }
}

void add_inference_candidates(const Scenario& s, std::vector<Candidate>& out) {
  const InferenceSettings& i = s.inference;
  if (i.engine == Engine::vllm) return;  // vLLM's pool is a setting, not a need
  if (i.batch_size > 1) {
    out.push_back({"smaller_batch", "batch " + std::to_string(i.batch_size) + " -> " + std::to_string(i.batch_size / 2),
                   Json{{"inference", {{"batch_size", i.batch_size / 2}}}}});
  }
  if (i.kv_dtype == DType::bf16 || i.kv_dtype == DType::fp16 || i.kv_dtype == DType::fp32) {
    out.push_back({"kv_fp8", "store the KV cache in fp8", Json{{"inference", {{"kv_dtype", "fp8"}}}}});
  }
  if (dtype_bytes(i.weight_dtype) > 1) {
    out.push_back({"weights_int8", "load the weights in int8", Json{{"inference", {{"weight_dtype", "int8"}}}}});
  }
  if (dtype_bytes(i.weight_dtype) > 0.5) {
    out.push_back({"weights_int4", "load the weights in int4 (AWQ / GPTQ)", Json{{"inference", {{"weight_dtype", "int4"}}}}});
  }
  const std::int64_t tp = i.tp * 2;
  out.push_back({"tensor_parallel_" + std::to_string(tp), "tensor parallelism tp=" + std::to_string(tp),
                 Json{{"gpus", std::max(s.gpus, tp * i.pp)}, {"inference", {{"tp", tp}}}}});
}

std::optional<Suggestion> evaluate_candidate(const Scenario& s, const Candidate& c, double base_bytes,
                                             const Catalog& catalog) {
  auto changed = apply_patch(s, c.patch, catalog);
  if (!changed.ok()) return std::nullopt;
  auto e = estimate_scenario(changed.value());
  if (!e.ok()) return std::nullopt;
  const double after = e->peak.device_bytes;
  if (after >= base_bytes) return std::nullopt;
  Suggestion out{c.id, c.change, base_bytes - after, after, e->peak.host_bytes, std::nullopt, c.patch};
  if (s.gpu) out.fits_after = assess_fit(e.value(), changed.value(), *s.gpu).fits();
  if (out.host_bytes_after > 0) out.change += " (needs " + tenths_gib(out.host_bytes_after) + " of host RAM per GPU)";
  return out;
}

// The smallest-memory catalog GPU on which the scenario fits as it is (cheapest when prices are known).
std::optional<Suggestion> bigger_gpu(const Scenario& s, const Recommendation& rec) {
  if (!s.gpu) return std::nullopt;
  for (const GpuOption& o : rec.gpus) {  // sorted: fitting first, cheapest first
    if (o.fit.verdict == Verdict::fits && o.gpu->memory_bytes > s.gpu->memory_bytes) {
      Suggestion out{"bigger_gpu",
                     "use " + o.gpu->name + " (" + tenths_gib(static_cast<double>(o.gpu->memory_bytes)) + ") instead of " + s.gpu->name,
                     0, o.device_bytes, 0, true, Json{{"gpu", o.gpu->id}}};
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

Expected<Scenario> apply_patch(const Scenario& scenario, const Json& patch, const Catalog& catalog) {
  Json document = scenario_to_json(scenario);
  document.merge_patch(patch);
  return parse_scenario(document, catalog);
}

std::optional<RankBy> rank_by_from(std::string_view text) {
  if (text == "cost") return RankBy::cost;
  if (text == "time") return RankBy::time;
  if (text == "gpus") return RankBy::gpus;
  return std::nullopt;
}

Expected<Recommendation> recommend(const Scenario& scenario, const Catalog& catalog, RankBy by) {
  auto base = estimate_scenario(scenario);
  if (!base.ok()) return base.error();
  Recommendation rec;
  const BatchKnob knob = batch_knob(scenario.workload);
  rec.batch_key = knob.key;
  rec.assumed_sharding = scenario.workload == Workload::inference ? "" : to_string(sharding_for_search(scenario));
  rec.device_bytes = base->peak.device_bytes;

  MemoEstimator by_batch(scenario, knob.set);
  MemoEstimator by_gpus(scenario, layout_for_gpus);
  rec.gpus.reserve(catalog.gpus.size());
  for (const GpuSpec& gpu : catalog.gpus) rec.gpus.push_back(evaluate_gpu(scenario, gpu, by_batch, by_gpus, knob));
  rec.ranked_by = by;
  sort_options(rec.gpus, by);

  std::vector<Candidate> candidates;
  if (scenario.workload == Workload::inference) {
    add_inference_candidates(scenario, candidates);
  } else {
    add_training_candidates(scenario, rec, scenario.gpu ? &*scenario.gpu : nullptr, candidates);
    if (scenario.workload == Workload::rl) add_rl_candidates(scenario, candidates);
  }
  for (const Candidate& c : candidates) {
    if (auto s = evaluate_candidate(scenario, c, rec.device_bytes, catalog)) rec.suggestions.push_back(std::move(*s));
  }
  if (auto s = bigger_gpu(scenario, rec)) rec.suggestions.push_back(std::move(*s));
  return rec;
}

}  // namespace vramplan
