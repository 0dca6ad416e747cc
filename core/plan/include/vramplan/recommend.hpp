#pragma once
// GPU recommendations (issue "GPU recommendations, the largest batch that fits, and what to change"):
// for every catalog GPU a verdict, the fewest GPUs of that type that fit, the largest batch that fits,
// and suggestions with the bytes each saves and a JSON merge patch (RFC 7386) that applies it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/scenario.hpp"
#include "vramplan/scenario_estimate.hpp"
#include "vramplan/scenario_time.hpp"

namespace vramplan {

// min_gpus is searched over 1, 2, 4, 8, then whole nodes of kGpusPerNode, up to this many GPUs.
inline constexpr std::int64_t kGpusPerNode = 8;
inline constexpr std::int64_t kMaxSearchedGpus = 1024;

struct GpuOption {
  const GpuSpec* gpu = nullptr;
  Fit fit;                        // on the scenario's `gpus` GPUs of this type
  double device_bytes = 0;        // per GPU, on the scenario's `gpus`
  std::int64_t min_gpus = 0;      // fewest GPUs of this type that fit; 0 when none up to kMaxSearchedGpus
  std::string min_gpus_layout;    // how those GPUs are used: "fsdp, dp=8", "tp=4, pp=1"
  std::int64_t max_batch = 0;     // largest batch (see Recommendation::batch_key) that fits on `gpus`; 0 if none
  std::optional<double> cost_per_hour;  // min_gpus x the catalog's indicative price, when both are known
  std::optional<OptionTime> time;       // at min_gpus and its layout; absent when it never fits
};

// How fitting options are ranked (`recommend --sort`): by the cost of the run (of a million tokens when
// the scenario does not size the run), by its time (or the inverse throughput), or by min_gpus.
enum class RankBy { cost, time, gpus };
// "cost", "time", "gpus"; nullopt for any other text.
std::optional<RankBy> rank_by_from(std::string_view text);

struct Suggestion {
  std::string id;          // stable: gradient_checkpointing, smaller_micro_batch, adamw_8bit, lora, qlora, ...
  std::string change;      // what to do, in words
  double saves_bytes = 0;  // device bytes per GPU saved (0 for a bigger GPU: it adds capacity instead)
  double device_bytes_after = 0;
  double host_bytes_after = 0;  // host RAM per GPU process after the change (offload)
  std::optional<bool> fits_after;  // on the scenario's GPU, when one is given
  Json scenario_patch;     // JSON merge patch over the scenario
};

struct Recommendation {
  std::string batch_key;        // "train.micro_batch_size", "inference.batch_size", ...
  std::string assumed_sharding; // what min_gpus assumes for training ("fsdp" unless the scenario shards)
  double device_bytes = 0;      // the scenario as given, per GPU
  RankBy ranked_by = RankBy::cost;
  // Options that fit as given first, then those that fit on more GPUs, then the rest; each group in
  // ranked_by order (options without a time or price last in it).
  std::vector<GpuOption> gpus;
  std::vector<Suggestion> suggestions;  // cheapest for the user first
};

Expected<Recommendation> recommend(const Scenario& scenario, const Catalog& catalog, RankBy by = RankBy::cost);

// The scenario with `patch` (a JSON merge patch) applied, parsed and validated again.
Expected<Scenario> apply_patch(const Scenario& scenario, const Json& patch, const Catalog& catalog);

}  // namespace vramplan
