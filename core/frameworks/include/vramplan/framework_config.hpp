#pragma once
// Example configs for training frameworks, generated from a validated Scenario (`vramplan config`).
// One generator per framework (core/frameworks/src/framework_config_<framework>.cpp); the YAML ones build a
// yaml::Document and render it with the one writer in vramplan/yaml.hpp, the TRL one builds an
// argument list and quotes it with shell_quote(). docs/configs.md lists what each format emits and
// which upstream example configs the key names were taken from.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/error.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/scenario.hpp"
#include "vramplan/yaml.hpp"

namespace vramplan::config {

enum class Format { nemo_rl, nemo_automodel, verl, trl };
inline constexpr Format kFormats[] = {Format::nemo_rl, Format::nemo_automodel, Format::verl, Format::trl};

// "nemo-rl", "nemo-automodel", "verl", "trl"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view text);
const char* to_string(Format format);

// A framework release line (major.minor) that `config.framework_version` selects (docs/configs.md
// "Framework versions"; core/frameworks/src/framework_version.cpp).
struct Version {
  int major = 0;
  int minor = 0;
  bool at_least(int at_major, int at_minor) const {
    return major > at_major || (major == at_major && minor >= at_minor);
  }
};
// The release lines a format writes for, oldest first; the last is the default (the snapshot's release).
const std::vector<Version>& accepted_versions(Format format);
std::string version_text(Version v);         // "0.7"
const char* framework_name(Format format);  // "NeMo RL"
// config.framework_version for `format`: absent -> the default; "0.6", "0.6.1", "v0.6.0" -> 0.6; a line the
// format does not accept -> an Error at /config/framework_version that lists the accepted ones.
Expected<Version> resolve_version(const Scenario& scenario, Format format);
// The header line saying which release the output is written for.
std::string version_line(Format format, Version v);

// What `estimate` and `recommend` said about the scenario, for the "from the estimate" comments.
// When the estimate is rejected the flags stay false and the generated config carries the error as a note
// instead of estimate comments.
struct EstimateNotes {
  bool has_estimate = false;
  double device_bytes = 0;      // per_gpu.device_bytes
  std::string phase;            // per_gpu.phase
  bool has_fit = false;
  double capacity_bytes = 0;    // fit.capacity_bytes
  double headroom_bytes = 0;    // fit.headroom_bytes
  bool fits = false;            // fit.fits
  bool has_max_micro_batch = false;
  std::int64_t max_micro_batch = 0;  // recommend: gpus[gpu].max_micro_batch
  std::int64_t min_gpus = 0;         // recommend: gpus[gpu].min_gpus (0: unknown)
  std::string estimate_error;   // an invalid_input error from estimate (its line)
  Error estimate_error_value;   // the same error, for the callers that refuse the scenario with it
};

// The plan layer's estimate and recommendation of the scenario (typed, never the JSON API); never fails.
EstimateNotes collect_estimate_notes(const Scenario& scenario, const Catalog& catalog);

// The comment lines describing the estimate ("estimate: 61.2 GiB per GPU ..."), empty when there
// is no estimate.
std::vector<std::string> estimate_lines(const Scenario& scenario, const EstimateNotes& notes);
// Renders `doc` with a header comment: `header` lines, then the estimate lines, then "note: ..." for
// each of `notes` (what the framework cannot express). Shared by the YAML formats.
std::string render_with_header(yaml::Document doc, std::vector<std::string> header, const Scenario& scenario,
                               const EstimateNotes& estimate, const std::vector<std::string>& notes);

// "micro batch 4: the largest that fits on 1 x H100-SXM-80GB, 12% headroom", or "" without data.
std::string micro_batch_note(const Scenario& scenario, const EstimateNotes& notes);

// Nodes of up to 8 GPUs: 1-8 GPUs are one node; more are split into the fewest equal nodes of at
// most 8 GPUs each (12 -> 2 x 6; a prime count above 8 gives nodes of 1 GPU).
struct ClusterShape {
  std::int64_t nodes = 1;
  std::int64_t gpus_per_node = 1;
};
ClusterShape cluster_shape(std::int64_t gpus);
inline constexpr std::int64_t kGpusPerNodeMax = 8;

// The model as a framework loads it: the Hugging Face id, or a placeholder path (with `note` saying
// so) for a pasted config.json that names no model.
struct ModelReference {
  std::string path;
  std::string note;
};
ModelReference model_reference(const Scenario& scenario);

// The run's length as the frameworks write it (docs/configs.md "Run length"): rl.steps for RL, and the epochs
// when the scenario says something about them (a dataset size, or epochs other than 1); otherwise the
// framework's own default stays. `whole`: the framework counts whole epochs (verl, NeMo RL, Automodel), so a
// fractional one is rounded up with a note.
struct RunLimits {
  std::optional<std::int64_t> steps;
  std::optional<double> epochs;
};
RunLimits run_limits(const Scenario& scenario, bool whole, std::vector<std::string>& notes);

// Data-parallel size: gpus / (tp x pp x cp) of the trained model.
std::int64_t data_parallel_size(const Scenario& scenario);

// LoRA alpha as the frameworks write it: an integer when it is whole (32, not 32.0).
Json lora_alpha_json(double alpha);

// A GiB figure for comments: "61.2 GiB".
std::string gib_text(double bytes);

// One word as a POSIX shell word: unchanged when it holds only characters no shell treats
// specially, otherwise single-quoted (' written as '\''). The only quoting the trl command uses.
std::string shell_quote(std::string_view word);

// The generators. Each returns the document text, or an Error (JSON pointer into the scenario) for
// a workload or algorithm the framework has no config for.
Expected<std::string> nemo_rl_config(const Scenario& scenario, const EstimateNotes& notes);
Expected<std::string> nemo_automodel_config(const Scenario& scenario, const EstimateNotes& notes);
Expected<std::string> verl_config(const Scenario& scenario, const EstimateNotes& notes);
Expected<std::string> trl_command(const Scenario& scenario, const EstimateNotes& notes);

}  // namespace vramplan::config
