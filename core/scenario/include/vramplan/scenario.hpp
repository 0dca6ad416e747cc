#pragma once
// The scenario (docs/CONTRACT.md "Scenario (input)") as typed, validated values. parse_scenario() is the
// only way JSON becomes a Scenario; everything after it trusts these values and their ranges.
// Defaults and ranges are documented in docs/scenario.md and kept in step with scenario.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/error.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan {

enum class Workload { train, inference, rl };
// How the CUDA driver loads kernel modules (CUDA_MODULE_LOADING): lazy by default from R535 (CUDA 12.2) drivers;
// PyTorch >= 1.13 sets it in _lazy_init, too late once is_available() ran cuInit (docs/scenario.md).
enum class ModuleLoading { lazy, eager };
enum class Method { full, lora, qlora };
enum class Precision { fp32, amp_bf16, amp_fp16, bf16, mixed_bf16 };
enum class Optimizer { adamw, adamw_8bit, sgd, adafactor };
enum class Sharding { none, zero1, zero2, zero3, fsdp };
enum class Attention { flash, sdpa, eager };
// FP8 training (train.fp8): which library runs the block linears' GEMMs in fp8 and how it scales them.
// Transformer Engine (Megatron-Core, NeMo RL's Megatron backend): DelayedScaling (amax history),
// Float8CurrentScaling, MXFP8BlockScaling; torchao Float8Linear (NeMo Automodel, torchtitan): tensorwise or
// rowwise dynamic scaling. The weights, gradients and optimizer states keep train.precision's dtypes.
enum class Fp8Recipe { none, te_delayed, te_tensorwise, te_mxfp8, torchao_tensorwise, torchao_rowwise };
enum class Engine { hf, vllm };
// vLLM's start-up profile of a multimodal model's encoder (inference.mm_profiling): `dummy`, vLLM's default
// (the encoder runs on the processor's largest dummy inputs whatever the traffic); `limit_zero`,
// --limit-mm-per-prompt with every modality at 0 (no dummy media, and media are refused); `skip`,
// --skip-mm-profiling (vLLM >= 0.10.2, PR #22950: the text model alone is profiled, media still accepted).
enum class MmProfiling { dummy, limit_zero, skip };
enum class DType { fp32, bf16, fp16, fp8, int8, int4 };
// The frozen base's dtype under LoRA: `automatic` follows the precision (see lora_base_weight_bytes).
enum class BaseDType { automatic, fp32, bf16, fp16 };
// What prepared a QLoRA model for k-bit training (train.lora.kbit_preparation, docs/scenario.md): nothing (TRL
// from 0.26, a plain Trainer), PEFT's prepare_model_for_kbit_training (every non-4-bit 16-bit parameter to
// fp32), or TRL 0.7.5-0.25's SFTTrainer (that preparation, then peft_module_casting_to_bf16 under bf16:
// norms fp32, embeddings and lm_head back to bf16; skipped when the model is sharded).
enum class KbitPreparation { none, peft, trl };
enum class RlAlgorithm { grpo, ppo, dpo };
// How per-token log-probabilities are computed over the [tokens x vocab] logits (rl.logprob_kernel):
// naive: fp32 upcast + log_softmax (NeMo RL, verl without flash-attn); fused: flash-attn's Triton
// cross-entropy and a compiled entropy (verl's default path); selective: TRL's selective_log_softmax,
// one sequence's log_softmax at a time over fp32 logits (accelerate's convert_outputs_to_fp32).
// docs/memory-model.md "RL".
enum class LogprobKernel { naive, fused, selective };
// How the train workload's language-model loss reads the logits (train.loss_kernel, docs/memory-model.md
// "Logits and loss"): full: the model's own forward returns every position's logits and transformers'
// ForCausalLMLoss upcasts them (the HF Trainer's default); chunked: TRL's SFT loss_type "chunked_nll" (the lm_head
// and cross-entropy 256 valid tokens at a time under checkpointing, trl/trainer/sft_trainer.py); fused: Liger's
// fused linear cross-entropy (use_liger_kernel), whose forward writes the gradients chunk by chunk.
enum class LossKernel { full, chunked, fused };
// Which positions of a sequence get logits (rl.logits_scope): full: every position (verl computes
// log-probs over all tokens and slices the response; NeMo RL over the whole sequence); completion:
// the response's positions + 1 only (TRL logits_to_keep). Absent: completion with the selective kernel,
// full otherwise.
enum class LogitsScope { full, completion };

// Bytes per element of a dtype. int4 is half a byte: callers multiply by element counts first.
double dtype_bytes(DType dtype);

const char* to_string(Workload v);
const char* to_string(ModuleLoading v);
const char* to_string(Method v);
const char* to_string(Precision v);
const char* to_string(Optimizer v);
const char* to_string(Sharding v);
const char* to_string(Attention v);
const char* to_string(Fp8Recipe v);
const char* to_string(Engine v);
const char* to_string(MmProfiling v);
const char* to_string(DType v);
const char* to_string(RlAlgorithm v);
const char* to_string(LogprobKernel v);
const char* to_string(LossKernel v);
const char* to_string(LogitsScope v);
const char* to_string(KbitPreparation v);

// A model resolved from a catalog id or a pasted config.json.
struct ResolvedModel {
  ModelConfig config;
  std::string id;          // catalog id, or the config's _name_or_path, or "custom"
  bool from_catalog = false;
  Json raw_config;         // the pasted config.json (empty for catalog models)
  // Set when the id given was an alias (e.g. a seed's misnamed id): what it resolved to and why.
  std::string resolution_note;
};

struct LoraSettings {
  std::int64_t rank = 16;
  double alpha = 32;
  bool all_linear = true;
  std::vector<std::string> targets;  // module names when not all-linear
  BaseDType base_dtype = BaseDType::automatic;  // frozen base weights (method lora)
  KbitPreparation kbit_preparation = KbitPreparation::none;  // method qlora
};

// A framework release named by a scenario ("latest" or major.minor[.patch]): vLLM's profiling reserve and
// transformers' loss code differ between releases (docs/scenario.md).
struct ReleaseVersion {
  std::string text = "latest";
  int major = 999;  // "latest": above every numbered release
  int minor = 0;
  bool before(int major_release, int minor_release) const {
    return major < major_release || (major == major_release && minor < minor_release);
  }
};
using VllmVersion = ReleaseVersion;

struct TrainSettings {
  Method method = Method::full;
  Precision precision = Precision::amp_bf16;
  Optimizer optimizer = Optimizer::adamw;
  std::int64_t micro_batch_size = 1;
  // Micro-batches accumulated into one optimizer step on each data-parallel rank (HF TrainingArguments
  // gradient_accumulation_steps; Megatron num_microbatches = global batch / (micro batch x dp)). The time
  // model's step, pipeline bubble and collectives read it; memory holds one micro-batch either way.
  std::int64_t gradient_accumulation_steps = 1;
  std::int64_t seq_len = 2048;
  bool gradient_checkpointing = false;
  Attention attention = Attention::flash;
  LoraSettings lora;
  Sharding sharding = Sharding::none;
  // Under sharding "fsdp": 1 = FullyShardedDataParallel (accelerate's default), 2 = fully_shard (FSDP2).
  std::int64_t fsdp_version = 1;
  // Under FSDP1: rank 0 holds the whole model on the CPU and FSDP moves, broadcasts (sync_module_states),
  // flattens and shards it unit by unit (fsdp_qlora's low_memory, accelerate's cpu_ram_efficient_loading),
  // which leaves freed blocks cached on the compute stream before the first step (fsdp1_init_cache).
  bool fsdp_sync_module_states = false;
  // torch.utils.checkpoint's use_reentrant for the per-block checkpoints (transformers'
  // gradient_checkpointing_kwargs): true is transformers' default since 4.35 (gradient_checkpointing_enable
  // passes {"use_reentrant": True} when given none) and torch's own up to 2.4. Decides what FSDP1 keeps
  // through a LoRA backward (docs/memory-model.md "Input gradients kept by FSDP1's reshard hooks").
  bool gradient_checkpointing_reentrant = true;
  // torchtune's optimizer_in_bwd (full fine-tuning): each parameter's optimizer step runs in its
  // post-accumulate-grad hook and frees the gradient at once, so no whole-model gradient is ever alive
  // (docs/memory-model.md "Gradients, master weights, optimizer states"). torchtune refuses it with gradient accumulation.
  bool optimizer_in_backward = false;
  // The transformers release whose causal-LM loss the trainer runs (the reserved level differs before 4.49).
  ReleaseVersion transformers_version;
  LossKernel loss_kernel = LossKernel::full;  // the train workload's loss (RL policies: rl.logprob_kernel)
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  std::int64_t cp = 1;
  // Expert parallelism (MoE): routed experts split over ep ranks (Megatron expert_model_parallel_size,
  // torchtitan/Automodel ep), each expert's matrices over etp ranks (expert_tensor_parallel_size;
  // absent: tp, Megatron-Core's default). The rest of the model keeps tp/pp and the sharding.
  std::int64_t ep = 1;
  std::optional<std::int64_t> etp;
  Fp8Recipe fp8 = Fp8Recipe::none;
  // Transformer Engine DelayedScaling.amax_history_len (te-delayed only): the fp32 amax values kept per fp8 tensor.
  std::int64_t fp8_amax_history_len = 1024;
  // The block linears' weights all-gathered in fp8 under zero3 / fsdp: torchao Float8LinearConfig
  // enable_fsdp_float8_all_gather (FSDP2, tensorwise), Transformer Engine fp8 parameters (Megatron / NeMo
  // fp8_param, TE fp8_model_init: stored and gathered in fp8, the fp32 master in the optimizer).
  bool fp8_all_gather = false;
  std::int64_t expert_tp() const { return etp.value_or(tp); }
  bool offload_optimizer = false;
  bool offload_params = false;
  // Images and audio per sample (images_per_sample, image_size, audio_seconds): their positions are
  // added to seq_len's text tokens (docs/scenario.md "Images and audio").
  MediaInput media;
  // Model FLOPs utilisation of the training passes; absent: the GPU generation's band (docs/time-model.md).
  std::optional<double> mfu;
};

// A vLLM release ("0.16", "0.11.2"), or the current one ("latest", the default): constants that changed
// between releases are keyed by it (memory::vllm_sampler_fp32_copies).

struct InferenceSettings {
  Engine engine = Engine::hf;
  std::int64_t batch_size = 1;
  std::int64_t context_len = 4096;
  DType weight_dtype = DType::bf16;
  DType kv_dtype = DType::bf16;
  double gpu_memory_utilization = 0.9;
  Attention attention = Attention::flash;
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  // vLLM enable_expert_parallel: MoE layers split their experts over ep = tp x data-parallel ranks
  // instead of tensor-parallel slicing each expert (vllm/config/parallel.py); 1: off.
  std::int64_t ep = 1;
  // vLLM scheduler limits that size its profiling run (sampler rows and forward tokens); absent:
  // vLLM's default for the GPU and usage context (docs/memory-model.md "vllm engine").
  std::optional<std::int64_t> max_num_seqs;
  std::optional<std::int64_t> max_num_batched_tokens;
  VllmVersion vllm_version;
  // vLLM --enforce-eager: no CUDA graphs are captured, so no graph pool sits beside the KV pool.
  bool enforce_eager = false;
  MmProfiling mm_profiling = MmProfiling::dummy;
  MediaInput media;  // per request: image tokens join context_len's tokens in the KV cache
  // Time model: prefill MFU and decode memory-bandwidth efficiency; absent: the default bands.
  std::optional<double> mfu;
  std::optional<double> decode_efficiency;
  // Time model: generated tokens per request, the rest of context_len being the prompt (a benchmark's
  // input/output lengths, e.g. 5,000 + 500); absent: context_len split in half.
  std::optional<std::int64_t> output_len;
};

struct RewardModelSettings {
  ResolvedModel model;
  DType weight_dtype = DType::bf16;
  // true: the reward model shares the policy's GPUs (resident in every phase); false: it has GPUs of
  // its own (OpenRLHF's reward actor, a judge server) and is reported as its own "reward" phase.
  bool colocated = true;
};

struct RolloutSettings {
  Engine engine = Engine::vllm;
  bool colocated = true;
  double gpu_memory_utilization = 0.6;
  std::int64_t prompts_per_step = 32;
  std::int64_t generations_per_prompt = 16;
  std::int64_t max_prompt_len = 512;
  std::int64_t max_response_len = 1024;
  std::int64_t tp = 1;
  // Colocated vLLM: true releases the KV pool and weights while training (verl free_cache_engine /
  // sleep, NeMo RL colocated, TRL vllm_enable_sleep_mode=True); false keeps the pool resident (TRL
  // colocate default vllm_enable_sleep_mode=False).
  bool sleep_mode = true;
  // Expected (mean) lengths of the generated sequences; absent: the maximum. They size the KV cache's
  // concurrency and, with rl.sequence_packing, the tokens of scoring and training micro-batches.
  std::optional<std::int64_t> mean_prompt_len;    // 1 .. max_prompt_len
  std::optional<std::int64_t> mean_response_len;  // 1 .. max_response_len
  // vLLM's max_num_seqs / max_num_batched_tokens for the rollout engine; absent: vLLM's defaults for
  // the offline LLM class (what verl, NeMo RL and TRL create).
  std::optional<std::int64_t> max_num_seqs;
  std::optional<std::int64_t> max_num_batched_tokens;
  VllmVersion vllm_version;
  // The engine's enforce_eager (verl rollout.enforce_eager, NeMo RL vllm_cfg.enforce_eager): no CUDA
  // graph pool, which sleep mode would not release.
  bool enforce_eager = false;
};

struct RlSettings {
  RlAlgorithm algorithm = RlAlgorithm::grpo;
  bool reference = true;
  bool critic = false;  // defaults to true for ppo
  std::optional<RewardModelSettings> reward_model;
  RolloutSettings rollout;
  // The trainer runs only real tokens (verl use_remove_padding, NeMo RL sequence_packing, TRL
  // padding_free): micro-batches hold micro_batch_size x (mean prompt + mean response) tokens.
  // false: every sequence is padded to max_prompt_len + max_response_len.
  bool sequence_packing = false;
  LogprobKernel logprob_kernel = LogprobKernel::naive;
  std::optional<LogitsScope> logits_scope;  // absent: the kernel's framework default (see LogitsScope)
  // The policy's (and critic's) weights and optimizer states move to host RAM while the rollout engine
  // generates, and the optimizer states also while scoring; all are on the GPU for training (verl actor
  // param_offload + optimizer_offload; NeMo RL colocated generation). The reference is then in host RAM.
  bool phase_offload = false;
  // Sequences per GPU in one log-prob (scoring) forward; absent: train.micro_batch_size (verl
  // log_prob_micro_batch_size_per_gpu, NeMo RL logprob_batch_size).
  std::optional<std::int64_t> logprob_micro_batch_size;
  // Optimizer steps of the run (verl trainer.total_training_steps, NeMo RL grpo.max_num_steps); absent:
  // dataset.samples x epochs / prompts_per_step when the dataset is given.
  std::optional<std::int64_t> steps;
};

// The size of the job, for the run totals of the time model (time.run_seconds, gpu_hours, cost_usd).
struct DatasetSettings {
  std::optional<std::int64_t> tokens;   // training tokens per epoch (train)
  std::optional<std::int64_t> samples;  // sequences of train.seq_len (train) or prompts (rl) per epoch
  double epochs = 1;
};

// The cluster around the GPUs (time model only).
struct ClusterSettings {
  std::optional<double> inter_node_bytes_per_s;  // per GPU, one direction; absent: time::kInterNodeBytesPerS
};

// What `vramplan config` writes for (docs/configs.md "Framework versions"): the framework release, e.g.
// "0.6" or "v0.6.0". Checked against the chosen format's accepted releases when a config is written;
// absent: the release the snapshots in data/frameworks/ were taken from.
struct ConfigSettings {
  std::optional<std::string> framework_version;
};

struct Scenario {
  ResolvedModel model;
  Workload workload = Workload::train;
  std::optional<GpuSpec> gpu;  // absent: no fit verdict
  std::int64_t gpus = 1;
  // The stack's kernel loading: eager (PyTorch < 1.13, CUDA < 11.7, CUDA_MODULE_LOADING=EAGER, or an R525-R530
  // driver that PyTorch's late setenv did not reach) holds
  // kCudaContextEagerBytes of context instead of kCudaContextBytes (docs/memory-model.md "Uncertainty band").
  ModuleLoading cuda_module_loading = ModuleLoading::lazy;
  TrainSettings train;
  InferenceSettings inference;
  RlSettings rl;
  DatasetSettings dataset;
  ClusterSettings cluster;
  ConfigSettings config;
  // Keys given a value other than their default that change nothing for this scenario (another
  // workload's section, vLLM's knobs with the hf engine, LoRA settings with method full): one warning
  // each, naming the key (ignored_key_warnings).
  std::vector<std::string> warnings;
};

// Ranges (inclusive) shared by the parser, the docs and the tests.
namespace limits {
inline constexpr std::int64_t kMaxGpus = 65536;
inline constexpr std::int64_t kMaxBatch = 65536;
inline constexpr std::int64_t kMaxSeqLen = 16777216;  // 16M tokens
inline constexpr std::int64_t kMaxParallel = 1024;    // tp, pp, cp
inline constexpr std::int64_t kMaxLoraRank = 65536;
inline constexpr std::int64_t kMaxGenerations = 4096;
inline constexpr double kMinUtilisation = 0.01;           // train.mfu, inference.mfu, decode_efficiency
inline constexpr std::int64_t kMaxDatasetTokens = 1000000000000000;  // 1e15
inline constexpr double kMaxEpochs = 10000;
inline constexpr double kMaxInterNodeBytesPerS = 1e13;  // 10 TB/s per GPU, beyond any NIC
}  // namespace limits

// Parses and validates a scenario document against the catalog. Errors carry JSON pointers.
Expected<Scenario> parse_scenario(const Json& document, const Catalog& catalog);

// Resolves the two accepted forms of a model (catalog id string, or config.json object) at `pointer`.
Expected<ResolvedModel> resolve_model(const Json& value, const std::string& pointer, const Catalog& catalog);

// Every key the parser reads, in its order, as {pointer, type, min, max, default, options}: recorded from
// the parser itself (ObjectReader's schema recorder). scenario_schema() adds which workloads read each
// key, when a key matters, and the rules between keys (core/scenario/src/scenario_schema.cpp).
Json scenario_schema_keys(const Catalog& catalog);
Json scenario_schema(const Catalog& catalog);

// Warnings for the keys of `document` that were set (to a value other than their default) but change
// nothing for the parsed scenario `s`: the schema's workloads and conditions (scenario_schema.cpp) say
// which keys each workload reads and when.
std::vector<std::string> ignored_key_warnings(const Json& document, const Scenario& s);

// The scenario as canonical JSON with every default filled in (for permalinks and echoing).
Json scenario_to_json(const Scenario& scenario);

}  // namespace vramplan
