"""The published memory rules users rely on today, re-implemented faithfully (Python 3, standard
library only) so that bench/peers/compare.py can score them on the same validation records as
vramplan. These are NOT part of the product: they reproduce other projects' formulas, including
their omissions, and each formula carries the repository and path it was read from.

Every function returns bytes (the peers' own units are noted where they print GB).
"""
import math
from types import SimpleNamespace

GIB = 1024 ** 3


# ---------------------------------------------------------------------------------------------
# Hugging Face accelerate `accelerate estimate-memory MODEL`
# ---------------------------------------------------------------------------------------------
# Source: huggingface/accelerate, src/accelerate/commands/estimate.py (create_empty_model,
# estimate_training_usage, gather_data, estimate_command) and src/accelerate/utils/modeling.py
# (calculate_maximum_sizes, compute_module_sizes), read at commit 00e4d264f66d.
#
# create_empty_model builds `AutoModel.from_config(config, torch_dtype=torch.float32)` under
# init_empty_weights() (the meta device): every parameter and buffer at 4 bytes. AutoModel is the
# bare backbone (LlamaModel, Qwen2Model, BertModel): an untied LM head is NOT in it (unless the repo's
# auto_map names an AutoModelFor... class). calculate_maximum_sizes returns sizes[""] (the sum of
# numel x dtype size over named_module_tensors) and the largest of the top-level children / no-split
# modules. The caller here passes the exact parameter count of that backbone (vramplan's exact count
# stands in for the meta-device model: same numbers, no torch, no Hub).
ACCELERATE_DTYPES = ("float32", "float16", "int8", "int4")


def accelerate_estimate_training_usage(nbytes, mixed_precision):
    """estimate.py estimate_training_usage(bytes, mixed_precision): memory for batch size 1."""
    memory_sizes = {"model": -1, "optimizer": -1, "gradients": -1, "step": -1}
    fp32_size = nbytes
    fp16_size = nbytes // 2
    if mixed_precision == "float32":
        memory_sizes["model"] = fp32_size
        memory_sizes["gradients"] = fp32_size
        memory_sizes["optimizer"] = fp32_size * 2
        memory_sizes["step"] = fp32_size * 4
    elif mixed_precision in ("float16", "bfloat16"):
        # "With mixed precision training, the model has weights stored in FP16 and FP32"
        memory_sizes["model"] = fp32_size
        memory_sizes["gradients"] = fp32_size + fp16_size  # "1.5 from weight gradient + computation (GEMM)"
        memory_sizes["optimizer"] = fp32_size * 2
        memory_sizes["step"] = memory_sizes["optimizer"]
    return memory_sizes


def accelerate_estimate_memory(backbone_params, largest_layer_params, dtype):
    """estimate.py gather_data + estimate_command for one --dtypes row.

    Returns {"largest_layer", "total_size", "training_adam"} in bytes; training_adam is None where
    the tool prints "N/A" (int8, int4). "Training using Adam" is max(memory_sizes.values()), computed
    from the float32 total (gather_data passes dtype_total_size before dividing it): 16 bytes per
    parameter for float32, 8 for float16. The tool's "GB" is bytes / 1024**3 (convert_bytes).
    """
    if dtype not in ACCELERATE_DTYPES:
        raise ValueError(dtype)
    total_size = 4 * backbone_params
    largest = 4 * largest_layer_params
    training = accelerate_estimate_training_usage(total_size, dtype)
    divisor = {"float32": 1, "float16": 2, "int8": 4, "int4": 8}[dtype]
    peak = max(training.values())
    return {
        "largest_layer": largest / divisor,
        "total_size": total_size / divisor,
        "training_adam": None if peak == -1 else float(peak),
    }


# ---------------------------------------------------------------------------------------------
# LLaMA-Factory README "Hardware Requirement" table
# ---------------------------------------------------------------------------------------------
# Source: hiyouga/LLaMA-Factory, README.md, section "### Hardware Requirement" ("* estimated"),
# read at commit 00409ff28a30. Rows: method x bits; columns 7B, 14B, 30B, 70B and the rule `x`B.
#
# | Method                          | Bits |  7B   |  14B  |  30B  |  70B   |  `x`B   |
# | Full (`bf16` or `fp16`)         |  32  | 120GB | 240GB | 600GB | 1200GB | `18x`GB |
# | Full (`pure_bf16`)              |  16  |  60GB | 120GB | 300GB |  600GB |  `8x`GB |
# | Freeze/LoRA/GaLore/APOLLO/BAdam |  16  |  16GB |  32GB |  64GB |  160GB |  `2x`GB |
# | QLoRA                           |   8  |  10GB |  20GB |  40GB |   80GB |   `x`GB |
# | QLoRA                           |   4  |   6GB |  12GB |  24GB |   48GB | `x/2`GB |
# | QLoRA                           |   2  |   4GB |   8GB |  16GB |   24GB | `x/4`GB |
#
# The table is a total for the job, read here as decimal GB (1e9 bytes, as printed). Between the
# listed sizes it is interpolated linearly in the parameter count; outside 7B..70B the `x`B rule
# column (x = billions of parameters) is used, which is how the table itself extends.
LLAMAFACTORY_SIZES_B = (7, 14, 30, 70)
LLAMAFACTORY_TABLE = {
    ("full", 32): ((120, 240, 600, 1200), lambda x: 18 * x),
    ("full", 16): ((60, 120, 300, 600), lambda x: 8 * x),
    ("lora", 16): ((16, 32, 64, 160), lambda x: 2 * x),
    ("qlora", 8): ((10, 20, 40, 80), lambda x: x),
    ("qlora", 4): ((6, 12, 24, 48), lambda x: x / 2),
    ("qlora", 2): ((4, 8, 16, 24), lambda x: x / 4),
}


def llamafactory_table(method, bits, params):
    """GB of the README table for `method` ("full", "lora", "qlora") at `bits`, in bytes."""
    row, rule = LLAMAFACTORY_TABLE[(method, bits)]
    x = params / 1e9
    sizes = LLAMAFACTORY_SIZES_B
    if x < sizes[0] or x > sizes[-1]:
        gb = rule(x)
    else:
        for i in range(len(sizes) - 1):
            if sizes[i] <= x <= sizes[i + 1]:
                t = (x - sizes[i]) / (sizes[i + 1] - sizes[i])
                gb = row[i] + t * (row[i + 1] - row[i])
                break
    return gb * 1e9


# ---------------------------------------------------------------------------------------------
# DeepSpeed ZeRO model-states estimators
# ---------------------------------------------------------------------------------------------
# Source: deepspeedai/DeepSpeed, deepspeed/runtime/zero/stage_1_and_2.py,
# estimate_zero2_model_states_mem_needs (commit 7dee2e061c20). Returns (cpu_mem, gpu_mem) per
# process, bytes. Model states only (params, grads, optimizer states): no activations, no buffers.
def deepspeed_zero2_model_states_mem_needs(total_params, num_gpus_per_node=1, num_nodes=1, cpu_offload=True,
                                           additional_buffer_factor=1.5):
    total_gpus = num_nodes * num_gpus_per_node
    if cpu_offload:
        gpu_mem = 2 * total_params
        cpu_mem = total_params * max(4 * total_gpus, 16) * additional_buffer_factor
    else:
        gpu_mem = 4 * total_params + int(16 * total_params / total_gpus)
        cpu_mem = total_params * 4 * num_gpus_per_node * additional_buffer_factor
    return int(cpu_mem), int(gpu_mem)


# Source: deepspeedai/DeepSpeed, deepspeed/runtime/zero/stage3.py,
# estimate_zero3_model_states_mem_needs (commit 007cca6a2ffe). Returns (cpu_mem, gpu_mem,
# largest_layer_memory), bytes. largest_layer_params: the largest module's own parameters
# (model_to_params: max over model.modules() of sum(p.numel() for p in m.parameters(recurse=False))),
# which for a transformer is the embedding or LM-head matrix.
def deepspeed_zero3_model_states_mem_needs(total_params, largest_layer_params, num_gpus_per_node=1, num_nodes=1,
                                           cpu_offload=True, cpu_offload_params=True, zero_init=True,
                                           additional_buffer_factor=1.5):
    total_gpus = num_nodes * num_gpus_per_node
    gpus_factor = 1 / num_nodes
    largest_layer_memory = (4 * largest_layer_params)
    if cpu_offload:
        if cpu_offload_params:
            gpu_mem = largest_layer_memory
            if zero_init:
                cpu_mem = total_params * 18 * gpus_factor * additional_buffer_factor
            else:
                cpu_mem = total_params * max(4 * num_gpus_per_node, 18 * gpus_factor) * additional_buffer_factor
        else:
            gpu_mem = largest_layer_memory + int(2 * total_params / total_gpus)
            if zero_init:
                cpu_mem = total_params * 16 * gpus_factor * additional_buffer_factor
            else:
                cpu_mem = total_params * max(4 * num_gpus_per_node, 16 * gpus_factor) * additional_buffer_factor
    else:
        gpu_mem = largest_layer_memory + int(18 * total_params / total_gpus)
        if zero_init:
            cpu_mem = largest_layer_params * 4 * num_gpus_per_node * additional_buffer_factor
        else:
            cpu_mem = total_params * 4 * num_gpus_per_node * additional_buffer_factor
    return int(cpu_mem), int(gpu_mem), largest_layer_memory


# ---------------------------------------------------------------------------------------------
# Megatron-LM theoretical memory
# ---------------------------------------------------------------------------------------------
# Source: NVIDIA/Megatron-LM, megatron/training/theoretical_memory_usage.py (commit 00caa53af309):
# compute_weight_and_optimizer_memory, compute_activation_memory (Korthikanti et al. 2022, Table 2,
# used with sequence parallelism + selective recompute), compute_activation_memory_without_sp (used
# otherwise), report_theoretical_memory. Bytes (the tool prints MB = bytes / 1024**2). MoE, MLA and
# MTP branches are kept where they only need config fields; dense models are what the records hold.
def megatron_args(cfg, *, seq_length, micro_batch_size, tp=1, pp=1, dp=1, use_distributed_optimizer=False,
                  sequence_parallel=False, recompute_granularity=None, virtual_pp=None):
    """Megatron's `args` from a Hugging Face config.json (the fields Megatron's converters map)."""
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or hidden // heads
    act = str(cfg.get("hidden_act", cfg.get("hidden_activation", "gelu")))
    model_type = cfg.get("model_type", "")
    swiglu = model_type not in ("bert", "gpt2", "opt", "t5") and act in ("silu", "swish", "gelu_pytorch_tanh")
    vocab = cfg["vocab_size"]
    # Megatron pads the vocabulary to a multiple of make_vocab_size_divisible_by (128) x TP.
    multiple = 128 * tp
    padded_vocab = int(math.ceil(vocab / multiple) * multiple)
    return SimpleNamespace(
        hidden_size=hidden, num_attention_heads=heads, kv_channels=head_dim,
        group_query_attention=kv_heads != heads, num_query_groups=kv_heads,
        num_experts=cfg.get("num_local_experts") or cfg.get("num_experts"),
        moe_layer_freq=1, moe_ffn_hidden_size=cfg.get("moe_intermediate_size") or cfg.get("intermediate_size"),
        moe_shared_expert_intermediate_size=cfg.get("shared_expert_intermediate_size"),
        mtp_num_layers=None, multi_latent_attention=False,
        swiglu=swiglu, ffn_hidden_size=cfg.get("intermediate_size", 4 * hidden),
        normalization="RMSNorm" if "rms_norm_eps" in cfg else "LayerNorm",
        num_layers=cfg["num_hidden_layers"], padded_vocab_size=padded_vocab,
        untie_embeddings_and_output_weights=not cfg.get("tie_word_embeddings", True),  # HF default: tied
        pipeline_model_parallel_size=pp, tensor_model_parallel_size=tp, data_parallel_size=dp,
        use_distributed_optimizer=use_distributed_optimizer, seq_length=seq_length,
        micro_batch_size=micro_batch_size, virtual_pipeline_model_parallel_size=virtual_pp,
        sequence_parallel=sequence_parallel, recompute_granularity=recompute_granularity,
        is_hybrid_model=False)


def megatron_weight_and_optimizer_memory(args):
    """compute_weight_and_optimizer_memory: most-loaded shard's parameters x bytes per parameter."""
    query_projection_size = args.kv_channels * args.num_attention_heads
    query_projection_to_hidden_size_ratio = query_projection_size / args.hidden_size
    if not args.group_query_attention:
        args.num_query_groups = args.num_attention_heads
    num_experts = 1 if args.num_experts is None else args.num_experts
    gated_linear_multiplier = 3 / 2 if args.swiglu else 1
    shared_expert_ffn_hidden_size = (0 if args.moe_shared_expert_intermediate_size is None
                                     else args.moe_shared_expert_intermediate_size)
    if args.num_experts is not None:
        moe_layer_pattern = [1 if (i % args.moe_layer_freq == 0) else 0 for i in range(args.num_layers)]
        num_dense_layers = args.num_layers - sum(moe_layer_pattern)
        num_moe_layers = sum(moe_layer_pattern)
        moe_ffn_hidden_size = args.moe_ffn_hidden_size
    else:
        num_dense_layers = args.num_layers
        num_moe_layers = 0
        moe_ffn_hidden_size = 0
    norm_size = 1 if args.normalization == "RMSNorm" else 2
    self_attn_term = (2 * args.hidden_size * args.hidden_size
                      * ((1 + (args.num_query_groups / args.num_attention_heads)) * query_projection_to_hidden_size_ratio))
    num_parameters_in_transformer_layer_dense = (
        2 * args.hidden_size * ((args.ffn_hidden_size * gated_linear_multiplier) + norm_size) + self_attn_term)
    num_parameters_in_transformer_layer_moe = (
        2 * args.hidden_size * ((moe_ffn_hidden_size * num_experts * gated_linear_multiplier)
                                + (shared_expert_ffn_hidden_size * gated_linear_multiplier) + norm_size)
        + self_attn_term)
    embedding_size = args.hidden_size * args.padded_vocab_size
    final_layernorm = norm_size * args.hidden_size
    num_parameters_in_transformer_block = (num_parameters_in_transformer_layer_dense * num_dense_layers
                                           + num_parameters_in_transformer_layer_moe * num_moe_layers
                                           + final_layernorm)
    num_parameters_in_mtp_block = 0
    num_parameters_on_most_loaded_model_shard = (
        (num_parameters_in_transformer_block / args.pipeline_model_parallel_size)
        + num_parameters_in_mtp_block + embedding_size) / args.tensor_model_parallel_size
    if args.untie_embeddings_and_output_weights and args.pipeline_model_parallel_size == 1:
        num_parameters_on_most_loaded_model_shard += embedding_size / args.tensor_model_parallel_size
    num_bytes_per_parameter = 18 if not args.use_distributed_optimizer else 6 + (12 / args.data_parallel_size)
    return num_parameters_on_most_loaded_model_shard * num_bytes_per_parameter


def megatron_activation_memory(args, num_microbatches=None):
    """compute_activation_memory (Korthikanti Table 2; sequence parallel + selective recompute)."""
    activation_memory = (args.seq_length * args.micro_batch_size * args.hidden_size) * (
        18 + (4 * (args.ffn_hidden_size / args.hidden_size)))
    activation_memory *= args.num_layers
    activation_memory += 8 * args.seq_length * args.micro_batch_size * args.pipeline_model_parallel_size
    activation_memory += (args.seq_length * args.micro_batch_size * args.hidden_size
                          * args.pipeline_model_parallel_size)
    if args.virtual_pipeline_model_parallel_size is not None:
        penalty = 1 + ((args.pipeline_model_parallel_size - 1)
                       / (args.pipeline_model_parallel_size * args.virtual_pipeline_model_parallel_size))
        activation_memory *= penalty
    if args.virtual_pipeline_model_parallel_size is None and args.pipeline_model_parallel_size > 1:
        if num_microbatches is not None:
            activation_memory *= min(1, num_microbatches / args.pipeline_model_parallel_size)
    if args.pipeline_model_parallel_size == 1:
        activation_memory += (args.seq_length * args.micro_batch_size * args.hidden_size * 4
                              * (1 + (args.padded_vocab_size / args.hidden_size)))
    return activation_memory / args.tensor_model_parallel_size


def megatron_activation_memory_without_sp(args, num_microbatches=None):
    """compute_activation_memory_without_sp: sbh(10 + 24/t) per layer, logits, x1.05."""
    per_layer_memory = (args.seq_length * args.micro_batch_size * args.hidden_size
                        * (10 + (24 / args.tensor_model_parallel_size)))
    total = per_layer_memory * args.num_layers
    total += 8 * args.seq_length * args.micro_batch_size * args.pipeline_model_parallel_size
    total += args.seq_length * args.micro_batch_size * args.hidden_size * args.pipeline_model_parallel_size
    if args.virtual_pipeline_model_parallel_size is not None:
        penalty = 1 + ((args.pipeline_model_parallel_size - 1)
                       / (args.pipeline_model_parallel_size * args.virtual_pipeline_model_parallel_size))
        total *= penalty
    if args.virtual_pipeline_model_parallel_size is None and args.pipeline_model_parallel_size > 1:
        if num_microbatches is not None:
            total *= min(1, num_microbatches / args.pipeline_model_parallel_size)
    if args.pipeline_model_parallel_size == 1:
        logits_size = args.seq_length * args.micro_batch_size * args.padded_vocab_size
        logits_size /= args.tensor_model_parallel_size
        final_ln_output = args.seq_length * args.micro_batch_size * args.hidden_size
        total += (logits_size + final_ln_output) * 2
    total *= 1.05
    return total


def megatron_theoretical_memory(args, num_microbatches=None):
    """report_theoretical_memory: (weight_and_optimizer, activation, total) in bytes."""
    weight_and_optimizer = megatron_weight_and_optimizer_memory(args)
    if args.sequence_parallel and args.recompute_granularity == "selective":
        activation = megatron_activation_memory(args, num_microbatches)
    else:
        activation = megatron_activation_memory_without_sp(args, num_microbatches)
    return weight_and_optimizer, activation, weight_and_optimizer + activation
