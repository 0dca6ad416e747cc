// Model states of a training step per GPU (train_terms.hpp): weights, master weights, gradients,
// optimizer states, LoRA adapters, what offload moves to host RAM, ZeRO-3 / FSDP gathered units and DDP
// buckets. Each term's bytes and formula text come from the same numbers.
#include <algorithm>
#include <string>

#include "train_terms.hpp"
#include "vramplan/memory_qlora.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::train {
namespace {

using namespace memory;
using text::format;
using text::gib;

const char* dtype_name(double bytes) {
  if (bytes >= 4) return "fp32";
  if (bytes >= 2) return "16-bit";
  return "8-bit";
}

std::string dp_note(const TrainLayout& l, bool name_sharding) {
  if (l.div.params <= 1) return "";
  return name_sharding ? format(" / dp %.0f (%s)", l.div.params, to_string(l.t.sharding)) : format(" / dp %.0f", l.div.params);
}

// QLoRA's quant state per NF4 weight: the absmax bytes of nf4_bytes_per_param beyond the 4-bit code.
double nf4_state_bpp() { return nf4_bytes_per_param(true) - 0.5; }

// The whole model's weights (before any split) in their stored format: Transformer Engine's fp8 parameters
// keep the block linears' weights in fp8 (Float8Tensor data, 1 B; MXFP8 + its scales).
double model_weight_bytes(const TrainLayout& l) {
  const double all = l.total * l.weight_bpp;
  return l.fp8_params ? all - l.inv.weight_params * (l.weight_bpp - l.fp8_gather_bpp) : all;
}

// A gathered block's bytes per parameter: with train.fp8_all_gather its linear weights (their share of the
// blocks' parameters) arrive in fp8, the norms and biases in `bpp`.
double gathered_block_bpp(const TrainLayout& l, double bpp) {
  if (l.fp8_gather_bpp <= 0) return bpp;
  const double layers = group_params(l.p, "layers");
  const double share = layers > 0 ? std::min(1.0, l.inv.weight_params / layers) : 0.0;
  return share * l.fp8_gather_bpp + (1.0 - share) * bpp;
}

// Before offload: the fp32 master copy and the optimizer states of full training.
double master_bytes(const TrainLayout& l) { return l.trainable * l.pb.master * l.sh.optimizer; }
double optimizer_bytes(const TrainLayout& l) {
  return optimizer_state_bytes(l.t.optimizer, l.trainable, std::min(l.matrix_params, l.trainable), l.row_col, l.pb.state) *
         l.sh.optimizer;
}

// LoRA adapters per GPU before offload: weight, gradient, master and optimizer bytes. Adapters are split
// by tp x pp with their base layer and sharded like any trainable parameter.
struct LoraStates {
  double w = 0, g = 0, m = 0, o = 0;
};
LoraStates lora_states(const TrainLayout& l) {
  if (l.full) return {};
  double lora_row_col = 0;
  for (int i = 0; i < l.inv.size; ++i) {
    const LinearModule& mod = l.inv.modules[static_cast<std::size_t>(i)];
    if ((mod.kind & l.mask) != 0) lora_row_col += (mod.in + 2.0 * l.rank + mod.out) * mod.count;
  }
  const double per = 1.0 / l.mp;
  LoraStates s;
  s.w = l.trainable * l.pb.weight * per / l.div.params;
  s.g = l.trainable * l.pb.grad * per / l.div.grads;
  s.m = l.trainable * l.pb.master * per / l.div.optimizer;
  s.o = optimizer_state_bytes(l.t.optimizer, l.trainable, l.trainable, lora_row_col, l.pb.state) * per / l.div.optimizer;
  return s;
}

const char* optimizer_shape(Optimizer o) {
  switch (o) {
    case Optimizer::adamw: return "2 states (exp_avg, exp_avg_sq)";
    case Optimizer::adamw_8bit: return "2 x (1 B + 4 B / kAdam8bitBlockSize 256) for matrices, 2 x 4 B for small tensors";
    case Optimizer::sgd: return "1 momentum state";
    case Optimizer::adafactor: break;
  }
  return "factored rows + columns for matrices, full for the rest";
}

}  // namespace

// QLoRA's quantization state (absmax and the double-quantized absmax), nf4_state_bpp() per NF4 weight
// bitsandbytes keeps it as an attribute of Params4bit (bitsandbytes/nn/modules.py
// Params4bit.quant_state, copied to Linear4bit.quant_state and restored by
// fix_4bit_weight_quant_state_from_module when FSDP swaps the parameter for a flat-parameter view), not as a
// parameter or buffer. FSDP flattens and shards module parameters only (torch/distributed/fsdp/_flat_param.py
// FlatParamHandle) and DeepSpeed ZeRO-3 partitions parameters only, so every data-parallel rank keeps the whole
// state: the NF4 codes are divided by dp, the state is not (fms-acceleration A100 table: Llama-2-70B QLoRA on 2
// GPUs keeps 17.94 GiB after training where the codes and 16-bit rest split in two come to 17.42 GiB with the
// adapters).
double quant_state_bytes(const TrainLayout& l) {
  return l.qlora ? l.quantized * nf4_state_bpp() * l.sh.model : 0.0;
}

// The state beyond the 1/dp share model_weight_bytes already holds, when parameters are sharded.
double replicated_quant_state_bytes(const TrainLayout& l) {
  if (!l.qlora || l.div.params <= 1 || l.t.offload_params) return 0.0;
  return l.quantized * nf4_state_bpp() * (l.sh.model - l.sh.params);
}

// offload_params moves parameters only: FSDP1's CPUOffload moves each shard's FlatParameter to host
// (torch/distributed/fsdp/_init_utils.py _init_param_handle_from_params: handle.flat_param_to(cpu)),
// DeepSpeed's offload_param the partitions (ds_tensor). The quant state, not a parameter, stays whole on the
// GPU that quantized the weights (transformers' bnb loader places the model on each rank's GPU).
double offloaded_weights_on_gpu(const TrainLayout& l) { return l.t.offload_params ? quant_state_bytes(l) : 0.0; }

namespace {
// The part of QLoRA's unquantized rest a k-bit preparation holds in fp32 (train_layout.cpp kbit_fp32_params).
std::string kbit_weights_note(const TrainLayout& l) {
  if (l.plain_fp32 <= 0) return "";
  return format(" + %.0f params x 4 B (fp32: train.lora.kbit_preparation \"%s\", %s)", l.plain_fp32, to_string(l.kbit),
                l.kbit == KbitPreparation::peft ? "prepare_model_for_kbit_training upcasts every non-4-bit parameter"
                                                : "norms and biases upcast, embeddings and lm_head back to bf16");
}
}  // namespace

Term weights_term(const TrainLayout& l) {
  const TrainSettings& t = l.t;
  const double replicated = replicated_quant_state_bytes(l);
  Term out{t.offload_params ? offloaded_weights_on_gpu(l) : model_weight_bytes(l) * l.sh.params + replicated, "", ""};
  const char* offloaded = t.offload_params ? "; offloaded to host" : "";
  if (l.qlora) {
    out.label = "Base weights (NF4 + 16-bit rest, frozen)";
    out.formula = format("%.0f block linear params x %.6f B (NF4: 0.5 + 1/kNf4BlockSize(%.0f) + 4/(%.0f x "
                         "kNf4SecondBlockSize(%.0f))) + %.0f other params (embeddings, lm_head, norms) x %.0f B%s%s%s%s%s",
                         l.quantized, nf4_bytes_per_param(true), kNf4BlockSize, kNf4BlockSize, kNf4SecondBlockSize,
                         l.plain - l.plain_fp32, l.pb.compute, kbit_weights_note(l).c_str(), l.shard.c_str(),
                         dp_note(l, false).c_str(), offloaded, expert_note(l).c_str());
    if (replicated > 0) {
      out.formula += format("; the quant state (absmax, %.6f B per NF4 param) is not a parameter and stays whole "
                            "on every rank: + %s",
                            nf4_state_bpp(), gib(replicated).c_str());
    }
    if (t.offload_params) {
      out.formula += format("; the quant state (%.0f NF4 params x %.6f B absmax) is not a parameter: offload moves "
                            "parameters only, so it stays whole on the GPU: %s",
                            l.quantized * l.sh.model, nf4_state_bpp(), gib(out.bytes).c_str());
    }
  } else {
    out.label = format("Model weights (%s%s)", dtype_name(l.weight_bpp), l.full ? "" : ", frozen");
    out.formula = format("%.0f params x %.0f B%s%s%s%s", l.total, l.weight_bpp, l.shard.c_str(), dp_note(l, true).c_str(),
                         offloaded, expert_note(l).c_str());
    if (l.fp8_params) {
      out.formula += format("; of them %.0f block-linear weights in fp8 (Transformer Engine fp8 parameters): %.4g B "
                            "instead of %.0f B",
                            l.inv.weight_params, l.fp8_gather_bpp, l.weight_bpp);
    }
  }
  return out;
}

Term master_weights_term(const TrainLayout& l) {
  if (l.t.offload_optimizer) return {0.0, "offloaded to host with the optimizer", "fp32 master weights"};
  return {master_bytes(l),
          format("%.0f params x %.0f B%s / dp-shard %.0f%s", l.trainable, l.pb.master, l.shard.c_str(), l.div.optimizer,
                 expert_note(l).c_str()),
          "fp32 master weights"};
}

// train.optimizer_in_backward: torchtune's per-parameter optimizers step in the post-accumulate-grad hook and
// set the gradient to None (scenario_optimizer.cpp), so at most the largest single parameter's gradient (the
// embedding, the LM head or the largest block linear, / tp, sharded like the others) is alive.
double largest_parameter(const TrainLayout& l) {
  return std::max({group_params(l.p, "embedding"), group_params(l.p, "lm_head"), largest_block_linear(l.inv)}) /
         static_cast<double>(l.t.tp);
}

Term gradients_term(const TrainLayout& l) {
  if (l.t.optimizer_in_backward) {
    const double largest = largest_parameter(l);
    return {largest * l.pb.grad / l.div.grads,
            format("largest parameter %.0f params x %.0f B / dp-shard %.0f: train.optimizer_in_backward steps each "
                   "parameter in its gradient hook and frees the gradient (torchtune optimizer_in_bwd)",
                   largest, l.pb.grad, l.div.grads),
            format("Gradients (%s, one parameter at a time)", dtype_name(l.pb.grad))};
  }
  return {l.trainable * l.pb.grad * l.sh.grads,
          format("%.0f params x %.0f B%s / dp-shard %.0f%s", l.trainable, l.pb.grad, l.shard.c_str(), l.div.grads,
                 expert_note(l).c_str()),
          format("Gradients (%s)", dtype_name(l.pb.grad))};
}

Term optimizer_term(const TrainLayout& l) {
  std::string label = format("Optimizer states (%s)", to_string(l.t.optimizer));
  if (l.t.offload_optimizer) return {0.0, "offloaded to host", std::move(label)};
  return {optimizer_bytes(l),
          format("%s over %.0f params, %.0f B per state element%s / dp-shard %.0f%s", optimizer_shape(l.t.optimizer),
                 l.trainable, l.pb.state, l.shard.c_str(), l.div.optimizer, expert_note(l).c_str()),
          std::move(label)};
}

Term lora_term(const TrainLayout& l) {
  LoraStates s = lora_states(l);
  if (l.t.offload_optimizer) s.m = s.o = 0;
  return {s.w + s.g + s.m + s.o,
          format("%.0f adapter params (rank x (in + out) per adapted module) x (%.0f B weight + %.0f B grad + %.0f B "
                 "master) = %s + optimizer %s%s",
                 l.trainable, l.pb.weight, l.pb.grad, l.pb.master, gib(s.w + s.g + s.m).c_str(), gib(s.o).c_str(),
                 l.t.offload_optimizer ? " (states offloaded)" : ""),
          format("LoRA adapters (rank %lld): weights, gradients, optimizer", static_cast<long long>(l.t.lora.rank))};
}

// Offload: optimizer states and master weights (and the fp32 gradient partition the CPU optimizer
// steps on: DeepSpeed ZeRO-Offload, Ren et al. 2021 section 4) move to host RAM; offload_params moves
// the weights too (gathered from host unit by unit).
double host_bytes(const TrainLayout& l) {
  double host = 0;
  if (l.t.offload_optimizer) {
    const LoraStates s = lora_states(l);
    const double optimizer = l.full ? optimizer_bytes(l) : 0.0, master = l.full ? master_bytes(l) : 0.0;
    host += optimizer + master + s.o + s.m + l.trainable * 4.0 * (l.full ? l.sh.grads : 1.0 / (l.mp * l.div.grads));
  }
  if (l.t.offload_params) {
    const double state_on_gpu = l.qlora ? l.quantized * nf4_state_bpp() * l.sh.params : 0.0;
    host += model_weight_bytes(l) * l.sh.params - state_on_gpu;
  }
  return host;
}

// ZeRO-3 / FSDP: kGatheredUnits units gathered in full plus one unit's full gradient. A unit is the
// largest block, or the embedding / lm_head matrix when larger (ZeRO-3 gathers them like any module).
// FSDP keeps its root unit (what no block holds: embeddings, an untied lm_head, the final norm)
// unsharded from the forward to the end of the backward: torch/distributed/fsdp/_runtime_utils.py
// _post_forward_reshard does not free the root's flat parameter ("with the intention that they are
// immediately used for backward computation"); FSDP2's fully_shard documents the same for its root
// ("The root FSDP state has its value specially set to False as a heuristic since its parameters would
// typically be immediately all-gathered for backward", reshard_after_forward). So under fsdp the root
// is counted whole beside the kGatheredUnits blocks, with its full gradient in full training (the
// lm_head's gradient is made first in the backward and reduce-scattered only at the root's
// post-backward, at its end). QLoRA's blocks gather the 4-bit codes (0.5 B per NF4 param in
// bnb_4bit_quant_storage); the root stays 16-bit. FSDP1's CPU offload changes where the shard waits, not
// what is gathered: FlatParamHandle.pre_unshard copies the host shard to the GPU (_use_low_precision_shard /
// flat_param_to(self.device)) before the all-gather, and the root is kept unsharded as without offload.
// Parameters of the largest block one rank all-gathers. With expert parallelism a MoE block gathers only
// the rank's local experts (one expert-parallel shard of the routed experts) besides its dense part.
double gathered_block_params(const TrainLayout& l) {
  const ParamCounts& p = l.p;
  const double routed_layer = static_cast<double>(p.routed_experts_per_layer);
  return p.largest_layer == p.per_layer && routed_layer > 0
             ? (static_cast<double>(p.largest_layer) - routed_layer) / l.mp + routed_layer * l.sh.expert_model_share
             : static_cast<double>(p.largest_layer) / l.mp;
}

// Bytes per weight FSDP all-gathers (non-QLoRA): the MixedPrecision param_dtype copy whenever the compute
// dtype is 16-bit, not the stored fp32 shard. accelerate sets FSDP's MixedPrecision(param_dtype=bf16/fp16)
// whenever its mixed_precision is bf16/fp16 (accelerate/state.py: fsdp_plugin.set_mixed_precision), as
// the HF Trainer's --bf16 does; verl's fsdp_workers.py builds MixedPrecision(param_dtype=bf16); FSDP2's
// MixedPrecisionPolicy.param_dtype likewise. FSDP1 allocates the unsharded flat parameter in
// `_fwd_bwd_param_dtype` and gathers the `_mp_shard` cast (torch/distributed/fsdp/_flat_param.py
// `_use_low_precision_shard`); FSDP2 casts each shard before its all-gather (_fsdp_param.py
// `all_gather_inputs`). fp32 training gathers fp32.
namespace {
double fsdp_gathered_bpp(const TrainLayout& l) { return std::min(l.weight_bpp, l.pb.compute); }
}  // namespace

Term gathered_term(const TrainLayout& l) {
  if (!l.params_sharded && !l.t.offload_params) return {};
  const ParamCounts& p = l.p;
  const double layer = gathered_block_params(l);
  const double unit_grad = l.full ? l.pb.grad : 0.0;
  const char* moe_note = l.expert_layout ? " (a MoE block's dense part / tp x pp + its local experts / etp)" : "";
  if (l.t.sharding == Sharding::fsdp) {
    const double root = static_cast<double>(p.embedding) / l.mp;
    const double root_bpp = l.qlora ? l.pb.compute : fsdp_gathered_bpp(l);
    const double layer_bpp = l.qlora ? 0.5 : gathered_block_bpp(l, fsdp_gathered_bpp(l));
    return {root * (root_bpp + unit_grad) + layer * (kGatheredUnits * layer_bpp + unit_grad),
            format("FSDP root unit %.0f params (embeddings, lm_head) x (%.3g B + %.0f B gradient), unsharded from "
                   "forward to backward, + largest block %.0f params x (kGatheredUnits %.0f x %.3g B + %.0f B unit "
                   "gradient)%s",
                   root, root_bpp, unit_grad, layer, kGatheredUnits, layer_bpp, unit_grad, moe_note),
            "All-gathered units (ZeRO-3 / FSDP)"};
  }
  const double unit = std::max({layer, group_params(p, "embedding") / l.mp, group_params(p, "lm_head") / l.mp});
  const double unit_bpp = unit == layer ? gathered_block_bpp(l, l.weight_bpp) : l.weight_bpp;
  return {unit * (kGatheredUnits * unit_bpp + unit_grad),
          format("largest unit %.0f params x (kGatheredUnits %.0f x %.3f B + %.0f B unit gradient)%s", unit,
                 kGatheredUnits, unit_bpp, unit_grad, moe_note),
          "All-gathered units (ZeRO-3 / FSDP)"};
}

// FSDP1's freed gathered blocks that wait for their record_stream event: reserved on the unshard stream,
// not allocated (kFsdpPendingFreeUnits in vramplan/memory.hpp). Blocks only: the root stays unsharded
// from forward to backward. Under QLoRA a block gathers its 4-bit codes stored as 16-bit elements, 0.5 B
// per weight (bnb_4bit_quant_storage); under mixed-bf16 FSDP1 gathers the MixedPrecision param_dtype copy
// (_flat_param.py _use_low_precision_shard before the all-gather), 16-bit whatever the stored dtype. Over
// one rank FSDP1 switches FULL_SHARD to NO_SHARD ("FSDP is switching to use NO_SHARD", _init_utils.py):
// nothing is gathered. CPU offload keeps the line: _free_unsharded_flat_param records the stream on the GPU's
// unsharded flat parameter whether its shard lives on host or not.
// train.fp8_all_gather names the FSDP: torchao's fp8 all-gather is FSDP2's (fsdp_pre_all_gather), Transformer
// Engine's fp8 parameters go through Megatron FSDP or FSDP2: neither frees with record_stream.
Term fsdp_pending_frees_term(const TrainLayout& l) {
  if (l.t.sharding != Sharding::fsdp || l.t.fsdp_version != 1 || !l.params_sharded || l.div.params <= 1)
    return {};
  if (l.fp8_gather_bpp > 0) return {};
  const double layer = gathered_block_params(l);
  const double bpp = l.qlora ? 0.5 : fsdp_gathered_bpp(l);
  return {kFsdpPendingFreeUnits * layer * bpp,
          format("kFsdpPendingFreeUnits %.0f x largest block %.0f params x %.3g B: FSDP1 frees a gathered block with "
                 "record_stream, so the allocator reuses it only after the compute stream passes it "
                 "(limit_all_gathers: at most 2 such frees in flight); FSDP2 (train.fsdp_version 2) holds none",
                 kFsdpPendingFreeUnits, layer, bpp),
          "FSDP1 gathered blocks awaiting reuse (reserved - allocated)"};
}

namespace {
// Gradients made in backward: the allocator's segments around the loss and the step (reserved_lines), beside
// the lines already counted in `reserved`; `shifted` and `pending` are the loss's shift block and FSDP1's pending
// frees as the forward/backward holds them.
std::vector<CacheLine> backward_gradient_lines(const TrainLayout& l, const BackwardGradients& g, double shifted,
                                               double pending, double reserved) {
  std::vector<CacheLine> lines;
  auto push = [&](const char* id, Term term) {
    if (term.bytes <= 0) return;
    reserved += term.bytes;
    lines.push_back({id, std::move(term)});
  };
  const Term pool = sharded_grad_pool_term(l, g.gradients, g.loss);
  if (g.step_peak) {
    // The forward/backward's segments stay reserved through the step (the allocator returns none).
    const double forward_reserved = g.persistent + g.forward + allocator_bytes(g.forward) + shifted + pending + pool.bytes;
    push("forward_segments", forward_segments_term(forward_reserved, reserved));
  } else {
    push("sharded_grad_pool", pool);
  }
  const double step_reserved = g.persistent + g.step_temp + allocator_bytes(g.step_temp);
  push("loss_segments_after_states", first_step_states_term(g.loss + shifted, g.states, step_reserved, reserved));
  return lines;
}
}  // namespace

// DeepSpeed ZeRO-3 with a bitsandbytes 4-bit base holds the whole quantized model on every GPU once, at the
// engine's start. transformers builds a quantized model without zero.Init (modeling_utils.from_pretrained, 4.39
// and later: `is_deepspeed_zero3_enabled() and not is_quantized`, PR #29587 "Add support for FSDP+QLoRA and
// DeepSpeed ZeRO3+QLoRA"), so no parameter has a ds_id and DeepSpeed's engine moves the module whole to its GPU
// (deepspeed/runtime/engine.py _configure_distributed_model, v0.14.0: `if not (self.dont_change_device or
// is_zero_init_model): self.module.to(self.device)`, after `self.module.bfloat16()`) before DeepSpeedZeRoOffload
// partitions it there (parameter_offload.py _convert_to_zero_parameters -> zero.Init(module=...) ->
// _zero_init_param: broadcast, then partition() copies the rank's share and frees the whole tensor). At that
// moment the GPU holds every NF4 code, the 16-bit rest, the quant state and the adapters (16-bit after
// bfloat16()), with offload too (the move precedes the partitioning). The device level's peak is the larger of
// that and the step's, so the line is what the start exceeds the step's reserve by (0 when it does not).
Term zero3_whole_model_start_term(const TrainLayout& l, double reserved) {
  if (!l.qlora || l.t.sharding != Sharding::zero3 || l.div.params <= 1) return {};
  const double whole = model_weight_bytes(l) * l.sh.model, adapters = l.trainable * l.pb.compute * l.sh.model;
  if (whole + adapters <= reserved) return {};
  return {whole + adapters - reserved,
          format("ZeRO-3 + 4-bit base: transformers skips zero.Init for a quantized model, so DeepSpeed's engine moves "
                 "it whole to every GPU before partitioning it: %.0f params x %.6f B (NF4 codes, quant state, 16-bit "
                 "rest) %s + %.0f adapter params x %.0f B %s = %s, less the step's reserve %s (the start and the step "
                 "never coexist; the peak holds the larger)",
                 l.total, l.weight_bpp, gib(whole).c_str(), l.trainable, l.pb.compute, gib(adapters).c_str(),
                 gib(whole + adapters).c_str(), gib(reserved).c_str()),
          "ZeRO-3 start: whole 4-bit model on each GPU (beyond the step)"};
}

// FSDP1 initialised from rank 0's CPU copy (train.fsdp_sync_module_states: fsdp_qlora train.py's low_memory, 50efa1e;
// accelerate's cpu_ram_efficient_loading, which requires sync_module_states) leaves freed blocks cached before the
// first step. For each unit, bottom-up and the root (embeddings, lm_head) last, torch FSDP1 (2.2-2.3,
// torch/distributed/fsdp/_init_utils.py _init_param_handle_from_module) moves its CPU parameters to the GPU
// (_move_module_to_device), broadcasts them (_sync_module_params_and_buffers), copies them into one unsharded
// FlatParameter (_flat_param.py flatten_tensors: torch.cat) and shard() keeps a 1/world clone and frees the
// unsharded storage; the moved originals die with the init. The caching allocator keeps freed blocks reserved
// (train.py calls empty_cache only before the wrap), so the root alone leaves 2 x its bytes free; when each root
// tensor is larger than the largest block unit, none of the last block's two freed copies (segments no larger
// than the block) can hold a root tensor, and 2 x the block's bytes stay free as well (otherwise only the larger of
// 2 x root and 2 x block less the root's shard is certain). Those blocks belong to the compute stream
// (c10/cuda/CUDACachingAllocator.cpp get_free_block: a block serves only its own stream): the step's
// compute-stream allocations reuse them, but FSDP1's all-gathers (allocated under _unshard_stream, _runtime_utils.py
// _unshard), their pending frees and the reduce-scattered gradients (_post_backward_stream) cannot. The line is
// what that start's reserve (weights, adapter weights, the free blocks) plus those other streams' lines exceeds
// the step's reserve by: 0 once the step's compute-stream demand covers the free blocks. A lower bound: block
// fragmentation during the init, the broadcast's bucket copies and the loading's own segments are not counted.
// CPU offload (the shard then moves to host) is not modelled.
Term fsdp1_init_cache_term(const TrainLayout& l, const BackwardGradients& g, double other_streams, double reserved) {
  if (!l.t.fsdp_sync_module_states || l.t.sharding != Sharding::fsdp || l.t.fsdp_version != 1 || !l.params_sharded ||
      l.div.params <= 1 || l.t.offload_params)
    return {};
  const ParamCounts& p = l.p;
  const double root_bpp = l.qlora ? l.pb.compute : l.weight_bpp, block_bpp = l.qlora ? 0.5 : l.weight_bpp;
  const double root = static_cast<double>(p.embedding) / l.mp * root_bpp;
  const double block = gathered_block_params(l) * block_bpp;
  const double head = group_params(p, "lm_head"), table = group_params(p, "embedding");
  const double smallest_root_tensor = (head > 0 ? std::min(table, head) : table) / l.mp * root_bpp;
  const bool apart = smallest_root_tensor > block;
  const double free_blocks = apart ? 2 * root + 2 * block : std::max(2 * root, 2 * block - root / l.div.params);
  const double adapters = l.full ? 0.0 : lora_states(l).w;
  const double grads = l.full ? g.gradients : lora_states(l).g;
  const double weights = weights_term(l).bytes;
  const double start = weights + adapters + free_blocks + other_streams + grads;
  if (start <= reserved) return {};
  return {start - reserved,
          format("FSDP1 init from rank 0's CPU copy (train.fsdp_sync_module_states): free blocks on the compute stream "
                 "%s = %s (root unit %s: moved originals + unsharded FlatParameter%s) + weights %s + adapter weights %s "
                 "+ the all-gather and gradient streams' %s (blocks of one stream serve no other) = %s, less the "
                 "step's reserve %s",
                 gib(free_blocks).c_str(), apart ? "2 x root + 2 x largest block" : "max(2 x root, 2 x block - root shard)",
                 gib(root).c_str(), apart ? format(", largest block %s", gib(block).c_str()).c_str() : "",
                 gib(weights).c_str(), gib(adapters).c_str(), gib(other_streams + grads).c_str(),
                 gib(start).c_str(), gib(reserved).c_str()),
          "FSDP1 init's free blocks (reserved - allocated, beyond the step)"};
}

std::vector<CacheLine> reserved_lines(const TrainLayout& l, const LossOptions& loss, const BackwardGradients& g,
                                      std::vector<std::string>& warnings) {
  std::vector<CacheLine> lines;
  Term pending = fsdp_pending_frees_term(l);
  const double pending_bytes = pending.bytes;
  if (pending.bytes > 0) {
    // train.fsdp_version defaults to 1 (accelerate's); fully_shard users (TRL fsdp2, NeMo DTensor) set 2.
    warnings.push_back(format("train.sharding \"fsdp\" is counted as FSDP1 (train.fsdp_version 1: record_stream "
                              "frees, %s reserved); FSDP2 (fully_shard, train.fsdp_version 2) holds none of it",
                              gib(pending.bytes).c_str()));
    lines.push_back({"fsdp_pending_frees", std::move(pending)});
  }
  Term shifted = shifted_loss_term(l, loss);
  const double shifted_bytes = shifted.bytes;
  // The optimizer step's temporaries can reuse the loss's blocks when the step is the peak.
  if (!g.step_peak && shifted.bytes > 0) lines.push_back({"loss_shift_block", std::move(shifted)});
  double reserved = g.reserved;
  for (const CacheLine& c : lines) reserved += c.term.bytes;
  if (g.made_in_backward) {
    for (CacheLine& c : backward_gradient_lines(l, g, shifted_bytes, pending_bytes, reserved)) {
      reserved += c.term.bytes;
      lines.push_back(std::move(c));
    }
  }
  Term start = zero3_whole_model_start_term(l, reserved);
  if (start.bytes > 0) lines.push_back({"zero3_whole_model_start", std::move(start)});
  Term init = fsdp1_init_cache_term(l, g, gathered_term(l).bytes + pending_bytes, reserved);
  if (init.bytes > 0) lines.push_back({"fsdp1_init_cache", std::move(init)});
  const bool synced_fsdp = l.t.fsdp_sync_module_states && l.t.sharding == Sharding::fsdp;
  if (synced_fsdp && l.t.fsdp_version != 1) {
    warnings.push_back("train.fsdp_sync_module_states has no effect with train.fsdp_version 2: the init's cached "
                       "blocks are counted for FSDP1 (FullyShardedDataParallel's sync_module_states) only");
  } else if (synced_fsdp && l.t.offload_params) {
    warnings.push_back("train.fsdp_sync_module_states with train.offload_params: the blocks FSDP1's init leaves "
                       "cached on the GPU are not counted (the shards go to host RAM; not modelled)");
  }
  return lines;
}

// DDP without sharding: gradient buckets are a second copy of the gradients
// (torch DistributedDataParallel gradient_as_bucket_view=False default).
Term ddp_buckets_term(const TrainLayout& l) {
  if (l.t.sharding != Sharding::none || l.dp <= 1) return {};
  return {l.trainable * l.pb.grad * (l.full ? l.sh.model : 1.0 / l.mp),
          format("%.0f params x %.0f B%s (DistributedDataParallel gradient_as_bucket_view=False keeps a bucket copy)%s",
                 l.trainable, l.pb.grad, l.shard.c_str(), l.full ? expert_note(l).c_str() : ""),
          "DDP gradient buckets"};
}

}  // namespace vramplan::train
