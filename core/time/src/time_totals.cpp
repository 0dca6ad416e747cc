// Run totals (docs/time-model.md "Run totals"): how many optimizer steps the job takes, and from the
// step time the time per epoch and per run, GPU-hours and the indicative cost, each with the range of
// the step time it multiplies. Steps follow the frameworks' own counting:
//   train: ceil(epoch tokens / tokens per step) per epoch (HF Trainer: len(dataloader) with
//          drop_last=False, transformers/trainer.py num_update_steps_per_epoch);
//   rl:    rl.steps when given (verl trainer.total_training_steps overrides the count, NeMo RL
//          grpo.max_num_steps), else floor(prompts / prompts_per_step) per epoch (verl ray_trainer.py
//          total_training_steps = len(train_dataloader) x total_epochs, its dataloader drop_last=True).
#include <algorithm>
#include <cmath>
#include <string>

#include "vramplan/text_format.hpp"
#include "vramplan/time_estimate.hpp"

namespace vramplan::time {
namespace {

using text::format;

constexpr double kSecondsPerHour = 3600;

const TimeTerm* find_term(const TimeEstimate& t, const char* id) {
  for (const TimeTerm& term : t.terms) {
    if (term.id == id) return &term;
  }
  return nullptr;
}

Range times(Range r, double f) { return {r.value * f, r.low * f, r.high * f}; }

// Steps of one epoch and of the run, with the formula; steps_per_epoch 0 when the run has no epochs
// (rl.steps alone).
struct StepCount {
  double per_epoch = 0, run = 0;
  std::string formula;
};

bool count_steps(const Scenario& s, double tokens_per_step, StepCount& c) {
  const DatasetSettings& d = s.dataset;
  if (s.workload == Workload::train) {
    if (!(d.tokens || d.samples) || !(tokens_per_step > 0)) return false;
    const double seq = static_cast<double>(s.train.seq_len);
    const double tokens = d.tokens ? static_cast<double>(*d.tokens) : static_cast<double>(*d.samples) * seq;
    c.per_epoch = std::ceil(tokens / tokens_per_step);
    c.formula = d.tokens ? format("ceil(%.0f dataset tokens / %.0f tokens per step)", tokens, tokens_per_step)
                         : format("ceil(%.0f samples x %.0f seq_len / %.0f tokens per step)",
                                  static_cast<double>(*d.samples), seq, tokens_per_step);
  } else if (s.workload == Workload::rl) {
    if (s.rl.steps) {
      c.run = static_cast<double>(*s.rl.steps);
      c.formula = "rl.steps";
      return true;
    }
    if (!d.samples) return false;
    const double per_step = static_cast<double>(s.rl.rollout.prompts_per_step);
    c.per_epoch = std::max(1.0, std::floor(static_cast<double>(*d.samples) / per_step));
    c.formula = format("floor(%.0f prompts / %.0f prompts_per_step)", static_cast<double>(*d.samples), per_step);
  } else {
    return false;
  }
  c.run = std::ceil(c.per_epoch * d.epochs);
  c.formula += format(" per epoch x %.3g epoch(s)", d.epochs);
  return true;
}

void push_total(TimeEstimate& out, const char* id, Range r, std::string formula) {
  out.terms.push_back({id, r, std::move(formula)});
}

// Price of the job per hour: every GPU of the scenario is rented for the whole run.
void add_cost(const Scenario& s, TimeEstimate& out, const Range& run_seconds, bool sized) {
  const double gpus = static_cast<double>(s.gpus);
  if (sized) {
    push_total(out, "gpu_hours", times(run_seconds, gpus / kSecondsPerHour), format("run_seconds x %.0f GPUs / 3600", gpus));
  }
  if (!s.gpu->price_usd_per_gpu_hour) {
    out.assumptions.push_back("the GPU catalog has no indicative price for " + s.gpu->id + ": no cost is given");
    return;
  }
  const double price = *s.gpu->price_usd_per_gpu_hour;
  const std::string priced = format("$%.3g per GPU-hour (indicative, ", price) + s.gpu->price_date + ")";
  if (sized) {
    push_total(out, "cost_usd", times(run_seconds, gpus * price / kSecondsPerHour), "gpu_hours x " + priced);
  }
  const bool serving = s.workload == Workload::inference;
  const TimeTerm* rate = find_term(out, serving ? "output_tokens_per_second" : "tokens_per_second");
  if (rate == nullptr || !(rate->range.low > 0)) return;
  // $ per million tokens = GPUs x price / (tokens/s x 3600) x 1e6; the fastest rate gives the low cost.
  const double k = gpus * price / kSecondsPerHour * 1e6;
  push_total(out, "cost_per_million_tokens_usd", {k / rate->range.value, k / rate->range.high, k / rate->range.low},
       format("%.0f GPUs x ", gpus) + priced + (serving ? " / output tokens per hour x 1e6" : " / tokens per hour x 1e6"));
  out.assumptions.push_back("costs use the catalog's indicative on-demand price of " + s.gpu->id + " (" + priced +
                            "; its source: vramplan gpus --json) for every GPU of the scenario over the whole run");
}

}  // namespace

void add_run_totals(const Scenario& s, TimeEstimate& out) {
  const TimeTerm* step = find_term(out, "step_seconds");
  StepCount c;
  const bool sized = step != nullptr && count_steps(s, out.tokens_per_step, c);
  Range run;
  if (sized) {
    const Range step_range = step->range;
    push_total(out, "steps", {c.run, c.run, c.run}, c.formula);
    if (c.per_epoch > 0) push_total(out, "epoch_seconds", times(step_range, c.per_epoch), format("%.0f steps x step_seconds", c.per_epoch));
    run = times(step_range, c.run);
    push_total(out, "run_seconds", run, format("%.0f steps x step_seconds", c.run));
  }
  add_cost(s, out, run, sized);
}

}  // namespace vramplan::time
