// Shared pieces of the config generators (vramplan/framework_config.hpp): format names, the
// estimate comments, the cluster shape, model reference and shell quoting.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "vramplan/framework_config.hpp"
#include "vramplan/recommend.hpp"
#include "vramplan/scenario_estimate.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::config {

std::optional<Format> parse_format(std::string_view text) {
  if (text == "nemo-rl") return Format::nemo_rl;
  if (text == "nemo-automodel") return Format::nemo_automodel;
  if (text == "verl") return Format::verl;
  if (text == "trl") return Format::trl;
  return std::nullopt;
}

RunLimits run_limits(const Scenario& s, bool whole, std::vector<std::string>& notes) {
  RunLimits out;
  if (s.workload == Workload::rl) out.steps = s.rl.steps;
  const bool sized = s.dataset.tokens || s.dataset.samples;
  if (!sized && s.dataset.epochs == 1) return out;
  out.epochs = s.dataset.epochs;
  if (whole && s.dataset.epochs != std::ceil(s.dataset.epochs)) {
    out.epochs = std::ceil(s.dataset.epochs);
    char epochs[32];
    std::snprintf(epochs, sizeof epochs, "%g", s.dataset.epochs);
    notes.push_back(std::string("dataset.epochs ") + epochs +
                    ": the framework counts whole epochs, so this runs " + std::to_string(static_cast<std::int64_t>(*out.epochs)) +
                    (s.workload == Workload::rl ? "; give rl.steps for a partial epoch" : ""));
  }
  return out;
}

const char* to_string(Format format) {
  switch (format) {
    case Format::nemo_rl: return "nemo-rl";
    case Format::nemo_automodel: return "nemo-automodel";
    case Format::verl: return "verl";
    case Format::trl: return "trl";
  }
  return "nemo-rl";
}

namespace {

std::string percent_text(double part, double whole) {
  if (!(whole > 0)) return "0%";
  const double percent = std::max(0.0, part / whole * 100.0);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f%%", percent);
  return buffer;
}

std::string gpu_count_text(const Scenario& scenario) {
  return std::to_string(scenario.gpus) + " x " + (scenario.gpu ? scenario.gpu->id : std::string("GPU"));
}

}  // namespace

// From the typed estimate and recommendation (the same ones `estimate` and `recommend` print), so the
// emitters never read the JSON API's documents back.
EstimateNotes collect_estimate_notes(const Scenario& scenario, const Catalog& catalog) {
  EstimateNotes notes;
  const auto estimate = estimate_scenario(scenario);
  if (estimate.ok()) {
    // The sum of the rounded components, as the result's per_gpu.device_bytes is.
    for (const Component& c : estimate.value().peak.components) {
      notes.device_bytes += static_cast<double>(std::llround(c.bytes));
    }
    notes.has_estimate = true;
    notes.phase = estimate.value().peak.phase;
    if (scenario.gpu) {
      const Fit fit = assess_fit(estimate.value(), scenario, *scenario.gpu);
      notes.has_fit = true;
      notes.capacity_bytes = static_cast<double>(scenario.gpu->memory_bytes);
      notes.headroom_bytes = static_cast<double>(std::llround(fit.headroom_bytes));
      notes.fits = fit.fits();
    }
  } else if (estimate.error().kind == ErrorKind::invalid_input) {
    notes.estimate_error = estimate.error().line();
    notes.estimate_error_value = estimate.error();
  }
  if (scenario.gpu) {
    const auto recommendation = recommend(scenario, catalog);
    if (recommendation.ok()) {
      for (const GpuOption& option : recommendation.value().gpus) {
        if (option.gpu == nullptr || option.gpu->id != scenario.gpu->id) continue;
        if (option.max_batch >= 0) {
          notes.has_max_micro_batch = true;
          notes.max_micro_batch = option.max_batch;
        }
        if (option.min_gpus >= 1) notes.min_gpus = option.min_gpus;
      }
    }
  }
  return notes;
}

Json lora_alpha_json(double alpha) {
  if (std::floor(alpha) == alpha && std::fabs(alpha) < 9.0e15) return static_cast<std::int64_t>(alpha);
  return alpha;
}

std::string gib_text(double bytes) { return text::gib(bytes, 1); }

std::vector<std::string> estimate_lines(const Scenario& scenario, const EstimateNotes& notes) {
  std::vector<std::string> lines;
  if (notes.has_estimate) {
    std::string line = "vramplan estimate: " + gib_text(notes.device_bytes) + " per GPU (nvidia-smi)";
    if (!notes.phase.empty()) line += " at the " + notes.phase + " peak";
    if (notes.has_fit) {
      line += "; " + gpu_count_text(scenario) + " has " + gib_text(notes.capacity_bytes) + " each: " +
              (notes.fits ? "fits, " + percent_text(notes.headroom_bytes, notes.capacity_bytes) + " headroom"
                          : std::string("does not fit"));
    }
    lines.push_back(line);
  }
  if (notes.has_fit && !notes.fits && notes.min_gpus > scenario.gpus && scenario.gpu) {
    lines.push_back("vramplan recommend: at least " + std::to_string(notes.min_gpus) + " x " + scenario.gpu->id +
                    " fit this scenario, sharding what can be sharded");
  }
  if (!notes.estimate_error.empty()) lines.push_back("vramplan estimate reports: " + notes.estimate_error);
  return lines;
}

std::string micro_batch_note(const Scenario& scenario, const EstimateNotes& notes) {
  const std::int64_t micro_batch = scenario.train.micro_batch_size;
  const std::string prefix = "micro batch " + std::to_string(micro_batch);
  const std::string where = gpu_count_text(scenario);
  const std::string headroom =
      notes.has_fit && notes.fits ? ", " + percent_text(notes.headroom_bytes, notes.capacity_bytes) + " headroom" : "";
  if (notes.has_max_micro_batch) {
    const std::int64_t max_micro_batch = notes.max_micro_batch;
    if (max_micro_batch == 0) return prefix + ": does not fit on " + where + ", not even micro batch 1";
    if (micro_batch == max_micro_batch) return prefix + ": the largest that fits on " + where + headroom;
    if (micro_batch < max_micro_batch) {
      return prefix + ": fits on " + where + headroom + "; up to " + std::to_string(max_micro_batch) + " fits";
    }
    return prefix + ": does not fit on " + where + "; at most " + std::to_string(max_micro_batch) + " fits";
  }
  if (notes.has_fit) return prefix + (notes.fits ? ": fits on " + where + headroom : ": does not fit on " + where);
  return {};
}

ClusterShape cluster_shape(std::int64_t gpus) {
  if (gpus <= kGpusPerNodeMax) return {1, gpus < 1 ? 1 : gpus};
  std::int64_t nodes = (gpus + kGpusPerNodeMax - 1) / kGpusPerNodeMax;
  while (gpus % nodes != 0) ++nodes;
  return {nodes, gpus / nodes};
}

ModelReference model_reference(const Scenario& scenario) {
  const ResolvedModel& model = scenario.model;
  if (model.from_catalog) return {model.id, {}};
  if (!model.id.empty() && model.id != "custom") {
    return {model.id, "model from the pasted config.json's _name_or_path; point it at your checkpoint if that differs"};
  }
  return {"path/to/your/model", "the scenario pasted a config.json without a name: put your checkpoint's path here"};
}

std::int64_t data_parallel_size(const Scenario& scenario) {
  const std::int64_t model_parallel = scenario.train.tp * scenario.train.pp * scenario.train.cp;
  return model_parallel > 0 && scenario.gpus >= model_parallel ? scenario.gpus / model_parallel : 1;
}

std::string shell_quote(std::string_view word) {
  constexpr std::string_view safe =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+./:=@%,";
  if (!word.empty() && word.find_first_not_of(safe) == std::string_view::npos) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string render_with_header(yaml::Document doc, std::vector<std::string> header, const Scenario& scenario,
                               const EstimateNotes& estimate, const std::vector<std::string>& notes) {
  for (const auto& line : estimate_lines(scenario, estimate)) header.push_back(line);
  for (const auto& line : notes) header.push_back("note: " + line);
  doc.comments.above[""] = text::join(header);
  return yaml::to_yaml(doc);
}

}  // namespace vramplan::config
