// Weights (per dtype, NF4 for QLoRA, int4/int8/fp8 for serving), LoRA adapters, gradients, master
// weights and optimizer states. Formulas and sources are cited above each function; the constants are
// in vramplan/memory.hpp and docs/memory-model.md.
#include <algorithm>
#include <cstdint>
#include <string>

#include "vramplan/memory.hpp"
#include "vramplan/memory_qlora.hpp"

namespace vramplan::memory {
namespace {

void add_module(LinearInventory& inv, std::uint32_t kind, double in, double out, double count) {
  if (count <= 0 || in <= 0 || out <= 0 || inv.size >= static_cast<int>(inv.modules.size())) return;
  inv.modules[static_cast<std::size_t>(inv.size)] = LinearModule{kind, in, out, count};
  ++inv.size;
  inv.weight_params += in * out * count;
}

// MoE layers: layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
// (deepseek-ai modeling_deepseek.py DeepseekV3DecoderLayer), or the parser's exact count.
double moe_layer_count(const TransformerStack& s) {
  const MoeConfig& moe = s.moe;
  if (moe.is_dense()) return 0;
  if (moe.moe_layers >= 0) return static_cast<double>(std::min(moe.moe_layers, s.layers));
  const std::int64_t first = std::clamp<std::int64_t>(moe.first_dense_layers, 0, s.layers);
  const std::int64_t freq = std::max<std::int64_t>(moe.layer_freq, 1);
  const std::int64_t upto = (s.layers - 1) / freq + 1;
  const std::int64_t below = first == 0 ? 0 : (first - 1) / freq + 1;
  return static_cast<double>(std::max<std::int64_t>(0, upto - below));
}

void add_mlp(LinearInventory& inv, const TransformerStack& s, double width, double count) {
  const double h = static_cast<double>(s.hidden_size);
  if (s.mlp == MlpKind::gated) add_module(inv, kModGate, h, width, count);
  add_module(inv, kModUp, h, width, count);
  add_module(inv, kModDown, width, h, count);
}

void add_linear_attention(LinearInventory& inv, const TransformerStack& s) {
  const LinearAttentionConfig& l = s.linear_attention;
  const double h = static_cast<double>(s.hidden_size);
  const double key_dim = static_cast<double>(l.num_k_heads * l.head_k_dim);
  const double value_dim = static_cast<double>(l.num_v_heads * l.head_v_dim);
  const double n = static_cast<double>(l.layers);
  add_module(inv, 0, h, 2.0 * key_dim + 2.0 * value_dim, n);
  add_module(inv, 0, h, 2.0 * static_cast<double>(l.num_v_heads), n);
  add_module(inv, 0, value_dim, h, n);
}

}  // namespace

// The nn.Linear layers of one block, as in the modeling files cited in core/model/src/params.cpp
// (LlamaAttention q/k/v/o_proj, DeepseekV3Attention q_a/q_b/kv_a_proj_with_mqa/kv_b_proj/o_proj,
// LlamaMLP gate/up/down_proj, PhiMLP fc1/fc2, MixtralSparseMoeBlock experts + gate router, Qwen2Moe
// shared_expert), each multiplied by how many blocks (and experts) have it.
LinearInventory linear_inventory(const TransformerStack& s) {
  LinearInventory inv;
  const double layers = static_cast<double>(s.layers);
  const double h = static_cast<double>(s.hidden_size);
  const double heads = static_cast<double>(s.num_heads);
  // Gated DeltaNet layers (Qwen3-Next) have no q/k/v/o: their in_proj_qkvz, in_proj_ba and out_proj
  // (modeling_qwen3_next.py) are listed under no LoRA kind (kind 0), so they count as weights only.
  const double attn_blocks = (layers - static_cast<double>(s.linear_attention.layers)) * (s.cross_attention ? 2.0 : 1.0);
  add_linear_attention(inv, s);
  if (s.attention == AttentionKind::mla) {
    const MlaConfig& a = s.mla;
    const double qk = static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim);
    const double kv_rank = static_cast<double>(a.kv_lora_rank);
    if (a.q_lora_rank == 0) {
      add_module(inv, kModQ, h, heads * qk, attn_blocks);
    } else {
      add_module(inv, kModQ, h, static_cast<double>(a.q_lora_rank), attn_blocks);
      add_module(inv, kModQ, static_cast<double>(a.q_lora_rank), heads * qk, attn_blocks);
    }
    add_module(inv, kModK, h, kv_rank + static_cast<double>(a.qk_rope_head_dim), attn_blocks);
    add_module(inv, kModV, kv_rank, heads * static_cast<double>(a.qk_nope_head_dim + a.v_head_dim), attn_blocks);
    add_module(inv, kModO, heads * static_cast<double>(a.v_head_dim), h, attn_blocks);
  } else {
    const double q_dim = heads * static_cast<double>(s.head_dim);
    const double kv_dim = static_cast<double>(s.num_kv_heads) * static_cast<double>(s.head_dim);
    add_module(inv, kModQ, h, s.attn_output_gate ? 2.0 * q_dim : q_dim, attn_blocks);
    add_module(inv, kModK, h, kv_dim, attn_blocks);
    add_module(inv, kModV, h, kv_dim, attn_blocks);
    add_module(inv, kModO, q_dim, h, attn_blocks);
  }
  inv.moe_layers = moe_layer_count(s);
  inv.dense_layers = layers - inv.moe_layers;
  add_mlp(inv, s, static_cast<double>(s.intermediate_size), inv.dense_layers);
  if (inv.moe_layers > 0) {
    const MoeConfig& m = s.moe;
    add_mlp(inv, s, static_cast<double>(m.expert_intermediate), inv.moe_layers * static_cast<double>(m.num_experts));
    add_mlp(inv, s, static_cast<double>(m.shared_intermediate), inv.moe_layers * static_cast<double>(m.shared_experts));
    add_module(inv, kModRouter, h, static_cast<double>(m.num_experts), inv.moe_layers);
  }
  return inv;
}

// PEFT LoraConfig.target_modules names (suffix match on module names) mapped to module kinds; fused
// projections (Phi-3 qkv_proj / gate_up_proj, GPT-2 c_attn) count as their parts. `dense` is the
// attention output projection of Phi and BERT; fc1 / fc2 are the plain MLP's up and down.
std::uint32_t lora_target_mask(const LoraSettings& lora, MlpKind mlp) {
  if (lora.all_linear) return kModAllLinear;
  std::uint32_t mask = 0;
  for (const std::string& t : lora.targets) {
    if (t == "q_proj") mask |= kModQ;
    else if (t == "k_proj") mask |= kModK;
    else if (t == "v_proj") mask |= kModV;
    else if (t == "o_proj" || t == "dense") mask |= kModO;
    else if (t == "gate_proj") mask |= kModGate;
    else if (t == "up_proj" || t == "fc1") mask |= kModUp;
    else if (t == "down_proj" || t == "fc2") mask |= kModDown;
    else if (t == "qkv_proj" || t == "c_attn") mask |= kModQ | kModK | kModV;
    else if (t == "gate_up_proj") mask |= mlp == MlpKind::gated ? (kModGate | kModUp) : kModUp;
  }
  return mask;
}

// PEFT LoraLayer.update_layer: lora_A = nn.Linear(in_features, r), lora_B = nn.Linear(r, out_features),
// both without bias: r x (in + out) parameters per adapted module.
double lora_params(const LinearInventory& inv, std::uint32_t mask, double rank) {
  double n = 0;
  for (int i = 0; i < inv.size; ++i) {
    const LinearModule& m = inv.modules[static_cast<std::size_t>(i)];
    if ((m.kind & mask) != 0) n += rank * (m.in + m.out) * m.count;
  }
  return n;
}

// NF4 (Dettmers et al. 2023, "QLoRA", section 3; bitsandbytes functional.quantize_4bit): 4 bits per
// weight plus one absmax per kNf4BlockSize weights, fp32 (4 bytes) without double quantization; with
// it, an 8-bit absmax per block plus one fp32 constant per kNf4SecondBlockSize blocks.
// 0.5 + 1/64 + 4/(64*256) = 0.515869 bytes per parameter (the paper's 4.127 bits).
double nf4_bytes_per_param(bool double_quant) {
  if (!double_quant) return 0.5 + 4.0 / kNf4BlockSize;
  return 0.5 + 1.0 / kNf4BlockSize + 4.0 / (kNf4BlockSize * kNf4SecondBlockSize);
}

// Serving formats: fp8 (per-tensor or per-channel scales: negligible) and int8 one byte per weight;
// int4 half a byte plus a fp16 scale and a 4-bit zero per group of kInt4GroupSize (GPTQ/AWQ).
double quantized_bytes_per_param(DType dtype) {
  if (dtype == DType::int4) return 0.5 + kInt4GroupBytes / kInt4GroupSize;
  return dtype_bytes(dtype);
}

// Quantization replaces the blocks' nn.Linear weights; embeddings, lm_head (transformers
// get_keys_to_not_convert keeps the output embedding; vLLM keeps ParallelLMHead unquantized),
// norms, biases and vision/audio towers stay in 16 bit.
WeightSplit split_weights(const ParamCounts& params, const LinearInventory& inv) {
  WeightSplit w;
  w.quantized_params = std::min(inv.weight_params, static_cast<double>(params.total));
  w.plain_params = std::max(0.0, static_cast<double>(params.total) - w.quantized_params);
  return w;
}

// docs/CONTRACT.md train.precision:
//   fp32        weights 4, grads 4, states fp32, compute fp32
//   amp-*       weights 4, grads 4, states fp32, compute 16-bit; the residual stream stays fp32
//               (embedding output and residual adds are fp32 under torch.autocast)
//   bf16        weights 2, grads 2, states bf16 (torchtune, FSDP pure-bf16 recipes)
//   mixed-bf16  weights 2, grads 2, fp32 master 4, states fp32 (Megatron-LM, DeepSpeed bf16;
//               Megatron theoretical_memory_usage.py counts 18 bytes/param with fp32 grads, the
//               contract's bf16 grads give 16)
PrecisionBytes precision_bytes(Precision p) {
  switch (p) {
    case Precision::fp32: return {4, 4, 0, 4, 4, 4};
    case Precision::amp_bf16:
    case Precision::amp_fp16: return {4, 4, 0, 4, 2, 4};
    case Precision::bf16: return {2, 2, 0, 2, 2, 2};
    case Precision::mixed_bf16: return {2, 2, 4, 4, 2, 2};
  }
  return {4, 4, 0, 4, 4, 4};
}

// LoRA's frozen base is loaded in half precision by default: transformers v5 from_pretrained defaults to
// dtype="auto" (the checkpoint's bf16; huggingface/trl PR #5457 documents the change), and PEFT recipes
// pass torch_dtype=bfloat16 explicitly before that. Only the adapters are trained, and PEFT keeps them in
// fp32 (peft/tuners/tuners_utils.py, autocast_adapter_dtype=True). Measured: g08-g11 (tests/validation).
double lora_base_weight_bytes(Precision precision, BaseDType base) {
  switch (base) {
    case BaseDType::fp32: return 4;
    case BaseDType::bf16:
    case BaseDType::fp16: return 2;
    case BaseDType::automatic: break;
  }
  return precision == Precision::fp32 ? 4.0 : 2.0;
}

// Optimizer states per trainable parameter:
//   adamw       exp_avg + exp_avg_sq: 2 x state bytes (torch.optim.AdamW)
//   adamw-8bit  2 states x (1 byte + 4 / kAdam8bitBlockSize absmax) for matrices; small tensors
//               (norms, biases: < kAdam8bitMinSize elements) keep 2 fp32 states (bitsandbytes)
//   sgd         momentum_buffer: 1 x state bytes (torch.optim.SGD, momentum > 0)
//   adafactor   factored second moment for 2-D parameters: exp_avg_sq_row (rows) + exp_avg_sq_col
//               (columns); full exp_avg_sq for the rest; no first moment (transformers Adafactor,
//               beta1=None default; Shazeer & Stern 2018)
double optimizer_state_bytes(Optimizer optimizer, double trainable, double matrix_params, double matrix_row_col,
                             double state_bytes) {
  const double other = std::max(0.0, trainable - matrix_params);
  switch (optimizer) {
    case Optimizer::adamw: return 2.0 * trainable * state_bytes;
    case Optimizer::adamw_8bit:
      return 2.0 * matrix_params * (1.0 + 4.0 / kAdam8bitBlockSize) + 2.0 * other * 4.0;
    case Optimizer::sgd: return trainable * state_bytes;
    case Optimizer::adafactor: return (matrix_row_col + other) * state_bytes;
  }
  return 0;
}

// torch.optim.AdamW foreach: one exp_avg_sq-sized temporary (kAdamForeachTempStates); bitsandbytes'
// 8-bit kernels, SGD's in-place foreach updates (no weight decay) and Adafactor's per-tensor loop
// allocate nothing of note.
double optimizer_step_temp_bytes(Optimizer optimizer, double trainable, double state_bytes) {
  return optimizer == Optimizer::adamw ? kAdamForeachTempStates * trainable * state_bytes : 0.0;
}

double largest_block_linear(const LinearInventory& inv) {
  double largest = 0;
  for (int i = 0; i < inv.size; ++i) {
    const LinearModule& mod = inv.modules[static_cast<std::size_t>(i)];
    largest = std::max(largest, mod.in * mod.out);
  }
  return largest;
}

// vramplan/memory_qlora.hpp: bitsandbytes MatMul4Bit's dequantized weight, one largest block linear at a time.
double nf4_dequantized_weight_bytes(const LinearInventory& inv, double compute_bytes, double tp, bool double_quant) {
  const double absmax = double_quant ? 4.0 / kNf4BlockSize : 0.0;
  return largest_block_linear(inv) / std::max(1.0, tp) * (compute_bytes + absmax);
}

}  // namespace vramplan::memory
