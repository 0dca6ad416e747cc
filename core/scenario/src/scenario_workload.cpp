// dataset {tokens | samples, epochs} and cluster {inter_node_bytes_per_s}: the job's size and the
// network between nodes, read only by the time model (core/time, docs/time-model.md "Run totals");
// config {framework_version}, read only by `vramplan config`.
#include "scenario_workload.hpp"

namespace vramplan::detail {

DatasetSettings read_dataset(ObjectReader r) {
  DatasetSettings d;
  d.tokens = r.optional_integer("tokens", 1, limits::kMaxDatasetTokens);
  d.samples = r.optional_integer("samples", 1, limits::kMaxDatasetTokens);
  // Fractional epochs are common (HF TrainingArguments.num_train_epochs is a float).
  d.epochs = r.number("epochs", 0.001, limits::kMaxEpochs, d.epochs);
  if (d.tokens && d.samples) {
    fail(r.pointer_of("samples"), "cannot be given with dataset.tokens: give the size once, in tokens or in samples");
  }
  r.reject_unknown_keys();
  return d;
}

ClusterSettings read_cluster(ObjectReader r) {
  ClusterSettings c;
  c.inter_node_bytes_per_s = r.optional_number("inter_node_bytes_per_s", 1e6, limits::kMaxInterNodeBytesPerS);
  r.reject_unknown_keys();
  return c;
}

// config.framework_version: a release as the framework tags it ("0.6", "0.6.1", "v0.6.0"). Only its form is
// checked here; which releases a format accepts is known where the config is written
// (core/frameworks/src/framework_version.cpp), and `vramplan config` refuses the others there.
ConfigSettings read_config(ObjectReader r) {
  ConfigSettings c;
  if (r.schema_recorder()) {
    r.describe("framework_version",
               Json{{"type", "version"}, {"default", nullptr}, {"pattern", "major.minor[.patch], v prefix allowed"}});
  }
  if (const Json* v = r.find("framework_version")) {
    const std::string pointer = r.pointer_of("framework_version");
    if (!v->is_string()) fail(pointer, "must be a release string such as \"0.6\" or \"v0.6.0\", got " + describe_value(*v));
    const std::string& text = v->get_ref<const std::string&>();
    const bool shaped = !text.empty() && text.size() <= 32 && text.find_first_not_of("v0123456789.") == std::string::npos &&
                        text.find('.') != std::string::npos;
    if (!shaped) fail(pointer, "must be a release such as \"0.6\" or \"v0.6.0\" (digits and dots), got " + describe_value(*v));
    c.framework_version = text;
  }
  r.reject_unknown_keys();
  return c;
}

namespace {
template <class T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
}  // namespace

void time_keys_to_json(const Scenario& s, Json& out) {
  out["train"]["mfu"] = or_null(s.train.mfu);
  out["train"]["gradient_accumulation_steps"] = s.train.gradient_accumulation_steps;
  out["inference"]["mfu"] = or_null(s.inference.mfu);
  out["inference"]["decode_efficiency"] = or_null(s.inference.decode_efficiency);
  out["inference"]["output_len"] = or_null(s.inference.output_len);
  out["rl"]["steps"] = or_null(s.rl.steps);
  out["dataset"] = Json{{"tokens", or_null(s.dataset.tokens)},
                        {"samples", or_null(s.dataset.samples)},
                        {"epochs", s.dataset.epochs}};
  out["cluster"] = Json{{"inter_node_bytes_per_s", or_null(s.cluster.inter_node_bytes_per_s)}};
  out["config"] = Json{{"framework_version", or_null(s.config.framework_version)}};
}

std::vector<std::string> dataset_warnings(const Json& document, const Scenario& s) {
  std::vector<std::string> out;
  if (!document.is_object() || !document.contains("dataset") || !document.at("dataset").is_object()) return out;
  const bool sized = s.dataset.tokens || s.dataset.samples;
  const Json& d = document.at("dataset");
  const bool epochs_given = d.contains("epochs") && d.at("epochs").is_number() && d.at("epochs") != 1;
  if (s.workload == Workload::inference) return out;  // ignored_key_warnings names the whole section
  if (epochs_given && (!sized || (s.workload == Workload::rl && s.rl.steps))) {
    out.push_back("/dataset/epochs is set but has no effect: " +
                  std::string(sized ? "rl.steps sets the number of steps" : "dataset.tokens or dataset.samples is not set"));
  }
  if (s.workload == Workload::rl && s.rl.steps && s.dataset.samples) {
    out.push_back("/dataset/samples is set but has no effect: rl.steps sets the number of steps (as verl's "
                  "trainer.total_training_steps overrides the dataloader's length)");
  }
  return out;
}

}  // namespace vramplan::detail
