// Assembles the component functions (vramplan/memory.hpp) into per-GPU breakdowns for training and
// inference. The arithmetic runs first on plain doubles; the formula strings are written once at the
// end (describe_*), so the numbers never depend on string work.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <optional>
#include <string>

#include "vramplan/estimate.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/memory_media.hpp"
#include "vramplan/text_format.hpp"
#include "media_inputs.hpp"
#include "training_logits.hpp"

namespace vramplan {
namespace {

using namespace memory;

using text::format;
using text::gib;

const char* dtype_name(double bytes) {
  if (bytes >= 4) return "fp32";
  if (bytes >= 2) return "16-bit";
  return "8-bit";
}

// QLoRA computes in bnb_4bit_compute_dtype: each NF4 block linear is dequantized to it per matmul
// (bitsandbytes nn.Linear4bit.forward -> bnb.matmul_4bit(x, weight.t(), quant_state) with
// x.to(compute_dtype)), and activations, logits and the unquantized rest follow it. BitsAndBytesConfig's
// default compute dtype is float32; recipes set bfloat16/float16. precision "fp32" is that default.
double qlora_compute_bytes(const TrainSettings& t) { return t.precision == Precision::fp32 ? 4.0 : 2.0; }

bool is_classifier(const ModelConfig& m) {
  return m.architecture.find("ForSequenceClassification") != std::string::npos ||
         m.architecture.find("ForTokenClassification") != std::string::npos ||
         m.architecture.find("ForQuestionAnswering") != std::string::npos ||
         m.architecture.find("ForMultipleChoice") != std::string::npos || m.num_labels > 0;
}

double group_params(const ParamCounts& p, const char* id) {
  for (const ParamGroup& g : p.groups) {
    if (g.id == id) return static_cast<double>(g.params);
  }
  return 0;
}

void add(Breakdown& b, const char* id, std::string label, double bytes, std::string formula,
         Level level = Level::persistent) {
  b.components.push_back(Component{id, std::move(label), bytes, std::move(formula), level});
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

// ----------------------------------------------------------------------------------------------
// Training

struct TrainingNumbers {
  // inputs echoed in formulas
  PrecisionBytes pb;
  double total = 0, trainable = 0, dp = 1, mp = 1, tokens = 0, vocab = 0;
  double quantized = 0, plain = 0, weight_bpp = 0;
  ShardDivisors div;
  // per GPU bytes
  double weights = 0, master = 0, grads = 0, optimizer = 0, lora = 0, gathered = 0, ddp = 0;
  double lora_w = 0, lora_g = 0, lora_m = 0, lora_o = 0;
  double act_per_token_dense = 0, act_per_token_moe = 0, act_layers_full = 0, act_ckpt = 0, act_one_layer = 0;
  double act_extra = 0, activations = 0, logits = 0, autocast = 0, step_temp = 0;
  double persistent = 0, forward = 0, transient = 0, allocator = 0, context = 0, host = 0;
  double largest_unit = 0, dense_layers = 0, moe_layers = 0;
  double logit_tokens = 0;
  ExpertShares sh;            // per-GPU shares of each state kind (expert parallelism, memory_experts.cpp)
  bool expert_layout = false; // the routed experts are laid out differently from the dense part
  double dispatch = 0;        // expert-parallel all-to-all buffers of one MoE layer
  MediaTerm vision, audio;    // the vision / audio towers over the sample's images and audio
  LogitsTerm loss;
  bool step_peak = false, classifier = false;
};

TrainingNumbers train_numbers(const ModelConfig& m, const ParamCounts& p, const TrainSettings& t, double gpus,
                              const LossOptions& loss) {
  TrainingNumbers n;
  const TransformerStack& s = m.text;
  const bool full = t.method == Method::full;
  const bool qlora = t.method == Method::qlora;
  n.pb = precision_bytes(t.precision);
  const LinearInventory inv = linear_inventory(s);
  n.total = static_cast<double>(p.total);
  n.mp = static_cast<double>(t.tp * t.pp);
  n.dp = std::max(1.0, gpus / (n.mp * static_cast<double>(t.cp)));
  // ZeRO / FSDP shard over the data-parallel ranks together with the context-parallel ones, which hold
  // the same weights (Megatron-LM parallel_state: gradients and the distributed optimizer use the
  // data-parallel group with context parallelism; verl fsdp_workers: the FSDP mesh spans every rank and
  // Ulysses sequence parallelism runs inside it; torchtitan: dp_shard x cp mesh).
  n.div = shard_divisors(t.sharding, n.dp * static_cast<double>(t.cp));
  const bool params_sharded = shards_params(t.sharding);
  ExpertLayout el;
  el.total_params = static_cast<double>(p.total);
  el.routed_params = static_cast<double>(p.routed_experts);
  el.num_experts = static_cast<double>(s.moe.num_experts);
  el.tp = static_cast<double>(t.tp);
  el.pp = static_cast<double>(t.pp);
  el.cp = static_cast<double>(t.cp);
  el.ep = static_cast<double>(t.ep);
  el.etp = static_cast<double>(t.expert_tp());
  el.gpus = gpus;
  el.sharding = t.sharding;
  n.sh = expert_shares(el);
  n.expert_layout = p.routed_experts > 0 && (t.ep > 1 || t.expert_tp() != t.tp);

  // Weights: the model's dtype; QLoRA stores block linears in NF4 and the rest in the compute dtype.
  if (qlora) {
    const WeightSplit w = split_weights(p, inv);
    n.quantized = w.quantized_params;
    n.plain = w.plain_params;
    n.weight_bpp = n.total > 0 ? (n.quantized * nf4_bytes_per_param(true) + n.plain * n.pb.compute) / n.total : 0;
  } else if (t.method == Method::lora) {
    n.weight_bpp = lora_base_weight_bytes(t.precision, t.lora.base_dtype);
  } else {
    n.weight_bpp = n.pb.weight;
  }
  const double weights_model = n.total * n.weight_bpp;
  n.weights = t.offload_params ? 0.0 : weights_model * n.sh.params;

  // Matrices for Adafactor's factored states: block linears, embeddings and lm_head.
  double matrix_params = inv.weight_params;
  double row_col = 0;
  for (int i = 0; i < inv.size; ++i) {
    const LinearModule& mod = inv.modules[static_cast<std::size_t>(i)];
    row_col += (mod.in + mod.out) * mod.count;
  }
  const double h = static_cast<double>(s.hidden_size);
  n.vocab = static_cast<double>(m.vocab_size);
  for (const char* id : {"embedding", "lm_head", "position_embedding"}) {
    const double g = group_params(p, id);
    if (g > 0 && h > 0) {
      matrix_params += g;
      row_col += g / h + h;
    }
  }

  const std::uint32_t mask = full ? kModAllLinear : lora_target_mask(t.lora, s.mlp);
  const double rank = static_cast<double>(t.lora.rank);
  if (full) {
    n.trainable = n.total;
    n.grads = n.trainable * n.pb.grad * n.sh.grads;
    n.master = n.trainable * n.pb.master * n.sh.optimizer;
    n.optimizer = optimizer_state_bytes(t.optimizer, n.trainable, std::min(matrix_params, n.trainable), row_col,
                                        n.pb.state) * n.sh.optimizer;
  } else {
    n.trainable = lora_params(inv, mask, rank);
    double lora_row_col = 0;
    for (int i = 0; i < inv.size; ++i) {
      const LinearModule& mod = inv.modules[static_cast<std::size_t>(i)];
      if ((mod.kind & mask) != 0) lora_row_col += (mod.in + 2.0 * rank + mod.out) * mod.count;
    }
    const double per = 1.0 / n.mp;
    n.lora_w = n.trainable * n.pb.weight * per / n.div.params;
    n.lora_g = n.trainable * n.pb.grad * per / n.div.grads;
    n.lora_m = n.trainable * n.pb.master * per / n.div.optimizer;
    n.lora_o = optimizer_state_bytes(t.optimizer, n.trainable, n.trainable, lora_row_col, n.pb.state) * per /
               n.div.optimizer;
  }

  // Offload: optimizer states and master weights (and the fp32 gradient partition the CPU optimizer
  // steps on: DeepSpeed ZeRO-Offload, Ren et al. 2021 section 4) move to host RAM.
  if (t.offload_optimizer) {
    n.host += n.optimizer + n.master + n.lora_o + n.lora_m +
              n.trainable * 4.0 * (full ? n.sh.grads : 1.0 / (n.mp * n.div.grads));
    n.optimizer = n.master = n.lora_o = n.lora_m = 0;
  }
  if (t.offload_params) n.host += weights_model * n.sh.params;
  n.lora = n.lora_w + n.lora_g + n.lora_m + n.lora_o;

  // ZeRO-3 / FSDP: kGatheredUnits units gathered in full plus one unit's full gradient. A unit is the
  // largest block, or the embedding / lm_head matrix when larger (FSDP wraps them in the root unit).
  if (params_sharded || t.offload_params) {
    // With expert parallelism a MoE block gathers only the rank's local experts (one expert-parallel
    // shard of the routed experts) besides its dense part.
    const double routed_layer = static_cast<double>(p.routed_experts_per_layer);
    const double layer = p.largest_layer == p.per_layer && routed_layer > 0
                             ? (static_cast<double>(p.largest_layer) - routed_layer) / n.mp + routed_layer * n.sh.expert_model_share
                             : static_cast<double>(p.largest_layer) / n.mp;
    n.largest_unit = std::max({layer, group_params(p, "embedding") / n.mp, group_params(p, "lm_head") / n.mp});
    const double unit_grad = full ? n.pb.grad : 0.0;
    n.gathered = n.largest_unit * (kGatheredUnits * n.weight_bpp + unit_grad);
  }
  // DDP without sharding: gradient buckets are a second copy of the gradients
  // (torch DistributedDataParallel gradient_as_bucket_view=False default).
  if (t.sharding == Sharding::none && n.dp > 1) n.ddp = n.trainable * n.pb.grad * (full ? n.sh.model : 1.0 / n.mp);

  // Activations: tokens per GPU = micro-batch x seq / cp; tensor parallelism splits the block's
  // attention and MLP parts. Pipeline parallelism does not reduce the first stage's share under 1F1B
  // (it holds pp micro-batches of layers/pp blocks: Korthikanti et al. section 4.2.3).
  n.classifier = is_classifier(m);
  const double seq = static_cast<double>(t.seq_len) / static_cast<double>(t.cp);
  n.tokens = static_cast<double>(t.micro_batch_size) * seq;
  ActivationConfig ac;
  ac.compute = qlora ? qlora_compute_bytes(t) : n.pb.compute;
  // The residual stream takes the embedding's dtype: a LoRA base in 16 bit keeps it in 16 bit under AMP.
  ac.residual = qlora ? qlora_compute_bytes(t) : t.method == Method::lora ? std::min(n.pb.residual, n.weight_bpp) : n.pb.residual;
  ac.attention = t.attention;
  ac.full = full;
  ac.lora_mask = full ? 0u : mask;
  ac.lora_rank = rank;
  ac.dropout = m.kind == ModelKind::encoder || s.hidden_dropout;
  ac.autocast = (t.precision == Precision::amp_bf16 || t.precision == Precision::amp_fp16) && !qlora;
  ac.tp = static_cast<double>(t.tp);
  n.dense_layers = inv.dense_layers;
  n.moe_layers = inv.moe_layers;
  n.act_per_token_dense = layer_activation_bytes_per_token(s, ac, static_cast<double>(t.seq_len), false);
  n.act_per_token_moe = inv.moe_layers > 0 ? layer_activation_bytes_per_token(s, ac, static_cast<double>(t.seq_len), true) : 0;
  n.act_layers_full = n.tokens * (inv.dense_layers * n.act_per_token_dense + inv.moe_layers * n.act_per_token_moe);
  n.act_one_layer = n.tokens * std::max(n.act_per_token_dense, n.act_per_token_moe);
  // Final norm (fp32 input; normalised + output kept when trained) and the embedding output.
  n.act_extra = n.tokens * (4.0 * h + (full ? (ac.residual + ac.compute) * h : 0.0) + (ac.dropout ? h : 0.0));
  if (t.gradient_checkpointing) {
    // torch.utils.checkpoint per block: its input is kept; the block's activations exist again while
    // it is recomputed in backward (one block at a time).
    n.act_ckpt = n.tokens * static_cast<double>(s.layers) * h * ac.residual;
    n.activations = n.act_ckpt + n.act_one_layer + n.act_extra;
  } else {
    n.activations = n.act_layers_full + n.act_extra;
  }
  n.logit_tokens = loss.logit_positions > 0
                       ? static_cast<double>(t.micro_batch_size) * static_cast<double>(loss.logit_positions) / static_cast<double>(t.cp)
                       : n.tokens;
  n.loss = training_logits(loss.kernel, n.logit_tokens, n.vocab, t.tp, ac.compute);
  n.logits = n.classifier ? 0.0 : n.loss.bytes;

  // torch.autocast caches the 16-bit copy of every weight a matmul casts; autograd keeps those copies
  // until the block's backward (AMP only; FSDP mixed precision casts on all-gather instead). Only leaf
  // tensors that require grad are cached (aten/src/ATen/autocast_mode.cpp cached_cast), so a frozen
  // LoRA base is cast per call and freed: only the adapters' copies stay.
  const bool amp = t.precision == Precision::amp_bf16 || t.precision == Precision::amp_fp16;
  if (amp && !qlora && !params_sharded) {
    const double lm_head = (m.kind != ModelKind::encoder || m.mlm_head) && !n.classifier ? n.vocab * h : 0.0;
    n.autocast = full ? 2.0 * (inv.weight_params + lm_head) * n.sh.model : 2.0 * n.trainable / n.mp;
  }
  if (!t.offload_optimizer) {
    n.step_temp = optimizer_step_temp_bytes(t.optimizer, n.trainable, n.pb.state) *
                  (full ? n.sh.optimizer : 1.0 / (n.mp * n.div.optimizer));
  }

  // Peak: persistent states + the larger of the forward/backward transients and the optimizer step.
  // Gradients are counted as live throughout (gradient accumulation, zero_grad without set_to_none,
  // Megatron/DeepSpeed gradient buffers); see docs/memory-model.md.
  n.persistent = n.weights + n.master + n.grads + n.optimizer + n.lora + n.gathered + n.ddp;
  if (t.ep > 1 && inv.moe_layers > 0) {
    n.dispatch = moe_dispatch_bytes(n.tokens, static_cast<double>(s.moe.experts_per_token), h, ac.compute, ac.tp);
  }
  const MediaTokens media = media_tokens(m, t.media);
  n.vision = vision_training_bytes(m, media, ac, static_cast<double>(t.micro_batch_size), t.gradient_checkpointing);
  n.audio = audio_training_bytes(m, media, ac, static_cast<double>(t.micro_batch_size), t.gradient_checkpointing);
  n.forward = n.activations + n.logits + n.autocast + n.dispatch + n.vision.bytes + n.audio.bytes;
  n.step_peak = n.step_temp > n.forward;
  n.transient = std::max(n.forward, n.step_temp);
  n.allocator = allocator_bytes(n.transient);
  n.context = cuda_context_bytes(gpus);
  return n;
}

// With expert parallelism every model state is split in two buckets (memory_experts.cpp): this names them.
std::string expert_note(const TrainSettings& t, const TrainingNumbers& n) {
  if (!n.expert_layout) return "";
  return format("; expert parallelism: dense %.1f%% of the params as above, routed experts %.1f%% / (pp x ep x etp = "
                "%lld x %lld x %lld, ceil(experts/ep) local) / expert-dp shard over %.0f ranks; per GPU %.4f%% of the "
                "model's weights",
                100.0 * n.sh.dense_fraction, 100.0 * n.sh.routed_fraction, static_cast<long long>(t.pp),
                static_cast<long long>(t.ep), static_cast<long long>(t.expert_tp()), n.sh.expert_dp,
                100.0 * n.sh.params);
}

Breakdown describe_training(const ModelConfig& m, const TrainSettings& t, const TrainingNumbers& n) {
  Breakdown b;
  b.phase = "train";
  b.trainable_params = n.trainable;
  const bool full = t.method == Method::full;
  const bool qlora = t.method == Method::qlora;
  const std::string shard = format(" / (tp x pp = %.0f)", n.mp);

  if (qlora) {
    add(b, "weights", "Base weights (NF4 + 16-bit rest, frozen)", n.weights,
        format("%.0f block linear params x %.6f B (NF4: 0.5 + 1/kNf4BlockSize(%.0f) + 4/(%.0f x kNf4SecondBlockSize(%.0f))) "
               "+ %.0f other params (embeddings, lm_head, norms) x 2 B%s%s%s",
               n.quantized, nf4_bytes_per_param(true), kNf4BlockSize, kNf4BlockSize, kNf4SecondBlockSize, n.plain,
               shard.c_str(), n.div.params > 1 ? format(" / dp %.0f", n.div.params).c_str() : "",
               t.offload_params ? "; offloaded to host" : ""));
  } else {
    add(b, "weights", format("Model weights (%s%s)", dtype_name(n.weight_bpp), full ? "" : ", frozen"), n.weights,
        format("%.0f params x %.0f B%s%s%s%s", n.total, n.weight_bpp, shard.c_str(),
               n.div.params > 1 ? format(" / dp %.0f (%s)", n.div.params, to_string(t.sharding)).c_str() : "",
               t.offload_params ? "; offloaded to host" : "", expert_note(t, n).c_str()));
  }
  if (full) {
    if (n.pb.master > 0 || t.offload_optimizer) {
      add(b, "master_weights", "fp32 master weights", n.master,
          t.offload_optimizer ? std::string("offloaded to host with the optimizer")
                              : format("%.0f params x 4 B%s / dp-shard %.0f%s", n.trainable, shard.c_str(), n.div.optimizer,
                                       expert_note(t, n).c_str()),
          Level::optimizer);
    }
    add(b, "gradients", format("Gradients (%s)", dtype_name(n.pb.grad)), n.grads,
        format("%.0f params x %.0f B%s / dp-shard %.0f (live through the step: gradient accumulation or "
               "persistent grad buffers)%s",
               n.trainable, n.pb.grad, shard.c_str(), n.div.grads, expert_note(t, n).c_str()),
        Level::step);
    add(b, "optimizer", format("Optimizer states (%s)", to_string(t.optimizer)), n.optimizer,
        t.offload_optimizer ? std::string("offloaded to host")
                            : format("%s over %.0f params, %.0f B per state element%s / dp-shard %.0f%s",
                                     t.optimizer == Optimizer::adamw        ? "2 states (exp_avg, exp_avg_sq)"
                                     : t.optimizer == Optimizer::adamw_8bit ? "2 x (1 B + 4 B / kAdam8bitBlockSize 256) for matrices, 2 x 4 B for small tensors"
                                     : t.optimizer == Optimizer::sgd        ? "1 momentum state"
                                                                            : "factored rows + columns for matrices, full for the rest",
                                     n.trainable, n.pb.state, shard.c_str(), n.div.optimizer,
                                     expert_note(t, n).c_str()),
        Level::optimizer);
  } else {
    add(b, "lora", format("LoRA adapters (rank %lld): weights, gradients, optimizer", static_cast<long long>(t.lora.rank)),
        n.lora,
        format("%.0f adapter params (rank x (in + out) per adapted module) x (%.0f B weight + %.0f B grad + %.0f B master) "
               "= %s + optimizer %s%s",
               n.trainable, n.pb.weight, n.pb.grad, n.pb.master, gib(n.lora_w + n.lora_g + n.lora_m).c_str(),
               gib(n.lora_o).c_str(), t.offload_optimizer ? " (states offloaded)" : ""));
  }
  if (n.gathered > 0) {
    add(b, "gathered_params", "All-gathered units (ZeRO-3 / FSDP)", n.gathered,
        format("largest unit %.0f params x (kGatheredUnits %.0f x %.3f B + %.0f B unit gradient)%s", n.largest_unit,
               kGatheredUnits, n.weight_bpp, full ? n.pb.grad : 0.0,
               n.expert_layout ? " (a MoE block's dense part / tp x pp + its local experts / etp)" : ""),
        Level::step);
  }
  if (n.ddp > 0) {
    add(b, "ddp_buckets", "DDP gradient buckets", n.ddp,
        format("%.0f params x %.0f B (DistributedDataParallel gradient_as_bucket_view=False keeps a bucket copy)",
               n.trainable, n.pb.grad),
        Level::step);
  }
  if (!n.step_peak) {
    add(b, "activations", t.gradient_checkpointing ? "Activations (checkpointed)" : "Activations", n.activations,
        t.gradient_checkpointing
            ? format("%.0f tokens x %lld layers x %.0f h x %.0f B (checkpointed block inputs) + one block recomputed "
                     "%s (%.0f B/token) + final norm %s",
                     n.tokens, static_cast<long long>(m.text.layers), static_cast<double>(m.text.hidden_size),
                     qlora ? qlora_compute_bytes(t) : n.pb.residual, gib(n.act_one_layer).c_str(),
                     std::max(n.act_per_token_dense, n.act_per_token_moe), gib(n.act_extra).c_str())
            : format("%.0f tokens x (%.0f dense blocks x %.0f B + %.0f MoE blocks x %.0f B per token; %s attention) "
                     "+ final norm %s",
                     n.tokens, n.dense_layers, n.act_per_token_dense, n.moe_layers, n.act_per_token_moe,
                     to_string(t.attention), gib(n.act_extra).c_str()),
        Level::transient);
    if (n.dispatch > 0) {
      add(b, "moe_dispatch", "Expert-parallel all-to-all buffers", n.dispatch,
          format("kMoeDispatchBuffers %.0f x %.0f tokens x top-k %lld x %lld hidden x %.0f B / tp %lld (one MoE layer's "
                 "permuted tokens, sent and received; balanced routing)",
                 kMoeDispatchBuffers, n.tokens, static_cast<long long>(m.text.moe.experts_per_token),
                 static_cast<long long>(m.text.hidden_size), qlora ? qlora_compute_bytes(t) : n.pb.compute,
                 static_cast<long long>(t.tp)),
          Level::transient);
    }
    if (n.vision.bytes > 0) add(b, "vision_activations", "Vision tower activations", n.vision.bytes, n.vision.formula, Level::transient);
    if (n.audio.bytes > 0) add(b, "audio_activations", "Audio encoder activations", n.audio.bytes, n.audio.formula, Level::transient);
    add(b, "logits", n.loss.label, n.logits,
        n.classifier ? std::string("classification head: batch x labels, negligible") : n.loss.formula, Level::transient);
    if (n.autocast > 0) {
      add(b, "autocast_cache", "Autocast 16-bit weight copies", n.autocast,
          format("2 B x %.0f matmul weights%s (torch.autocast cache, kept by autograd until backward)",
                 n.autocast / 2.0 * n.mp, shard.c_str()),
          Level::transient);
    }
  } else {
    add(b, "optimizer_step", "Optimizer step temporaries", n.step_temp,
        format("kAdamForeachTempStates %.0f x %.0f params x %.0f B / dp-shard %.0f (AdamW foreach exp_avg_sq_sqrt); "
               "larger than the forward/backward transients (%s)",
               kAdamForeachTempStates, n.trainable, n.pb.state, n.div.optimizer, gib(n.forward).c_str()),
        Level::transient);
  }
  add(b, "allocator", "Caching-allocator cache (reserved - allocated)", n.allocator,
      format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction, gib(n.transient).c_str()),
      Level::cache);
  add(b, "cuda_context", "CUDA context, kernels, NCCL", n.context,
      format("kCudaContextBytes %s%s", gib(kCudaContextBytes).c_str(),
             n.context > kCudaContextBytes ? format(" + kNcclBytes %s (gpus > 1)", gib(kNcclBytes).c_str()).c_str() : ""),
      Level::context);
  b.activation_bytes = n.activations + n.logits + n.vision.bytes + n.audio.bytes;

  b.allocated_bytes = n.persistent + n.transient;
  b.reserved_bytes = b.allocated_bytes + n.allocator;
  b.device_bytes = b.reserved_bytes + n.context;
  b.host_bytes = n.host;
  return b;
}

// ----------------------------------------------------------------------------------------------
// Inference

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
                         const TrainingNumbers& n) {
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
  const TrainingNumbers n = train_numbers(model, params, train, static_cast<double>(gpus), loss);
  Breakdown b = describe_training(model, train, n);
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
  if (auto e = check_total(b)) return *e;
  return b;
}

std::optional<Error> check_tensor_parallel(const TransformerStack& stack, std::int64_t tp, const char* pointer) {
  return check_tp_heads(stack, tp, pointer);
}

Expected<Breakdown> estimate_inference(const ModelConfig& model, const ParamCounts& params,
                                       const InferenceSettings& given, std::int64_t gpus, const GpuSpec* gpu,
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
  const LinearInventory inv = linear_inventory(s);
  const double tp = static_cast<double>(inf.tp);
  const double pp = static_cast<double>(inf.pp);
  const double mp = tp * pp;
  double quantized = 0, plain = 0;
  // Vocab-parallel embedding and lm_head (vLLM VocabParallelEmbedding / ParallelLMHead) and
  // column/row-parallel block linears divide every weight by tp; pipeline stages split the layers.
  double weights = weight_bytes_for(params, inv, inf.weight_dtype, &quantized, &plain) / mp;
  // vLLM enable_expert_parallel (vllm/model_executor/layers/fused_moe/layer.py FusedMoE with
  // determine_expert_map): each rank of the ep group holds whole experts, ceil(E / ep) of them, instead
  // of a 1/tp slice of every expert.
  double routed_bytes = 0;
  if (inf.ep > 1 && params.routed_experts > 0) {
    const double bpp = quantized > 0 ? quantized_bytes_per_param(inf.weight_dtype) : dtype_bytes(inf.weight_dtype);
    routed_bytes = static_cast<double>(params.routed_experts) * bpp;
    weights += routed_bytes * (local_expert_fraction(static_cast<double>(s.moe.num_experts), static_cast<double>(inf.ep)) / pp - 1.0 / mp);
  }
  const double e = inf.weight_dtype == DType::fp32 ? 4.0 : 2.0;
  const double kv_elem = dtype_bytes(inf.kv_dtype);
  const bool vllm = inf.engine == Engine::vllm;
  const KvPerToken kv = kv_bytes_per_token(s, kv_elem, tp, vllm);
  const double kv_token = (kv.full_bytes + kv.window_bytes) / pp;
  const double context = static_cast<double>(inf.context_len);
  const double batch = static_cast<double>(inf.batch_size);
  const double h = static_cast<double>(s.hidden_size);
  const double vocab = static_cast<double>(model.vocab_size);
  const double moe_token = inv.moe_layers > 0 ? inference_layer_bytes_per_token(s, e, tp, true) : 0.0;
  const double dense_token = inference_layer_bytes_per_token(s, e, tp, false);
  const double layer_token = std::max(dense_token, moe_token);
  // Images and audio (plan/src/media_inputs.cpp): the towers' forward and Whisper's cross-attention cache.
  const MediaTerm tower = media_inference_term(model, media, e, tp, inf.attention, vllm ? 1.0 : batch);
  const MediaTerm cross = cross_attention_cache_bytes(model, media, kv_elem, tp, 1.0);
  st.kv_bytes_per_token = kv_token;

  std::string weight_formula =
      quantized > 0 ? format("%.0f block linear params x %.4f B (%s) + %.0f other params x 2 B / (tp x pp = %.0f)", quantized,
                             quantized_bytes_per_param(inf.weight_dtype), to_string(inf.weight_dtype), plain, mp)
                    : format("%.0f params x %.0f B (%s) / (tp x pp = %.0f)", plain, dtype_bytes(inf.weight_dtype),
                             to_string(inf.weight_dtype), mp);
  if (routed_bytes > 0) {
    weight_formula += format("; routed experts %s: ceil(%lld / ep %lld) experts per GPU / pp instead of / (tp x pp)",
                             gib(routed_bytes).c_str(), static_cast<long long>(s.moe.num_experts),
                             static_cast<long long>(inf.ep));
  }
  const char* kv_shape = s.attention != AttentionKind::mla ? "2 (K,V) x kv_heads/tp x head_dim"
                         : vllm                              ? "(kv_lora_rank + qk_rope_head_dim)"
                                                             : "heads/tp x (qk_nope + qk_rope + v_head_dim)";
  const std::string kv_formula = format(
      "%s x %.0f B per layer = %.0f B/token/GPU%s%s", kv_shape, kv_elem, kv_token,
      kv.window_bytes > 0
          ? (vllm ? format(" (%lld sliding-window layers capped at %.0f tokens)",
                           static_cast<long long>(s.sliding_window_layers), kv.window)
                  : format(" (%lld sliding-window layers hold the whole prompt at the prefill peak)",
                           static_cast<long long>(s.sliding_window_layers)))
                .c_str()
          : "",
      s.attention == AttentionKind::mla ? (vllm ? " [MLA latent: kv_lora_rank + qk_rope_head_dim]"
                                                : " [MLA decompressed per-head keys and values]")
                                        : "");

  if (!vllm) {
    // transformers' DynamicSlidingWindowLayer stores a slice (a view) of the prefill's full-length keys
    // and values, so the whole prompt's K/V stay allocated until the first decode step copies the
    // window out: the peak holds every token (measured: g20, Mistral-7B-v0.1 at 8,192 tokens).
    KvPerToken prefill_kv = kv;
    prefill_kv.window = 0;
    const double kv_bytes = kv_cache_bytes(prefill_kv, batch, context) / pp;
    // Prefill of the whole context in one forward: one block's working set (nothing kept across
    // blocks), eager attention's score matrix, and the last position's fp32 logits.
    double act = batch * context * layer_token;
    double scores = inf.attention == Attention::eager ? eager_scores_bytes(s, batch, context, e, tp) : 0.0;
    const double logits = batch * vocab * 4.0 * 2.0;  // last-token logits upcast to fp32, + softmax in sampling
    act += scores;
    const double transient = act + logits + tower.bytes;
    const double allocator = allocator_bytes(transient);
    const double ctx = cuda_context_bytes(mp);
    add(b, "weights", format("Model weights (%s)", to_string(inf.weight_dtype)), weights, weight_formula);
    add(b, "kv_cache", "KV cache", kv_bytes,
        format("%.0f sequences x %.0f tokens x (%s)", batch, context, kv_formula.c_str()), Level::step);
    add(b, "activations", "Forward activations (prefill)", act,
        format("%.0f tokens x %.0f B (one block's working set)%s", batch * context, layer_token,
               scores > 0 ? format(" + eager scores batch x heads x ctx^2 x (%.0f + 2 x 4 B) = %s", e, gib(scores).c_str()).c_str()
                          : ""),
        Level::transient);
    add_media_inference_lines(b, tower, cross, batch / pp);
    add(b, "logits", "Next-token logits (fp32)", logits, format("%.0f sequences x %.0f vocab x 4 B x 2", batch, vocab),
        Level::transient);
    add(b, "allocator", "Caching-allocator cache (reserved - allocated)", allocator,
        format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction, gib(transient).c_str()),
        Level::cache);
    add(b, "cuda_context", "CUDA context, kernels, NCCL", ctx,
        format("kCudaContextBytes %s%s", gib(kCudaContextBytes).c_str(),
               ctx > kCudaContextBytes ? format(" + kNcclBytes %s", gib(kNcclBytes).c_str()).c_str() : ""),
        Level::context);
    b.activation_bytes = transient;
    b.allocated_bytes = weights + kv_bytes + cross.bytes * batch / pp + transient;
    b.reserved_bytes = b.allocated_bytes + allocator;
    b.device_bytes = b.reserved_bytes + ctx;
    st.kv_tokens = batch * context;
    st.max_concurrent_sequences = batch;
  } else {
    // vLLM (vllm/v1/worker/gpu_worker.py determine_available_memory): KV cache = gpu_memory_utilization
    // x total GPU memory - (weights + peak activation of the profiling run + non-torch increase).
    // max_num_seqs / max_num_batched_tokens: the scenario's, else vLLM's serving defaults for the GPU.
    const bool large = vllm_large_gpu(gpu);
    const double max_seqs = inf.max_num_seqs ? static_cast<double>(*inf.max_num_seqs)
                                             : (large ? kVllmLargeGpuMaxSeqs : kVllmSmallGpuMaxSeqs);
    const double max_tokens = inf.max_num_batched_tokens ? static_cast<double>(*inf.max_num_batched_tokens)
                                                         : (large ? kVllmLargeGpuBatchedTokens : kVllmSmallGpuBatchedTokens);
    // Profiling run (gpu_model_runner.py profile_run): a forward of max_num_batched_tokens tokens, then the
    // dummy sampler over one row of fp32 logits per request while the hidden states are still held; the
    // dummy batch has min(max_num_seqs, max_num_batched_tokens) requests (_dummy_run: num_reqs =
    // min(num_tokens, max_num_reqs)).
    const double sampler_rows = std::min(max_seqs, max_tokens);
    const double forward = max_tokens * layer_token;
    const double copies = vllm_sampler_fp32_copies(inf.vllm_version);
    const double sampler = sampler_rows * vocab * 4.0 * copies + max_tokens * h * e;
    const double act = std::max({forward, sampler, tower.bytes});
    const double non_torch = kVllmNonTorchBytes + (mp > 1 ? kNcclBytes : 0.0);
    double pool = 0;
    if (gpu != nullptr) {
      st.budget_bytes = inf.gpu_memory_utilization * std::max(0.0, static_cast<double>(gpu->memory_bytes) - kDriverReservedBytes);
      pool = st.budget_bytes - weights - act - non_torch;
      if (pool <= 0) {
        b.warnings.push_back(format("vLLM cannot start: weights %s + profiling reserve %s + non-torch %s exceed "
                                    "gpu_memory_utilization x GPU memory (%s); no KV cache is left",
                                    gib(weights).c_str(), gib(act).c_str(), gib(non_torch).c_str(),
                                    gib(st.budget_bytes).c_str()));
        pool = 0;
      }
    } else {
      pool = kv_cache_bytes(kv, batch, context) / pp;
      b.warnings.push_back("no gpu given: vLLM's pool (gpu_memory_utilization x GPU memory) cannot be sized; the KV "
                           "cache shown is what batch_size x context_len needs");
    }
    const double block_bytes = kv_token * kVllmBlockSize;
    const double blocks = block_bytes > 0 ? std::floor(pool / block_bytes) : 0.0;
    st.kv_tokens = blocks * kVllmBlockSize;
    const double seq_tokens = std::ceil(context / kVllmBlockSize) * kVllmBlockSize;
    const double seq_bytes = (kv_cache_bytes(kv, 1.0, seq_tokens) + cross.bytes) / pp;
    st.max_concurrent_sequences = seq_bytes > 0 ? std::floor(blocks * block_bytes / seq_bytes) : 0.0;
    st.start_bytes = weights + act + non_torch + seq_bytes;
    if (gpu != nullptr && st.max_concurrent_sequences < batch) {
      b.warnings.push_back(format("the KV pool holds %.0f sequences of %.0f tokens, fewer than batch_size %.0f",
                                  st.max_concurrent_sequences, context, batch));
    }
    add(b, "weights", format("Model weights (%s)", to_string(inf.weight_dtype)), weights, weight_formula);
    add(b, "activations", "vLLM profiling reserve (peak activation)", act,
        format("max(forward %.0f tokens x %.0f B = %s, sampler %.0f seqs x %.0f vocab x 4 B x %s %.1f (vLLM %s) "
               "+ hidden states = %s); max_num_seqs %.0f%s, max_num_batched_tokens %.0f%s",
               max_tokens, layer_token, gib(forward).c_str(), sampler_rows, vocab,
               copies == kVllmSamplerFp32Copies ? "kVllmSamplerFp32Copies" : "kVllmSamplerFp32CopiesCurrent", copies,
               inf.vllm_version.text.c_str(),
               gib(sampler).c_str(), max_seqs, inf.max_num_seqs ? "" : " (vLLM's default for this GPU)", max_tokens,
               inf.max_num_batched_tokens ? "" : " (vLLM's default for this GPU)"),
        Level::step);
    add(b, "cuda_context", "Non-torch memory (vLLM profile)", non_torch,
        format("kVllmNonTorchBytes %s%s", gib(kVllmNonTorchBytes).c_str(),
               mp > 1 ? format(" + kNcclBytes %s (tp x pp > 1)", gib(kNcclBytes).c_str()).c_str() : ""),
        Level::context);
    add(b, "kv_cache", "KV cache pool", pool,
        gpu != nullptr
            ? format("gpu_memory_utilization %.2f x (%s - kDriverReservedBytes %s) - weights - reserve - non-torch; "
                     "%.0f blocks of kVllmBlockSize %.0f tokens; %s",
                     inf.gpu_memory_utilization, gib(static_cast<double>(gpu->memory_bytes)).c_str(),
                     gib(kDriverReservedBytes).c_str(), blocks, kVllmBlockSize, kv_formula.c_str())
            : format("%.0f sequences x %.0f tokens x (%s)", batch, context, kv_formula.c_str()),
        Level::step);
    b.activation_bytes = act;
    b.allocated_bytes = weights + act + pool;
    b.reserved_bytes = b.allocated_bytes;
    b.device_bytes = b.reserved_bytes + non_torch;
  }
  if (model.max_position_embeddings > 0 && inf.context_len > model.max_position_embeddings) {
    b.warnings.push_back(format("inference.context_len %lld exceeds the model's context of %lld tokens",
                                static_cast<long long>(inf.context_len),
                                static_cast<long long>(model.max_position_embeddings)));
  }
  add_media_warnings(b, model, media, given.media, "inference");
  if (vllm && tower.bytes > 0) {
    b.warnings.push_back("vLLM profiles its vision/audio encoder on dummy inputs of the processor's largest size; the "
                         "reserve counts the encoder over one request's inputs as given");
  }
  (void)gpus;
  if (inf.ep > 1 && params.routed_experts == 0) b.warnings.push_back("inference.ep has no effect: the model has no routed experts");
  if (stats != nullptr) *stats = st;
  if (auto err = check_total(b)) return *err;
  return b;
}

bool vllm_large_gpu(const GpuSpec* gpu) {
  // vllm/engine/arg_utils.py get_batch_defaults: device_memory >= 70 GiB and "a100" not in the name.
  return gpu != nullptr && static_cast<double>(gpu->memory_bytes) >= 70.0 * memory::kGiB &&
         gpu->id.find("A100") == std::string::npos;
}

void prefix_components(Breakdown& breakdown, const std::string& role) {
  for (Component& c : breakdown.components) c.id = role + "." + c.id;
}

}  // namespace vramplan
