#include "vramplan/scenario.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "scenario_enum.hpp"
#include "scenario_media.hpp"
#include "scenario_workload.hpp"

namespace vramplan {
namespace {

constexpr NameTable<Workload, 3> kWorkloads{{{"train", Workload::train}, {"inference", Workload::inference}, {"rl", Workload::rl}}};
constexpr NameTable<ModuleLoading, 2> kModuleLoadings{{{"lazy", ModuleLoading::lazy}, {"eager", ModuleLoading::eager}}};
constexpr NameTable<Method, 3> kMethods{{{"full", Method::full}, {"lora", Method::lora}, {"qlora", Method::qlora}}};
constexpr NameTable<Precision, 5> kPrecisions{{{"fp32", Precision::fp32},
                                               {"amp-bf16", Precision::amp_bf16},
                                               {"amp-fp16", Precision::amp_fp16},
                                               {"bf16", Precision::bf16},
                                               {"mixed-bf16", Precision::mixed_bf16}}};
constexpr NameTable<Optimizer, 4> kOptimizers{{{"adamw", Optimizer::adamw},
                                               {"adamw-8bit", Optimizer::adamw_8bit},
                                               {"sgd", Optimizer::sgd},
                                               {"adafactor", Optimizer::adafactor}}};
constexpr NameTable<Sharding, 5> kShardings{{{"none", Sharding::none},
                                             {"zero1", Sharding::zero1},
                                             {"zero2", Sharding::zero2},
                                             {"zero3", Sharding::zero3},
                                             {"fsdp", Sharding::fsdp}}};
constexpr NameTable<Attention, 3> kAttentions{{{"flash", Attention::flash}, {"sdpa", Attention::sdpa}, {"eager", Attention::eager}}};
constexpr NameTable<Engine, 2> kEngines{{{"hf", Engine::hf}, {"vllm", Engine::vllm}}};
constexpr NameTable<MmProfiling, 3> kMmProfilings{
    {{"dummy", MmProfiling::dummy}, {"limit_zero", MmProfiling::limit_zero}, {"skip", MmProfiling::skip}}};
constexpr NameTable<DType, 6> kWeightDTypes{{{"fp32", DType::fp32},
                                             {"bf16", DType::bf16},
                                             {"fp16", DType::fp16},
                                             {"fp8", DType::fp8},
                                             {"int8", DType::int8},
                                             {"int4", DType::int4}}};
constexpr NameTable<DType, 4> kKvDTypes{{{"fp32", DType::fp32}, {"bf16", DType::bf16}, {"fp16", DType::fp16}, {"fp8", DType::fp8}}};
constexpr NameTable<BaseDType, 4> kBaseDTypes{{{"auto", BaseDType::automatic}, {"fp32", BaseDType::fp32},
                                                {"bf16", BaseDType::bf16}, {"fp16", BaseDType::fp16}}};
constexpr NameTable<KbitPreparation, 3> kKbitPreparations{
    {{"none", KbitPreparation::none}, {"peft", KbitPreparation::peft}, {"trl", KbitPreparation::trl}}};
constexpr NameTable<RlAlgorithm, 3> kAlgorithms{{{"grpo", RlAlgorithm::grpo}, {"ppo", RlAlgorithm::ppo}, {"dpo", RlAlgorithm::dpo}}};
constexpr NameTable<LogprobKernel, 3> kLogprobKernels{
    {{"naive", LogprobKernel::naive}, {"fused", LogprobKernel::fused}, {"selective", LogprobKernel::selective}}};
constexpr NameTable<LogitsScope, 2> kLogitsScopes{{{"full", LogitsScope::full}, {"completion", LogitsScope::completion}}};

bool iequals_ascii(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string did_you_mean(const std::vector<std::string>& ids, const std::string& query) {
  const auto near = nearest_ids(ids, query, 1);
  return near.empty() ? std::string() : "; did you mean " + near.front() + "?";
}

// LoRA target modules (PEFT LoraConfig.target_modules names used by the supported architectures).
constexpr std::array<const char*, 13> kLoraModules{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                   "down_proj", "qkv_proj", "gate_up_proj", "dense", "fc1", "fc2",
                                                   "c_attn"};

LoraSettings read_lora(ObjectReader r) {
  LoraSettings lora;
  lora.rank = r.integer("rank", 1, limits::kMaxLoraRank, lora.rank);
  lora.alpha = r.number("alpha", 0.0, 1e6, lora.alpha);
  if (r.schema_recorder()) {
    r.describe("targets", Json{{"type", "targets"}, {"options", kLoraModules}, {"default", "all-linear"}});
  }
  const Json* targets = r.find("targets");
  const std::string pointer = r.pointer_of("targets");
  if (targets) {
    if (targets->is_string() && targets->get_ref<const std::string&>() == "all-linear") {
      lora.all_linear = true;
    } else if (targets->is_array() && !targets->empty() && targets->size() <= kLoraModules.size()) {
      lora.all_linear = false;
      for (std::size_t i = 0; i < targets->size(); ++i) {
        const Json& t = (*targets)[i];
        bool known = false;
        for (const char* m : kLoraModules) known = known || (t.is_string() && t.get_ref<const std::string&>() == m);
        if (!known) {
          std::string accepted;
          for (const char* m : kLoraModules) accepted += (accepted.empty() ? "" : ", ") + std::string(m);
          fail(pointer_append(pointer, i), "must be a module name (" + accepted + "), got " + describe_value(t));
        }
        lora.targets.push_back(t.get<std::string>());
      }
    } else {
      fail(pointer, "must be \"all-linear\" or a non-empty list of module names, got " + describe_value(*targets));
    }
  }
  lora.base_dtype = read_enum(r, "base_dtype", kBaseDTypes, lora.base_dtype);
  lora.kbit_preparation = read_enum(r, "kbit_preparation", kKbitPreparations, lora.kbit_preparation);
  r.reject_unknown_keys();
  return lora;
}

TrainSettings read_train(ObjectReader r) {
  TrainSettings t;
  t.method = read_enum(r, "method", kMethods, t.method);
  t.precision = read_enum(r, "precision", kPrecisions, t.precision);
  t.optimizer = read_enum(r, "optimizer", kOptimizers, t.optimizer);
  t.micro_batch_size = r.integer("micro_batch_size", 1, limits::kMaxBatch, t.micro_batch_size);
  t.gradient_accumulation_steps = r.integer("gradient_accumulation_steps", 1, limits::kMaxBatch, t.gradient_accumulation_steps);
  t.seq_len = r.integer("seq_len", 1, limits::kMaxSeqLen, t.seq_len);
  t.gradient_checkpointing = r.boolean("gradient_checkpointing", t.gradient_checkpointing);
  t.attention = read_enum(r, "attention", kAttentions, t.attention);
  t.lora = read_lora(r.object("lora"));
  t.sharding = read_enum(r, "sharding", kShardings, t.sharding);
  t.tp = r.integer("tp", 1, limits::kMaxParallel, t.tp);
  t.pp = r.integer("pp", 1, limits::kMaxParallel, t.pp);
  t.cp = r.integer("cp", 1, limits::kMaxParallel, t.cp);
  t.ep = r.integer("ep", 1, limits::kMaxParallel, t.ep);
  t.etp = r.optional_integer("etp", 1, limits::kMaxParallel);
  read_train_extras(r, t);
  t.transformers_version =
      read_release_version(r, "transformers_version", "a transformers release such as \"4.48\" or \"4.48.1\"");
  t.offload_optimizer = r.boolean("offload_optimizer", t.offload_optimizer);
  t.offload_params = r.boolean("offload_params", t.offload_params);
  read_optimizer_in_backward(r, t);
  t.media = read_media(r);
  t.mfu = r.optional_number("mfu", limits::kMinUtilisation, 1.0);
  r.reject_unknown_keys();
  return t;
}

InferenceSettings read_inference(ObjectReader r) {
  InferenceSettings s;
  s.engine = read_enum(r, "engine", kEngines, s.engine);
  s.batch_size = r.integer("batch_size", 1, limits::kMaxBatch, s.batch_size);
  s.context_len = r.integer("context_len", 1, limits::kMaxSeqLen, s.context_len);
  s.weight_dtype = read_enum(r, "weight_dtype", kWeightDTypes, s.weight_dtype);
  s.kv_dtype = read_enum(r, "kv_dtype", kKvDTypes, s.kv_dtype);
  s.gpu_memory_utilization = r.number("gpu_memory_utilization", 0.05, 1.0, s.gpu_memory_utilization);
  s.attention = read_enum(r, "attention", kAttentions, s.attention);
  s.tp = r.integer("tp", 1, limits::kMaxParallel, s.tp);
  s.pp = r.integer("pp", 1, limits::kMaxParallel, s.pp);
  s.ep = r.integer("ep", 1, limits::kMaxParallel, s.ep);
  s.max_num_seqs = r.optional_integer("max_num_seqs", 1, limits::kMaxBatch);
  s.max_num_batched_tokens = r.optional_integer("max_num_batched_tokens", 1, limits::kMaxSeqLen);
  s.vllm_version = read_release_version(r, "vllm_version", "a vLLM release such as \"0.16\" or \"0.11.2\"");
  s.enforce_eager = r.boolean("enforce_eager", s.enforce_eager);
  s.mm_profiling = read_enum(r, "mm_profiling", kMmProfilings, s.mm_profiling);
  s.media = read_media(r);
  check_mm_profiling(r, s.mm_profiling, s.vllm_version, s.media);
  s.mfu = r.optional_number("mfu", limits::kMinUtilisation, 1.0);
  s.decode_efficiency = r.optional_number("decode_efficiency", limits::kMinUtilisation, 1.0);
  s.output_len = r.optional_integer("output_len", 1, limits::kMaxSeqLen);
  if (s.output_len && *s.output_len >= s.context_len) {
    fail(r.pointer_of("output_len"), "must be 1 to context_len - 1 = " + std::to_string(s.context_len - 1) +
                                         " (the prompt is context_len - output_len tokens), got " +
                                         std::to_string(*s.output_len));
  }
  r.reject_unknown_keys();
  return s;
}

RolloutSettings read_rollout(ObjectReader r) {
  RolloutSettings s;
  s.engine = read_enum(r, "engine", kEngines, s.engine);
  s.colocated = r.boolean("colocated", s.colocated);
  s.gpu_memory_utilization = r.number("gpu_memory_utilization", 0.05, 1.0, s.gpu_memory_utilization);
  s.prompts_per_step = r.integer("prompts_per_step", 1, limits::kMaxBatch, s.prompts_per_step);
  s.generations_per_prompt = r.integer("generations_per_prompt", 1, limits::kMaxGenerations, s.generations_per_prompt);
  s.max_prompt_len = r.integer("max_prompt_len", 1, limits::kMaxSeqLen, s.max_prompt_len);
  s.max_response_len = r.integer("max_response_len", 1, limits::kMaxSeqLen, s.max_response_len);
  s.tp = r.integer("tp", 1, limits::kMaxParallel, s.tp);
  s.sleep_mode = r.boolean("sleep_mode", s.sleep_mode);
  // Mean lengths: at most the maxima they average (docs/scenario.md "rl").
  s.mean_prompt_len = r.optional_integer("mean_prompt_len", 1, s.max_prompt_len);
  s.mean_response_len = r.optional_integer("mean_response_len", 1, s.max_response_len);
  s.max_num_seqs = r.optional_integer("max_num_seqs", 1, limits::kMaxBatch);
  s.max_num_batched_tokens = r.optional_integer("max_num_batched_tokens", 1, limits::kMaxSeqLen);
  s.vllm_version = read_release_version(r, "vllm_version", "a vLLM release such as \"0.16\" or \"0.11.2\"");
  s.enforce_eager = r.boolean("enforce_eager", s.enforce_eager);
  r.reject_unknown_keys();
  return s;
}

RlSettings read_rl(ObjectReader r, const Catalog& catalog) {
  RlSettings s;
  s.algorithm = read_enum(r, "algorithm", kAlgorithms, s.algorithm);
  s.reference = r.boolean("reference", s.reference);
  // PPO trains a value model; the others do not (docs/scenario.md).
  s.critic = r.boolean("critic", s.algorithm == RlAlgorithm::ppo);
  if (const Json* reward = r.find("reward_model")) {
    ObjectReader rr(*reward, r.pointer_of("reward_model"));
    rr.record_schema_into(r.schema_recorder());
    if (rr.schema_recorder()) rr.describe("model", Json{{"type", "model"}, {"default", nullptr}});
    const Json* model = rr.find("model");
    if (!model) fail(rr.pointer_of("model"), "is required: a catalog id or a config.json object");
    auto resolved = resolve_model(*model, rr.pointer_of("model"), catalog);
    if (!resolved.ok()) throw InputError{resolved.error()};
    RewardModelSettings reward_settings{std::move(resolved).value(), DType::bf16};
    reward_settings.weight_dtype = read_enum(rr, "weight_dtype", kWeightDTypes, reward_settings.weight_dtype);
    reward_settings.colocated = rr.boolean("colocated", reward_settings.colocated);
    rr.reject_unknown_keys();
    s.reward_model = std::move(reward_settings);
  }
  s.rollout = read_rollout(r.object("rollout"));
  s.sequence_packing = r.boolean("sequence_packing", s.sequence_packing);
  s.phase_offload = r.boolean("phase_offload", s.phase_offload);
  s.logprob_kernel = read_enum(r, "logprob_kernel", kLogprobKernels, s.logprob_kernel);
  if (r.schema_recorder()) {
    r.describe("logits_scope", Json{{"type", "enum"}, {"options", names_of(kLogitsScopes)}, {"default", nullptr}});
  }
  if (r.find("logits_scope") != nullptr) s.logits_scope = read_enum(r, "logits_scope", kLogitsScopes, LogitsScope::full);
  s.logprob_micro_batch_size = r.optional_integer("logprob_micro_batch_size", 1, limits::kMaxBatch);
  s.steps = r.optional_integer("steps", 1, limits::kMaxDatasetTokens);
  r.reject_unknown_keys();
  return s;
}

// Constraints between fields that make a scenario impossible to run as written.
void check_parallel_layout(const Scenario& s) {
  const bool trains = s.workload != Workload::inference;
  if (trains) {
    const std::int64_t model_parallel = s.train.tp * s.train.pp * s.train.cp;
    if (model_parallel > s.gpus) {
      fail("/gpus", "must be at least train.tp x train.pp x train.cp = " + std::to_string(model_parallel) + ", got " +
                        std::to_string(s.gpus));
    }
    if (s.gpus % model_parallel != 0) {
      fail("/gpus", "must be a multiple of train.tp x train.pp x train.cp = " + std::to_string(model_parallel) +
                        " (data-parallel size = gpus / (tp x pp x cp)), got " + std::to_string(s.gpus));
    }
    // Megatron-Core parallel_state: the expert layout tiles each pipeline stage's ranks as etp x ep x
    // expert-data-parallel, so pp x ep x etp must divide the world.
    const std::int64_t expert_parallel = s.train.pp * s.train.ep * s.train.expert_tp();
    if (s.gpus % expert_parallel != 0) {
      fail("/train/ep", "needs gpus to be a multiple of train.pp x train.ep x train.etp = " +
                            std::to_string(expert_parallel) + " (etp defaults to tp), got gpus " + std::to_string(s.gpus));
    }
  } else {
    const std::int64_t model_parallel = s.inference.tp * s.inference.pp;
    if (model_parallel > s.gpus) {
      fail("/gpus", "must be at least inference.tp x inference.pp = " + std::to_string(model_parallel) + ", got " +
                        std::to_string(s.gpus));
    }
    // vLLM's expert-parallel group is tp x data-parallel ranks of one pipeline stage.
    if (s.inference.ep * s.inference.pp > s.gpus) {
      fail("/inference/ep", "must be at most gpus / inference.pp = " + std::to_string(s.gpus / s.inference.pp) +
                                ", got " + std::to_string(s.inference.ep));
    }
  }
  if (s.workload == Workload::rl && s.rl.rollout.tp > s.gpus) {
    fail("/rl/rollout/tp", "must be at most gpus = " + std::to_string(s.gpus) + ", got " + std::to_string(s.rl.rollout.tp));
  }
}

Scenario read_scenario(const Json& document, const Catalog& catalog, Json* schema_keys = nullptr) {
  ObjectReader r(document, "");
  r.record_schema_into(schema_keys);
  Scenario s;
  if (r.schema_recorder()) r.describe("model", Json{{"type", "model"}, {"default", nullptr}});
  const Json* model = r.find("model");
  if (!model) fail("/model", "is required: a catalog id (see `vramplan models`) or a config.json object");
  auto resolved = resolve_model(*model, "/model", catalog);
  if (!resolved.ok()) throw InputError{resolved.error()};
  s.model = std::move(resolved).value();
  s.workload = read_enum(r, "workload", kWorkloads, s.workload);
  if (r.schema_recorder()) r.describe("gpu", Json{{"type", "gpu"}, {"default", nullptr}});
  if (const Json* gpu = r.find("gpu")) {
    if (!gpu->is_string()) fail("/gpu", "must be a GPU id string (see `vramplan gpus`), got " + describe_value(*gpu));
    const std::string& id = gpu->get_ref<const std::string&>();
    const GpuSpec* spec = find_gpu(catalog, id);
    if (!spec) {
      std::vector<std::string> ids;
      for (const auto& g : catalog.gpus) ids.push_back(g.id);
      fail("/gpu", "unknown GPU " + describe_value(*gpu) + did_you_mean(ids, id) + " (see `vramplan gpus`)");
    }
    s.gpu = *spec;
  }
  s.gpus = r.integer("gpus", 1, limits::kMaxGpus, s.gpus);
  s.cuda_module_loading = read_enum(r, "cuda_module_loading", kModuleLoadings, s.cuda_module_loading);
  s.train = read_train(r.object("train"));
  s.inference = read_inference(r.object("inference"));
  s.rl = read_rl(r.object("rl"), catalog);
  s.dataset = detail::read_dataset(r.object("dataset"));
  s.cluster = detail::read_cluster(r.object("cluster"));
  s.config = detail::read_config(r.object("config"));
  r.reject_unknown_keys();
  check_parallel_layout(s);
  return s;
}

Json lora_to_json(const LoraSettings& lora) {
  Json targets = lora.all_linear ? Json("all-linear") : Json(lora.targets);
  return Json{{"rank", lora.rank}, {"alpha", lora.alpha}, {"targets", targets},
              {"base_dtype", name_of(kBaseDTypes, lora.base_dtype)},
              {"kbit_preparation", name_of(kKbitPreparations, lora.kbit_preparation)}};
}

Json model_to_json(const ResolvedModel& model) { return model.from_catalog ? Json(model.id) : model.raw_config; }

// An optional setting in the canonical form: its value, or null for "the documented default".
Json optional_to_json(const std::optional<std::int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

std::size_t read_enum_index(ObjectReader& r, std::string_view key, const char* const* names, std::size_t count,
                            std::size_t fallback) {
  if (r.schema_recorder()) {
    Json options = Json::array();
    for (std::size_t i = 0; i < count; ++i) options.push_back(names[i]);
    r.describe(key, Json{{"type", "enum"}, {"options", std::move(options)}, {"default", fallback < count ? names[fallback] : "?"}});
  }
  const Json* v = r.find(key);
  if (!v) return fallback;
  if (v->is_string()) {
    const std::string& text = v->get_ref<const std::string&>();
    for (std::size_t i = 0; i < count; ++i) {
      if (text == names[i]) return i;
    }
  }
  std::string accepted;
  for (std::size_t i = 0; i < count; ++i) accepted += (accepted.empty() ? "\"" : ", \"") + std::string(names[i]) + "\"";
  fail(r.pointer_of(key), "must be one of " + accepted + ", got " + describe_value(*v));
}

double dtype_bytes(DType dtype) {
  switch (dtype) {
    case DType::fp32: return 4.0;
    case DType::bf16:
    case DType::fp16: return 2.0;
    case DType::fp8:
    case DType::int8: return 1.0;
    case DType::int4: return 0.5;
  }
  return 0.0;
}

const char* to_string(Workload v) { return name_of(kWorkloads, v); }
const char* to_string(ModuleLoading v) { return name_of(kModuleLoadings, v); }
const char* to_string(Method v) { return name_of(kMethods, v); }
const char* to_string(Precision v) { return name_of(kPrecisions, v); }
const char* to_string(Optimizer v) { return name_of(kOptimizers, v); }
const char* to_string(Sharding v) { return name_of(kShardings, v); }
const char* to_string(Attention v) { return name_of(kAttentions, v); }
const char* to_string(Engine v) { return name_of(kEngines, v); }
const char* to_string(MmProfiling v) { return name_of(kMmProfilings, v); }
const char* to_string(DType v) { return name_of(kWeightDTypes, v); }
const char* to_string(RlAlgorithm v) { return name_of(kAlgorithms, v); }
const char* to_string(LogprobKernel v) { return name_of(kLogprobKernels, v); }
const char* to_string(LogitsScope v) { return name_of(kLogitsScopes, v); }
const char* to_string(KbitPreparation v) { return name_of(kKbitPreparations, v); }

Expected<ResolvedModel> resolve_model(const Json& value, const std::string& pointer, const Catalog& catalog) {
  return catch_input_errors<ResolvedModel>([&]() -> ResolvedModel {
    if (value.is_string()) {
      const std::string& id = value.get_ref<const std::string&>();
      const CatalogModel* entry = find_model(catalog, id);
      if (!entry) {
        const std::vector<std::string> ids = catalog.models.ids();
        fail(pointer, "unknown model " + describe_value(value) + did_you_mean(ids, id) +
                          " (see `vramplan models`, or give the model's config.json as an object)");
      }
      ResolvedModel resolved{entry->config, entry->id, true, Json(), ""};
      if (!iequals_ascii(entry->id, id)) {
        resolved.resolution_note = "\"" + id.substr(0, 80) + "\" resolves to " + entry->id +
                                   (entry->note.empty() ? std::string() : ": " + entry->note);
      }
      return resolved;
    }
    if (value.is_object()) {
      auto config = model_from_hf_config(value, pointer);
      if (!config.ok()) throw InputError{config.error()};
      ResolvedModel resolved{std::move(config).value(), "", false, value, ""};
      resolved.id = resolved.config.id.empty() ? "custom" : resolved.config.id;
      return resolved;
    }
    fail(pointer, "must be a catalog model id or a config.json object, got " + describe_value(value));
  });
}

Expected<Scenario> parse_scenario(const Json& document, const Catalog& catalog) {
  return catch_input_errors<Scenario>([&] {
    Scenario s = read_scenario(document, catalog);
    s.warnings = ignored_key_warnings(document, s);
    for (std::string& w : detail::dataset_warnings(document, s)) s.warnings.push_back(std::move(w));
    return s;
  });
}

Json scenario_schema_keys(const Catalog& catalog) {
  // One pass of the parser itself over a scenario that reaches every reader (a reward model
  // included), recording what each accessor accepts: the schema cannot drift from the parser.
  Json keys = Json::array();
  if (catalog.models.empty()) return keys;
  const std::string& id = catalog.models.id(0);
  const Json document{{"model", id}, {"rl", {{"reward_model", {{"model", id}}}}}};
  auto recorded = catch_input_errors<bool>([&] {
    read_scenario(document, catalog, &keys);
    return true;
  });
  return recorded.ok() ? keys : Json::array();
}

Json scenario_to_json(const Scenario& s) {
  Json out = detail::scenario_settings_to_json(s);
  out["model"] = model_to_json(s.model);
  return out;
}

namespace {
// The canonical "train" and "inference" sections (detail::scenario_settings_to_json); nlohmann sorts the keys.
Json train_settings_to_json(const TrainSettings& t) {
  return Json{{"method", to_string(t.method)},
              {"precision", to_string(t.precision)},
              {"optimizer", to_string(t.optimizer)},
              {"micro_batch_size", t.micro_batch_size},
              {"seq_len", t.seq_len},
              {"gradient_checkpointing", t.gradient_checkpointing},
              {"gradient_checkpointing_reentrant", t.gradient_checkpointing_reentrant},
              {"attention", to_string(t.attention)},
              {"lora", lora_to_json(t.lora)},
              {"sharding", to_string(t.sharding)},
              {"fsdp_version", t.fsdp_version},
              {"fsdp_sync_module_states", t.fsdp_sync_module_states},
              {"transformers_version", t.transformers_version.text},
              {"loss_kernel", to_string(t.loss_kernel)},
              {"tp", t.tp},
              {"pp", t.pp},
              {"cp", t.cp},
              {"ep", t.ep},
              {"etp", optional_to_json(t.etp)},
              {"fp8", to_string(t.fp8)},
              {"fp8_amax_history_len", t.fp8_amax_history_len},
              {"fp8_all_gather", t.fp8_all_gather},
              {"offload_optimizer", t.offload_optimizer},
              {"offload_params", t.offload_params},
              {"optimizer_in_backward", t.optimizer_in_backward}};
}
Json inference_settings_to_json(const InferenceSettings& i) {
  return Json{{"engine", to_string(i.engine)},
              {"batch_size", i.batch_size},
              {"context_len", i.context_len},
              {"weight_dtype", to_string(i.weight_dtype)},
              {"kv_dtype", to_string(i.kv_dtype)},
              {"gpu_memory_utilization", i.gpu_memory_utilization},
              {"attention", to_string(i.attention)},
              {"tp", i.tp},
              {"pp", i.pp},
              {"ep", i.ep},
              {"max_num_seqs", optional_to_json(i.max_num_seqs)},
              {"max_num_batched_tokens", optional_to_json(i.max_num_batched_tokens)},
              {"vllm_version", i.vllm_version.text},
              {"enforce_eager", i.enforce_eager},
              {"mm_profiling", to_string(i.mm_profiling)}};
}
}  // namespace

Json detail::scenario_settings_to_json(const Scenario& s) {
  Json out;
  out["workload"] = to_string(s.workload);
  if (s.gpu) out["gpu"] = s.gpu->id;
  out["gpus"] = s.gpus;
  out["cuda_module_loading"] = to_string(s.cuda_module_loading);
  out["train"] = train_settings_to_json(s.train);
  out["inference"] = inference_settings_to_json(s.inference);
  media_to_json(s.train.media, s.inference.media, out);
  const RlSettings& rl = s.rl;
  const RolloutSettings& ro = rl.rollout;
  Json reward = rl.reward_model ? Json{{"model", model_to_json(rl.reward_model->model)},
                                       {"weight_dtype", to_string(rl.reward_model->weight_dtype)},
                                       {"colocated", rl.reward_model->colocated}}
                                : Json(nullptr);
  out["rl"] = Json{{"algorithm", to_string(rl.algorithm)},
                   {"reference", rl.reference},
                   {"critic", rl.critic},
                   {"reward_model", reward},
                   {"rollout", Json{{"engine", to_string(ro.engine)},
                                    {"colocated", ro.colocated},
                                    {"gpu_memory_utilization", ro.gpu_memory_utilization},
                                    {"prompts_per_step", ro.prompts_per_step},
                                    {"generations_per_prompt", ro.generations_per_prompt},
                                    {"max_prompt_len", ro.max_prompt_len},
                                    {"max_response_len", ro.max_response_len},
                                    {"tp", ro.tp},
                                    {"sleep_mode", ro.sleep_mode},
                                    {"mean_prompt_len", optional_to_json(ro.mean_prompt_len)},
                                    {"mean_response_len", optional_to_json(ro.mean_response_len)},
                                    {"max_num_seqs", optional_to_json(ro.max_num_seqs)},
                                    {"max_num_batched_tokens", optional_to_json(ro.max_num_batched_tokens)},
                                    {"vllm_version", ro.vllm_version.text},
                                    {"enforce_eager", ro.enforce_eager}}},
                   {"sequence_packing", rl.sequence_packing},
                   {"phase_offload", rl.phase_offload},
                   {"logprob_kernel", to_string(rl.logprob_kernel)},
                   {"logits_scope", rl.logits_scope ? Json(to_string(*rl.logits_scope)) : Json(nullptr)},
                   {"logprob_micro_batch_size", optional_to_json(rl.logprob_micro_batch_size)}};
  detail::time_keys_to_json(s, out);
  return out;
}

}  // namespace vramplan
