// Assembles per-GPU breakdowns for training and inference from the component functions
// (vramplan/memory.hpp). Training lines are Terms (train/train_terms.hpp): each computes its bytes and
// its formula text together; serving lines are written beside their arithmetic, one engine per function.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "vramplan/estimate.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/memory_media.hpp"
#include "vramplan/memory_vllm.hpp"
#include "vramplan/text_format.hpp"
#include "media_inputs.hpp"
#include "train/train_terms.hpp"

namespace vramplan {
namespace {

using namespace memory;

using text::format;
using text::gib;

void add(Breakdown& b, const char* id, std::string label, double bytes, std::string formula,
         Level level = Level::persistent) {
  b.components.push_back(Component{id, std::move(label), bytes, std::move(formula), level});
}

void add(Breakdown& b, const char* id, train::Term term, Level level) {
  add(b, id, std::move(term.label), term.bytes, std::move(term.formula), level);
}

Error bad(const char* pointer, std::string message) { return Error{pointer, std::move(message), ErrorKind::invalid_input}; }

// Refuses totals that are not finite or beyond kMaxReportableBytes instead of printing them.
std::optional<Error> check_total(const Breakdown& b) {
  const double values[] = {b.device_bytes, b.reserved_bytes, b.allocated_bytes, b.host_bytes};
  for (double v : values) {
    if (!std::isfinite(v) || v < 0 || v > kMaxReportableBytes) {
      return bad("", "the estimate exceeds 1 EiB per GPU; the model or batch is far beyond any device");
    }
  }
  return std::nullopt;
}

// Validation shared by training and inference: tensor parallelism splits attention heads.
std::optional<Error> check_tp_heads(const TransformerStack& s, std::int64_t tp, const char* pointer) {
  if (tp <= 1) return std::nullopt;
  if (s.num_heads % tp != 0) {
    return bad(pointer, format("must divide the model's %lld attention heads, got %lld",
                               static_cast<long long>(s.num_heads), static_cast<long long>(tp)));
  }
  if (s.attention == AttentionKind::mha_gqa && s.num_kv_heads % tp != 0 && tp % s.num_kv_heads != 0) {
    return bad(pointer, format("must divide the model's %lld key/value heads or be a multiple of them, got %lld",
                               static_cast<long long>(s.num_kv_heads), static_cast<long long>(tp)));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------- Training
// Every line is a Term of train/train_terms.hpp (bytes and formula together): ordered, peak rule, levels summed.

// The vision / audio towers over the sample's images and audio (memory_vision.cpp, memory_audio.cpp), as Terms.
train::Term media_training_term(const train::TrainLayout& l, const MediaTokens& media, bool vision) {
  const double samples = static_cast<double>(l.t.micro_batch_size);
  MediaTerm m = vision ? vision_training_bytes(l.m, media, l.ac, samples, l.t.gradient_checkpointing)
                       : audio_training_bytes(l.m, media, l.ac, samples, l.t.gradient_checkpointing);
  return {m.bytes, std::move(m.formula), vision ? "Vision tower activations" : "Audio encoder activations"};
}

Breakdown training_breakdown(const train::TrainLayout& l, const LossOptions& loss, const MediaTokens& media) {
  using namespace train;
  Term master, grads, optimizer, lora;
  if (l.full) {
    master = master_weights_term(l);
    grads = gradients_term(l);
    optimizer = optimizer_term(l);
  } else {
    lora = lora_term(l);
  }
  Term weights = weights_term(l), gathered = gathered_term(l), ddp = ddp_buckets_term(l);
  Term activations = activations_term(l), dispatch = moe_dispatch_term(l), logits = logits_term(l, loss);
  Term autocast = autocast_term(l), fp8_weights = fp8_weights_term(l), fp8_scaling = fp8_scaling_term(l);
  Term retained = retained_grads_beyond_loss(retained_input_grads_term(l), logits.bytes);
  Term vision = media_training_term(l, media, true), audio = media_training_term(l, media, false);
  const double persistent = weights.bytes + master.bytes + grads.bytes + optimizer.bytes + lora.bytes + gathered.bytes +
                            ddp.bytes + fp8_scaling.bytes;
  const double activation_bytes = activations.bytes + logits.bytes + retained.bytes + vision.bytes + audio.bytes;
  const double loss_bytes = logits.bytes, grad_bytes = grads.bytes, state_bytes = optimizer.bytes;
  Term dequantized = place_loss(l, loss, grads, logits);
  Peak peak = peak_rule(l, activations.bytes + logits.bytes + retained.bytes + autocast.bytes + fp8_weights.bytes +
                               dispatch.bytes + vision.bytes + audio.bytes + dequantized.bytes,
                        optimizer_step_term(l));
  Breakdown b;
  b.phase = "train";
  b.trainable_params = l.trainable;
  add(b, "weights", std::move(weights), Level::persistent);
  if (l.full) {
    if (l.pb.master > 0 || l.t.offload_optimizer) add(b, "master_weights", std::move(master), Level::optimizer);
    add(b, "gradients", std::move(grads), Level::step);
    add(b, "optimizer", std::move(optimizer), Level::optimizer);
  } else {
    add(b, "lora", std::move(lora), Level::persistent);
  }
  if (gathered.bytes > 0) add(b, "gathered_params", std::move(gathered), Level::step);
  if (ddp.bytes > 0) add(b, "ddp_buckets", std::move(ddp), Level::step);
  if (fp8_scaling.bytes > 0) add(b, "fp8_scaling_state", std::move(fp8_scaling), Level::persistent);
  if (!peak.step_peak) {
    add(b, "activations", std::move(activations), Level::transient);
    if (dispatch.bytes > 0) add(b, "moe_dispatch", std::move(dispatch), Level::transient);
    if (vision.bytes > 0) add(b, "vision_activations", std::move(vision), Level::transient);
    if (audio.bytes > 0) add(b, "audio_activations", std::move(audio), Level::transient);
    add(b, "logits", std::move(logits), Level::transient);
    if (retained.bytes > 0) add(b, "fsdp_retained_grads", std::move(retained), Level::transient);
    if (dequantized.bytes > 0) add(b, "dequantized_weight", std::move(dequantized), Level::transient);
    if (autocast.bytes > 0) add(b, "autocast_cache", std::move(autocast), Level::transient);
    if (fp8_weights.bytes > 0) add(b, "fp8_weight_copies", std::move(fp8_weights), Level::transient);
  } else {
    add(b, "optimizer_step", peak.optimizer_step, Level::transient);  // its bytes read below
  }
  add(b, "allocator", peak.allocator, Level::cache);
  double cache_bytes = peak.allocator.bytes;
  b.allocated_bytes = persistent + peak.transient;
  const BackwardGradients state{persistent, b.allocated_bytes + cache_bytes, peak.forward, grad_bytes, loss_bytes,
                                state_bytes, peak.optimizer_step.bytes, peak.step_peak, gradients_made_in_backward(l, loss)};
  for (CacheLine& c : reserved_lines(l, loss, state, b.warnings)) {
    cache_bytes += c.term.bytes;
    add(b, c.id, std::move(c.term), Level::cache);
  }
  add(b, "cuda_context", peak.context, Level::context);
  b.activation_bytes = activation_bytes;
  b.reserved_bytes = b.allocated_bytes + cache_bytes;
  b.device_bytes = b.reserved_bytes + peak.context.bytes;
  b.host_bytes = host_bytes(l);
  return b;
}

// ---------------------------------------------------------------------------------------------- Inference

double weight_bytes_for(const ParamCounts& p, const LinearInventory& inv, DType dtype, double* quantized,
                        double* plain) {
  if (dtype == DType::fp32 || dtype == DType::bf16 || dtype == DType::fp16) {
    *quantized = 0;
    *plain = static_cast<double>(p.total);
    return *plain * dtype_bytes(dtype);
  }
  const WeightSplit w = split_weights(p, inv);
  *quantized = w.quantized_params;
  *plain = w.plain_params;
  return w.quantized_params * quantized_bytes_per_param(dtype) + w.plain_params * 2.0;
}

// Expert parallelism set on a dense model, or a MoE model sharded without it (each gathered block then
// holds every routed expert of its layer).
void add_expert_warnings(Breakdown& b, const ModelConfig& m, const ParamCounts& p, const TrainSettings& t,
                         const train::TrainLayout& n) {
  if (p.routed_experts == 0) {
    if (t.ep > 1) b.warnings.push_back("train.ep has no effect: the model has no routed experts");
    return;
  }
  if (t.ep == 1 && shards_params(t.sharding) && n.div.params > 1) {
    b.warnings.push_back(format("train.sharding \"%s\" without expert parallelism gathers every MoE block with all "
                                "%lld routed experts (%s per block); train.ep > 1 gathers only the local experts",
                                to_string(t.sharding), static_cast<long long>(m.text.moe.num_experts),
                                gib(static_cast<double>(p.routed_experts_per_layer) * n.weight_bpp / n.mp).c_str()));
  }
  if (t.ep > 1 && m.text.moe.num_experts % t.ep != 0) {
    b.warnings.push_back(format("train.ep %lld does not divide the %lld experts (Megatron-Core requires it); the "
                                "most loaded rank's ceil(experts/ep) are counted",
                                static_cast<long long>(t.ep), static_cast<long long>(m.text.moe.num_experts)));
  }
}

}  // namespace

Expected<Breakdown> estimate_training(const ModelConfig& model, const ParamCounts& params, const TrainSettings& given,
                                      std::int64_t gpus, const LossOptions& loss) {
  const TransformerStack& s = model.text;
  const MediaTokens media = media_tokens(model, given.media);
  const TrainSettings train = with_media_positions(given, media);
  if (auto e = check_tensor_parallel(s, train.tp, "/train/tp")) return *e;
  if (train.pp > s.layers) {
    return bad("/train/pp", format("must be at most the model's %lld layers, got %lld", static_cast<long long>(s.layers),
                                   static_cast<long long>(train.pp)));
  }
  const train::TrainLayout n(model, params, train, static_cast<double>(gpus));
  Breakdown b = training_breakdown(n, loss, media);
  if (shards_params(train.sharding) || train.sharding != Sharding::none) {
    if (n.dp * static_cast<double>(train.cp) <= 1) {
      b.warnings.push_back(format("train.sharding \"%s\" over one data-parallel rank shards nothing; it needs gpus > "
                                  "tp x pp",
                                  to_string(train.sharding)));
    }
  }
  if (train.offload_params && !shards_params(train.sharding)) {
    b.warnings.push_back("train.offload_params needs zero3 or fsdp (parameters are gathered from host per unit); "
                         "estimated as if sharded that way");
  }
  if (model.max_position_embeddings > 0 && train.seq_len > model.max_position_embeddings) {
    b.warnings.push_back(format("train.seq_len %lld exceeds the model's context of %lld tokens",
                                static_cast<long long>(train.seq_len),
                                static_cast<long long>(model.max_position_embeddings)));
  }
  if (train.method != Method::full && n.trainable <= 0) {
    b.warnings.push_back("no module of this model matches train.lora.targets: no adapter parameters");
  }
  // PEFT accepts any r > 0 (peft/tuners/lora/layer.py LoraLayer.update_layer); past the model's width
  // the adapter B·A (out x r, r x in) holds more parameters than a full-rank update of the layer.
  if (train.method != Method::full && model.text.hidden_size > 0 && train.lora.rank > model.text.hidden_size) {
    b.warnings.push_back(format("train.lora.rank %lld exceeds the model's width (hidden_size %lld): the adapters are "
                                "larger than the full-rank update they stand for",
                                static_cast<long long>(train.lora.rank), static_cast<long long>(model.text.hidden_size)));
  }
  if (train.attention == Attention::flash && model.kind == ModelKind::encoder) {
    b.warnings.push_back("FlashAttention is not available for this encoder in transformers; sdpa or eager applies");
  }
  add_media_warnings(b, model, media, given.media, "train");
  add_expert_warnings(b, model, params, train, n);
  if (train.fp8 != Fp8Recipe::none && train.method == Method::qlora) {
    b.warnings.push_back("train.fp8 is ignored with qlora: the NF4 base is dequantized to the compute dtype, no "
                         "framework runs its GEMMs in fp8");
  }
  if (auto e = check_total(b)) return *e;
  return b;
}

std::optional<Error> check_tensor_parallel(const TransformerStack& stack, std::int64_t tp, const char* pointer) {
  return check_tp_heads(stack, tp, pointer);
}

namespace {

// What both serving engines share: the per-GPU weights, KV bytes per token and a block's working set.
struct InferenceShape {
  double tp = 1, pp = 1, mp = 1;
  double weights = 0;
  double e = 2;        // activation element bytes
  double kv_elem = 2, kv_pad = 1;  // KV element bytes; vLLM V0's padded MLA entry over the latent
  KvPerToken kv;
  double kv_token = 0;  // per GPU over its stage's layers
  double context = 0, batch = 0, h = 0, vocab = 0;
  double layer_token = 0;  // the larger of a dense and a MoE block's working set per token
  bool vllm = false;
  std::string weight_formula, kv_formula;
  // Images and audio (plan/src/media_inputs.cpp): the towers' forward and Whisper's cross-attention cache
  // per sequence; vLLM's profile of the encoder (the given inputs', or its dummy batch's floor).
  MediaTerm tower, cross, profile_encoder;
};

std::string inference_weight_formula(const TransformerStack& s, const InferenceSettings& inf, double quantized,
                                     double plain, double mp, double routed_bytes) {
  std::string f =
      quantized > 0 ? format("%.0f block linear params x %.4f B (%s) + %.0f other params x 2 B / (tp x pp = %.0f)", quantized,
                             quantized_bytes_per_param(inf.weight_dtype), to_string(inf.weight_dtype), plain, mp)
                    : format("%.0f params x %.0f B (%s) / (tp x pp = %.0f)", plain, dtype_bytes(inf.weight_dtype),
                             to_string(inf.weight_dtype), mp);
  if (routed_bytes > 0) {
    f += format("; routed experts %s: ceil(%lld / ep %lld) experts per GPU / pp instead of / (tp x pp)",
                gib(routed_bytes).c_str(), static_cast<long long>(s.moe.num_experts), static_cast<long long>(inf.ep));
  }
  return f;
}

std::string kv_formula_of(const TransformerStack& s, const InferenceShape& x) {
  const char* kv_shape = s.attention != AttentionKind::mla ? "2 (K,V) x kv_heads/tp x head_dim"
                         : x.vllm                            ? "(kv_lora_rank + qk_rope_head_dim)"
                                                             : "heads/tp x (qk_nope + qk_rope + v_head_dim)";
  return format(
      "%s x %.0f B per layer = %.0f B/token/GPU%s%s%s", kv_shape, x.kv_elem, x.kv_token,
      x.kv.window_bytes > 0
          ? (x.vllm ? format(" (%lld sliding-window layers capped at %.0f tokens)",
                             static_cast<long long>(s.sliding_window_layers - s.kv_shared_window_layers), x.kv.window)
                    : format(" (%lld sliding-window layers hold the whole prompt at the prefill peak)",
                             static_cast<long long>(s.sliding_window_layers - s.kv_shared_window_layers)))
                .c_str()
          : "",
      s.kv_shared_layers > 0
          ? format("; %lld KV-shared layers keep none", static_cast<long long>(s.kv_shared_layers)).c_str()
          : "",
      s.attention == AttentionKind::mla ? (!x.vllm ? " [MLA decompressed per-head keys and values]"
                                           : x.kv_pad > 1 ? " [MLA latent, entries padded to kVllmMlaCacheAlignBytes 256 B (vLLM V0)]"
                                                          : " [MLA latent: kv_lora_rank + qk_rope_head_dim]")
                                        : "") +
         (x.kv.state_bytes > 0 ? format(" + %.0f B fixed state per sequence (memory_kv.cpp)", x.kv.state_bytes) : "");
}

InferenceShape inference_shape(const ModelConfig& model, const ParamCounts& params, const InferenceSettings& inf) {
  const TransformerStack& s = model.text;
  InferenceShape x;
  const LinearInventory inv = linear_inventory(s);
  x.tp = static_cast<double>(inf.tp);
  x.pp = static_cast<double>(inf.pp);
  x.mp = x.tp * x.pp;
  double quantized = 0, plain = 0;
  // Vocab-parallel embedding and lm_head (vLLM VocabParallelEmbedding / ParallelLMHead) and
  // column/row-parallel block linears divide every weight by tp; pipeline stages split the layers.
  x.weights = weight_bytes_for(params, inv, inf.weight_dtype, &quantized, &plain) / x.mp;
  // vLLM enable_expert_parallel (vllm/model_executor/layers/fused_moe/layer.py FusedMoE with
  // determine_expert_map): each rank of the ep group holds whole experts, ceil(E / ep) of them, instead
  // of a 1/tp slice of every expert.
  double routed_bytes = 0;
  if (inf.ep > 1 && params.routed_experts > 0) {
    const double bpp = quantized > 0 ? quantized_bytes_per_param(inf.weight_dtype) : dtype_bytes(inf.weight_dtype);
    routed_bytes = static_cast<double>(params.routed_experts) * bpp;
    x.weights += routed_bytes * (local_expert_fraction(static_cast<double>(s.moe.num_experts), static_cast<double>(inf.ep)) / x.pp - 1.0 / x.mp);
  }
  x.e = inf.weight_dtype == DType::fp32 ? 4.0 : 2.0;
  x.kv_elem = dtype_bytes(inf.kv_dtype);
  x.vllm = inf.engine == Engine::vllm;
  x.kv = kv_bytes_per_token(s, x.kv_elem, x.tp, x.vllm);
  x.kv_pad = x.vllm ? vllm_kv_pad_factor(s, x.kv_elem, inf.vllm_version) : 1.0;  // memory_vllm.hpp
  x.kv.full_bytes *= x.kv_pad;
  x.kv_token = (x.kv.full_bytes + x.kv.window_bytes) / x.pp;
  x.context = static_cast<double>(inf.context_len);
  x.batch = static_cast<double>(inf.batch_size);
  x.h = static_cast<double>(s.hidden_size);
  x.vocab = static_cast<double>(model.vocab_size);
  const double moe_token = inv.moe_layers > 0 ? inference_layer_bytes_per_token(s, x.e, x.tp, true) : 0.0;
  const double dense_token = inference_layer_bytes_per_token(s, x.e, x.tp, false);
  x.layer_token = std::max(dense_token, moe_token);
  x.weight_formula = inference_weight_formula(s, inf, quantized, plain, x.mp, routed_bytes);
  if (x.vllm) add_vllm_extra_weights(x.weights, x.weight_formula, s, inf, static_cast<double>(inv.moe_layers));
  x.kv_formula = kv_formula_of(s, x);
  return x;
}

// hf engine: one prefill of the whole context.
void hf_breakdown(Breakdown& b, InferenceStats& st, const TransformerStack& s, const InferenceSettings& inf,
                  const InferenceShape& x) {
  // transformers' DynamicSlidingWindowLayer stores a slice (a view) of the prefill's full-length keys
  // and values, so the whole prompt's K/V stay allocated until the first decode step copies the
  // window out: the peak holds every token (measured: g20, Mistral-7B-v0.1 at 8,192 tokens).
  KvPerToken prefill_kv = x.kv;
  prefill_kv.window = 0;
  const double kv_bytes = kv_cache_bytes(prefill_kv, x.batch, x.context) / x.pp;
  // Prefill of the whole context in one forward: one block's working set (nothing kept across
  // blocks), eager attention's score matrix, and the last position's fp32 logits.
  double act = x.batch * x.context * x.layer_token;
  double scores = inf.attention == Attention::eager ? eager_scores_bytes(s, x.batch, x.context, x.e, x.tp) : 0.0;
  const double logits = x.batch * x.vocab * 4.0 * 2.0;  // last-token logits upcast to fp32, + softmax in sampling
  act += scores;
  const double transient = act + logits + x.tower.bytes;
  train::Term allocator = train::allocator_term(transient);
  train::Term context = train::cuda_context_term(x.mp, "");
  add(b, "weights", format("Model weights (%s)", to_string(inf.weight_dtype)), x.weights, x.weight_formula);
  add(b, "kv_cache", "KV cache", kv_bytes,
      format("%.0f sequences x %.0f tokens x (%s)", x.batch, x.context, x.kv_formula.c_str()), Level::step);
  add(b, "activations", "Forward activations (prefill)", act,
      format("%.0f tokens x %.0f B (one block's working set)%s", x.batch * x.context, x.layer_token,
             scores > 0 ? format(" + eager scores batch x heads x ctx^2 x (%.0f + 2 x 4 B) = %s", x.e, gib(scores).c_str()).c_str()
                        : ""),
      Level::transient);
  add_media_inference_lines(b, x.tower, x.cross, x.batch / x.pp);
  add(b, "logits", "Next-token logits (fp32)", logits, format("%.0f sequences x %.0f vocab x 4 B x 2", x.batch, x.vocab),
      Level::transient);
  b.activation_bytes = transient;
  b.allocated_bytes = x.weights + kv_bytes + x.cross.bytes * x.batch / x.pp + transient;
  b.reserved_bytes = b.allocated_bytes + allocator.bytes;
  b.device_bytes = b.reserved_bytes + context.bytes;
  add(b, "allocator", std::move(allocator), Level::cache);
  add(b, "cuda_context", std::move(context), Level::context);
  st.kv_tokens = x.batch * x.context;
  st.max_concurrent_sequences = x.batch;
}

// vLLM's profiling run (gpu_model_runner.py profile_run): a forward of max_num_batched_tokens tokens, then
// the dummy sampler over one row of fp32 logits per request while the hidden states are still held; the
// dummy batch has min(max_num_seqs, max_num_batched_tokens) requests (_dummy_run: num_reqs =
// min(num_tokens, max_num_reqs)). max_num_seqs / max_num_batched_tokens: the scenario's, else vLLM's
// serving defaults for the GPU.
train::Term vllm_profiling_reserve(const InferenceSettings& inf, const GpuSpec* gpu, const InferenceShape& x) {
  const bool large = vllm_large_gpu(gpu);
  const double max_seqs = inf.max_num_seqs ? static_cast<double>(*inf.max_num_seqs)
                                           : (large ? kVllmLargeGpuMaxSeqs : kVllmSmallGpuMaxSeqs);
  const double max_tokens = inf.max_num_batched_tokens ? static_cast<double>(*inf.max_num_batched_tokens)
                                                       : (large ? kVllmLargeGpuBatchedTokens : kVllmSmallGpuBatchedTokens);
  const double sampler_rows = std::min(max_seqs, max_tokens);
  const double forward = max_tokens * x.layer_token;
  const double copies = vllm_sampler_fp32_copies(inf.vllm_version);
  const double sampler = sampler_rows * x.vocab * 4.0 * copies + max_tokens * x.h * x.e;
  return {std::max(forward, sampler),
          format("max(forward %.0f tokens x %.0f B = %s, sampler %.0f seqs x %.0f vocab x 4 B x %s %.1f (vLLM %s) "
                 "+ hidden states = %s); max_num_seqs %.0f%s, max_num_batched_tokens %.0f%s",
                 max_tokens, x.layer_token, gib(forward).c_str(), sampler_rows, x.vocab,
                 copies == kVllmSamplerFp32Copies ? "kVllmSamplerFp32Copies" : "kVllmSamplerFp32CopiesCurrent", copies,
                 inf.vllm_version.text.c_str(), gib(sampler).c_str(), max_seqs,
                 inf.max_num_seqs ? "" : " (vLLM's default for this GPU)", max_tokens,
                 inf.max_num_batched_tokens ? "" : " (vLLM's default for this GPU)"),
          "vLLM profiling reserve (peak activation)"};
}

// vLLM (vllm/v1/worker/gpu_worker.py determine_available_memory): KV cache = gpu_memory_utilization x total
// GPU memory - (weights + peak activation of the profiling run + non-torch increase).
void vllm_breakdown(Breakdown& b, InferenceStats& st, const InferenceSettings& inf, const GpuSpec* gpu,
                    const InferenceShape& x, double layers) {
  train::Term reserve = vllm_profiling_reserve(inf, gpu, x);
  if (x.profile_encoder.bytes > reserve.bytes) {
    reserve.bytes = x.profile_encoder.bytes;
    reserve.formula += "; the vision/audio encoder's is larger: " + x.profile_encoder.formula;
  }
  const double act = reserve.bytes;
  const double nvls = vllm_nvls_bytes(inf.vllm_version, x.tp, gpu), layers_per_gpu = std::ceil(layers / x.pp);
  const double non_torch = vllm_non_torch_bytes(inf.vllm_version, x.tp, x.pp) + nvls;
  const double graphs = inf.enforce_eager ? 0.0 : vllm_cuda_graph_bytes(layers_per_gpu);
  double pool = 0;
  if (gpu != nullptr) {
    st.budget_bytes = inf.gpu_memory_utilization * std::max(0.0, static_cast<double>(gpu->memory_bytes) - kDriverReservedBytes);
    pool = st.budget_bytes - x.weights - act - non_torch;
    if (pool <= 0) {
      b.warnings.push_back(format("vLLM cannot start: weights %s + profiling reserve %s + non-torch %s exceed "
                                  "gpu_memory_utilization x GPU memory (%s); no KV cache is left",
                                  gib(x.weights).c_str(), gib(act).c_str(), gib(non_torch).c_str(),
                                  gib(st.budget_bytes).c_str()));
      pool = 0;
    }
  } else {
    pool = kv_cache_bytes(x.kv, x.batch, x.context) / x.pp;
    b.warnings.push_back("no gpu given: vLLM's pool (gpu_memory_utilization x GPU memory) cannot be sized; the KV "
                         "cache shown is what batch_size x context_len needs");
  }
  const double block_bytes = x.kv_token * kVllmBlockSize;
  const double blocks = block_bytes > 0 ? std::floor(pool / block_bytes) : 0.0;
  st.kv_tokens = blocks * kVllmBlockSize;
  const double seq_tokens = std::ceil(x.context / kVllmBlockSize) * kVllmBlockSize;
  const double seq_bytes = (kv_cache_bytes(x.kv, 1.0, seq_tokens) + x.cross.bytes) / x.pp;
  st.max_concurrent_sequences = seq_bytes > 0 ? std::floor(blocks * block_bytes / seq_bytes) : 0.0;
  st.start_bytes = x.weights + act + non_torch + seq_bytes;
  if (gpu != nullptr && st.max_concurrent_sequences < x.batch) {
    b.warnings.push_back(format("the KV pool holds %.0f sequences of %.0f tokens, fewer than batch_size %.0f",
                                st.max_concurrent_sequences, x.context, x.batch));
  }
  add(b, "weights", format("Model weights (%s)", to_string(inf.weight_dtype)), x.weights, x.weight_formula);
  add(b, "activations", std::move(reserve), Level::step);
  add(b, "cuda_context", "Non-torch memory (vLLM profile)", non_torch, vllm_non_torch_formula(inf.vllm_version, x.tp, x.pp) +
      (nvls > 0 ? " + " + vllm_nvls_formula(inf.vllm_version, x.tp) : ""), Level::context);
  add(b, "kv_cache", "KV cache pool", pool,
      gpu != nullptr
          ? format("gpu_memory_utilization %.2f x (%s - kDriverReservedBytes %s) - weights - reserve - non-torch; "
                   "%.0f blocks of kVllmBlockSize %.0f tokens; %s",
                   inf.gpu_memory_utilization, gib(static_cast<double>(gpu->memory_bytes)).c_str(),
                   gib(kDriverReservedBytes).c_str(), blocks, kVllmBlockSize, x.kv_formula.c_str())
          : format("%.0f sequences x %.0f tokens x (%s)", x.batch, x.context, x.kv_formula.c_str()),
      Level::step);
  if (graphs > 0) add(b, "cuda_graphs", "CUDA graph pool (captured after the KV pool)", graphs,
                      vllm_cuda_graph_formula(layers_per_gpu), Level::context);
  b.activation_bytes = act;
  b.allocated_bytes = x.weights + act + pool;
  b.reserved_bytes = b.allocated_bytes;
  b.device_bytes = b.reserved_bytes + non_torch + graphs;
}

}  // namespace

Expected<Breakdown> estimate_inference(const ModelConfig& model, const ParamCounts& params,
                                       const InferenceSettings& given, std::int64_t /*gpus*/, const GpuSpec* gpu,
                                       InferenceStats* stats) {
  const TransformerStack& s = model.text;
  const MediaTokens media = media_tokens(model, given.media);
  const InferenceSettings inf = with_media_positions(given, media);
  if (auto e = check_tensor_parallel(s, inf.tp, "/inference/tp")) return *e;
  if (inf.pp > s.layers) {
    return bad("/inference/pp", format("must be at most the model's %lld layers, got %lld",
                                       static_cast<long long>(s.layers), static_cast<long long>(inf.pp)));
  }
  Breakdown b;
  b.phase = "inference";
  InferenceStats st;
  InferenceShape x = inference_shape(model, params, inf);
  x.tower = media_inference_term(model, media, x.e, x.tp, inf.attention, x.vllm ? 1.0 : x.batch);
  x.cross = cross_attention_cache_bytes(model, media, x.kv_elem, x.tp, 1.0);
  if (x.vllm) x.profile_encoder = vllm_profile_encoder_term(model, inf, x.tower, x.e);
  st.kv_bytes_per_token = x.kv_token;
  if (!x.vllm) {
    hf_breakdown(b, st, s, inf, x);
  } else {
    vllm_breakdown(b, st, inf, gpu, x, static_cast<double>(s.layers));
  }
  if (model.max_position_embeddings > 0 && inf.context_len > model.max_position_embeddings) {
    b.warnings.push_back(format("inference.context_len %lld exceeds the model's context of %lld tokens",
                                static_cast<long long>(inf.context_len),
                                static_cast<long long>(model.max_position_embeddings)));
  }
  add_media_warnings(b, model, media, given.media, "inference");
  if (x.vllm) add_vllm_mm_profile_warnings(b, model, inf.mm_profiling, x.tower);
  if (inf.ep > 1 && params.routed_experts == 0) b.warnings.push_back("inference.ep has no effect: the model has no routed experts");
  if (x.vllm && s.attention == AttentionKind::mla && inf.vllm_version.before(0, 7)) b.warnings.push_back(kVllmPreLatentWarning);
  if (stats != nullptr) *stats = st;
  if (auto err = check_total(b)) return *err;
  return b;
}

void prefix_components(Breakdown& breakdown, const std::string& role) {
  for (Component& c : breakdown.components) c.id = role + "." + c.id;
}

}  // namespace vramplan
