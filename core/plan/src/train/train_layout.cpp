// The per-GPU layout of a training step (train_terms.hpp TrainLayout): parallelism, sharding, expert
// shares, bytes per base weight, trainable parameters and the activation settings every term reads.
#include <algorithm>
#include <string>

#include "train_terms.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::train {
namespace {

using namespace memory;

bool is_classifier(const ModelConfig& m) {
  return m.architecture.find("ForSequenceClassification") != std::string::npos ||
         m.architecture.find("ForTokenClassification") != std::string::npos ||
         m.architecture.find("ForQuestionAnswering") != std::string::npos ||
         m.architecture.find("ForMultipleChoice") != std::string::npos || m.num_labels > 0;
}

ExpertShares shares_of(const ParamCounts& p, const TrainSettings& t, double gpus, double experts) {
  ExpertLayout el;
  el.total_params = static_cast<double>(p.total);
  el.routed_params = static_cast<double>(p.routed_experts);
  el.num_experts = experts;
  el.tp = static_cast<double>(t.tp);
  el.pp = static_cast<double>(t.pp);
  el.cp = static_cast<double>(t.cp);
  el.ep = static_cast<double>(t.ep);
  el.etp = static_cast<double>(t.expert_tp());
  el.gpus = gpus;
  el.sharding = t.sharding;
  return expert_shares(el);
}

// The k-bit preparation that ran (train.lora.kbit_preparation). TRL 0.7.5-0.25 (trl/trainer/sft_trainer.py
// v0.13.0 lines 180-233; trl/models/utils.py prepare_peft_model v0.22-0.25) checks `is_sharded_qlora` (the first
// Params4bit's data on cpu or meta: accelerate's FSDP with cpu_ram_efficient_loading, DeepSpeed ZeRO-3's zero.Init)
// and then runs neither prepare_model_for_kbit_training nor peft_module_casting_to_bf16.
KbitPreparation kbit_preparation_run(const TrainSettings& t) {
  if (t.method != Method::qlora) return KbitPreparation::none;
  const bool sharded = t.sharding == Sharding::fsdp || t.sharding == Sharding::zero3;
  if (t.lora.kbit_preparation == KbitPreparation::trl && sharded) return KbitPreparation::none;
  return t.lora.kbit_preparation;
}

// The non-4-bit parameters a k-bit preparation holds in fp32. PEFT's prepare_model_for_kbit_training
// (peft/utils/other.py, 0.4 to main) casts every fp16/bf16 parameter that is not a Params4bit to fp32:
// embeddings, lm_head, norms, biases. TRL's peft_module_casting_to_bf16 (trl/trainer/utils.py v0.13.0, under
// args.bf16) then sends modules named lm_head / embed_tokens / wte / wpe back to bf16 and keeps the norms in
// fp32 (TRL 0.25's own preparation upcasts only the norms: the same end state).
double kbit_fp32_params(const TrainLayout& l) {
  if (l.kbit == KbitPreparation::none) return 0;
  if (l.kbit == KbitPreparation::peft) return l.plain;
  double embeddings = 0;
  for (const char* id : {"embedding", "lm_head", "position_embedding"}) embeddings += group_params(l.p, id);
  return std::max(0.0, l.plain - embeddings);
}

// Weights: the model's dtype; QLoRA stores block linears in NF4 and the rest in the compute dtype (fp32 where a
// k-bit preparation upcast them).
void set_weight_bytes(TrainLayout& l) {
  if (l.qlora) {
    const WeightSplit w = split_weights(l.p, l.inv);
    l.quantized = w.quantized_params;
    l.plain = w.plain_params;
    l.kbit = kbit_preparation_run(l.t);
    l.plain_fp32 = kbit_fp32_params(l);
    const double plain_bytes = (l.plain - l.plain_fp32) * l.pb.compute + l.plain_fp32 * 4.0;
    l.weight_bpp = l.total > 0 ? (l.quantized * nf4_bytes_per_param(true) + plain_bytes) / l.total : 0;
  } else if (l.t.method == Method::lora) {
    l.weight_bpp = lora_base_weight_bytes(l.t.precision, l.t.lora.base_dtype);
  } else {
    l.weight_bpp = l.pb.weight;
  }
}

// train.fp8_all_gather (memory_fp8.cpp): torchao gathers the block linears in fp8, Transformer Engine stores and
// gathers them in fp8. QLoRA has no fp8 path.
void set_fp8_gather(TrainLayout& l) {
  if (!l.t.fp8_all_gather || l.qlora) return;
  l.fp8_gather_bpp = fp8_gathered_bytes(l.t.fp8);
  l.fp8_params = l.fp8_gather_bpp > 0 && fp8_is_transformer_engine(l.t.fp8);
}

// Matrices for Adafactor's factored states: block linears, embeddings and lm_head.
void set_matrices(TrainLayout& l) {
  l.matrix_params = l.inv.weight_params;
  for (int i = 0; i < l.inv.size; ++i) {
    const LinearModule& mod = l.inv.modules[static_cast<std::size_t>(i)];
    l.row_col += (mod.in + mod.out) * mod.count;
  }
  for (const char* id : {"embedding", "lm_head", "position_embedding"}) {
    const double g = group_params(l.p, id);
    if (g > 0 && l.h > 0) {
      l.matrix_params += g;
      l.row_col += g / l.h + l.h;
    }
  }
}

// QLoRA computes in bnb_4bit_compute_dtype: each NF4 block linear is dequantized to it per matmul
// (bitsandbytes nn.Linear4bit.forward -> bnb.matmul_4bit(x, weight.t(), quant_state) with
// x.to(compute_dtype)), and activations, logits and the unquantized rest follow it. BitsAndBytesConfig's
// default compute dtype is float32; recipes set bfloat16/float16. precision "fp32" is that default.
double qlora_compute_bytes(const TrainSettings& t) { return t.precision == Precision::fp32 ? 4.0 : 2.0; }

// QLoRA under torch.autocast on a LayerNorm model: autocast runs layer_norm in fp32 (its CUDA fp32 op
// list), and bitsandbytes nn.Linear4bit.forward returns `matmul_4bit(x.to(compute_dtype), ...).to(inp_dtype)`,
// the dtype of its input (bitsandbytes/nn/modules.py, 0.39 to current). So fc1 / c_fc (fed by the norm)
// returns fp32, the activation and fc2 / c_proj follow, and the residual add promotes the stream to fp32
// from the first block's MLP on: checkpointed block inputs, norm inputs and the MLP's tensors are 4 B.
// RMSNorm models (LlamaRMSNorm returns weight * x.to(input_dtype)) stay in the compute dtype, unless a k-bit
// preparation made their norm weights fp32 (kbit_fp32_params): then weight * x is fp32 and the same path
// follows; under PEFT's preparation the fp32 embedding starts the stream in fp32 anyway. (Gemma's RMSNorm
// returns output.type_as(x), so there the stream stays 16-bit under "trl": counted fp32, the safe side.)
bool qlora_fp32_stream(const TrainLayout& l) {
  return l.qlora && ((l.amp && l.m.text.norm == NormKind::layer) || l.kbit != KbitPreparation::none);
}

void set_activation_config(TrainLayout& l) {
  const TrainSettings& t = l.t;
  ActivationConfig& ac = l.ac;
  ac.compute = l.qlora ? qlora_compute_bytes(t) : l.pb.compute;
  // The residual stream takes the embedding's dtype: a LoRA base in 16 bit keeps it in 16 bit under AMP.
  ac.residual = l.qlora ? (qlora_fp32_stream(l) ? 4.0 : qlora_compute_bytes(t))
                        : t.method == Method::lora ? std::min(l.pb.residual, l.weight_bpp) : l.pb.residual;
  ac.mlp_compute = qlora_fp32_stream(l) ? 4.0 : 0.0;
  ac.attention = t.attention;
  ac.full = l.full;
  ac.lora_mask = l.full ? 0u : l.mask;
  ac.lora_rank = l.rank;
  ac.dropout = l.m.kind == ModelKind::encoder || l.m.text.hidden_dropout;
  ac.autocast = l.amp && !l.qlora;
  ac.tp = static_cast<double>(t.tp);
  // Transformer Engine keeps the block linears' inputs as fp8 copies (memory_fp8.cpp); QLoRA has no fp8 path.
  ac.linear_input = l.qlora ? 0.0 : fp8_layout(t.fp8).saved_input;
}

}  // namespace

double group_params(const ParamCounts& p, const char* id) {
  for (const ParamGroup& g : p.groups) {
    if (g.id == id) return static_cast<double>(g.params);
  }
  return 0;
}

TrainLayout::TrainLayout(const ModelConfig& model, const ParamCounts& params, const TrainSettings& train, double gpu_count)
    : m(model), p(params), t(train), gpus(gpu_count) {
  const TransformerStack& s = m.text;
  full = t.method == Method::full;
  qlora = t.method == Method::qlora;
  amp = t.precision == Precision::amp_bf16 || t.precision == Precision::amp_fp16;
  pb = precision_bytes(t.precision);
  inv = linear_inventory(s);
  total = static_cast<double>(p.total);
  mp = static_cast<double>(t.tp * t.pp);
  dp = std::max(1.0, gpus / (mp * static_cast<double>(t.cp)));
  // ZeRO / FSDP shard over the data-parallel ranks together with the context-parallel ones, which hold
  // the same weights (Megatron-LM parallel_state: gradients and the distributed optimizer use the
  // data-parallel group with context parallelism; verl fsdp_workers: the FSDP mesh spans every rank and
  // Ulysses sequence parallelism runs inside it; torchtitan: dp_shard x cp mesh).
  div = shard_divisors(t.sharding, dp * static_cast<double>(t.cp));
  params_sharded = shards_params(t.sharding);
  sh = shares_of(p, t, gpus, static_cast<double>(s.moe.num_experts));
  expert_layout = p.routed_experts > 0 && (t.ep > 1 || t.expert_tp() != t.tp);
  set_weight_bytes(*this);
  set_fp8_gather(*this);
  h = static_cast<double>(s.hidden_size);
  vocab = static_cast<double>(m.vocab_size);
  set_matrices(*this);
  mask = full ? kModAllLinear : lora_target_mask(t.lora, s.mlp);
  rank = static_cast<double>(t.lora.rank);
  trainable = full ? total : lora_params(inv, mask, rank);
  classifier = is_classifier(m);
  // Tokens per GPU = micro-batch x seq / cp (context parallelism splits the sequence).
  const double seq = static_cast<double>(t.seq_len) / static_cast<double>(t.cp);
  tokens = static_cast<double>(t.micro_batch_size) * seq;
  set_activation_config(*this);
  shard = text::format(" / (tp x pp = %.0f)", mp);
}

std::string expert_note(const TrainLayout& l) {
  if (!l.expert_layout) return "";
  return text::format("; expert parallelism: dense %.1f%% of the params as above, routed experts %.1f%% / (pp x ep x "
                      "etp = %lld x %lld x %lld, ceil(experts/ep) local) / expert-dp shard over %.0f ranks; per GPU "
                      "%.4f%% of the model's weights",
                      100.0 * l.sh.dense_fraction, 100.0 * l.sh.routed_fraction, static_cast<long long>(l.t.pp),
                      static_cast<long long>(l.t.ep), static_cast<long long>(l.t.expert_tp()), l.sh.expert_dp,
                      100.0 * l.sh.params);
}

}  // namespace vramplan::train
