#pragma once
// Term functions of the time model (issue 16): FLOPs per token, compute time at a model FLOPs
// utilisation (MFU), collective communication, the pipeline bubble and the serving roofline. Each takes
// narrow inputs (doubles) and returns FLOPs, bytes or seconds; formulas and sources are cited in the .cpp
// files (core/time/src/time_*.cpp) and collected in docs/time-model.md. No allocation beyond the
// constants list, no strings in the hot path.
#include <string_view>
#include <vector>

#include "vramplan/memory.hpp"

namespace vramplan::time {

// ---------------------------------------------------------------------------------------------
// Named empirical constants. Each is listed by time_constants() with its source, and each can be
// overridden per scenario where a key exists. MFU = model FLOPs per second / peak dense FLOP/s, with
// model FLOPs counted WITHOUT activation recompute (PaLM, Chowdhery 2022 appendix B; Korthikanti 2022);
// the recompute is added as FLOPs on top, so these bands divide the hardware FLOPs: they are HFU, read
// from runs without activation checkpointing (llm-foundry's HFU column; HFU = MFU without recompute).
// Sources: /work/notes/mfu-research.md (helper tdata), rows named in each comment.
//
// Hopper (H100/H200/H800/GH200) BF16 training: Llama 3 (arXiv 2407.21783 §3.3.2) 38-43% on 8-16k
// H100; Megatron-LM README 41-47%; llm-foundry H100 rows without checkpointing 37.7-46.4% (median 40.8)
// at seq <= 8k; torchtitan 33-39% (8B, selective AC).
inline constexpr double kMfuHopper = 0.40, kMfuHopperLow = 0.30, kMfuHopperHigh = 0.48;
// Ampere (A100 and workstation Ampere) BF16, read as HFU (hardware FLOPs, recompute included, as the
// model divides all its FLOPs by it; Korthikanti et al. 2022 s6): llm-foundry's A100 tables, rows without
// activation checkpointing (1B-13B, seq <= 8k; HFU = MFU there): 80GB 56.7-64.2% (median 59.7), 40GB
// 54.4-57.8% (median 55.8, one 45.4% row); torchtitan 64 A100 Llama 2 13B without AC 61.1%, Llama 3 8B
// selective AC 58.2%. (Until branch tput2 the band mixed in checkpointed rows' MFU, 51-55%, whose HFU is
// 4/3 of it, and the model counted their recompute on top: the recompute was counted twice.) A100's
// peak is 3.2x below H100's with only 1.6x less HBM bandwidth, so memory-bound kernels cost relatively
// less and its utilisation is higher.
inline constexpr double kMfuAmpere = 0.58, kMfuAmpereLow = 0.45, kMfuAmpereHigh = 0.64;
// Full activation checkpointing raises the hardware FLOPs rate: the runs that use it take 2-8x larger
// micro-batches (activations no longer bound them: llm-foundry mb 8-16 with checkpointing vs 2-6
// without), with fewer FSDP gathers per token and larger GEMMs. Median HFU of llm-foundry's rows with
// checkpointing over the median of those without (seq <= 8k, >= 1B): H100 52.4/40.8 = 1.28, A100 80GB
// 72.6/59.7 = 1.22, A100 40GB 67.3/55.8 = 1.21; the smallest, rounded down (under-estimating is worse).
// The MFU bands above are HFU without checkpointing; with train.gradient_checkpointing they scale by it.
inline constexpr double kCheckpointHfuGain = 1.2;
// Blackwell: no sourced figure yet (mfu-research §6 TODO); Hopper's band shifted down, provisional.
inline constexpr double kMfuBlackwell = 0.35, kMfuBlackwellLow = 0.25, kMfuBlackwellHigh = 0.45;
// Any other GPU (Ada, Volta, Turing, AMD): torchtune's RTX 4090 full fine-tune, 1,650 tokens/s on
// Llama 3.1 8B = 48% of 165 TFLOPS (mfu-research L1); band wide because of few sources.
inline constexpr double kMfuOther = 0.40, kMfuOtherLow = 0.30, kMfuOtherHigh = 0.55;
// FP8 compute on Hopper, as a fraction of the FP8 peak: llm-foundry H100 FP8 rows 27.7-29.1%,
// torchtitan Float8 1.28-1.6x over BF16 (mfu-research F1, F2). Used when the compute dtype is fp8 and
// the GPU has an FP8 peak.
inline constexpr double kMfuFp8 = 0.25, kMfuFp8Low = 0.18, kMfuFp8High = 0.30;
// Long context: llm-foundry's checkpointed 7B on H100 falls from HFU 53.9% at 4k to 41.25% at 32k (0.77;
// A100 80GB 73.12% -> 65.94%, 0.90) with the attention term counted (mfu-research T3); above
// kLongContextTokens the band is scaled by kLongContextMfuScale (the H100 figure, rounded down).
inline constexpr double kLongContextTokens = 32768, kLongContextMfuScale = 0.75;
// Serving prefill MFU (compute bound): provisional, mfu-research §6 "Prefill 0.50, band 0.30-0.70".
inline constexpr double kPrefillMfu = 0.50, kPrefillMfuLow = 0.30, kPrefillMfuHigh = 0.70;
// Decode memory-bandwidth utilisation (MBU): fraction of the HBM peak a decode step achieves reading
// weights and KV cache. Practitioner range 60-85% for vLLM/TensorRT-LLM (Databricks "LLM inference
// performance engineering" 2023 reports MBU up to ~60-70% at batch 1 on H100); default 0.70 with the
// band 0.55-0.85 (mfu-research §5), provisional until the throughput records check it.
inline constexpr double kDecodeBandwidthEfficiency = 0.70, kDecodeBandwidthEfficiencyLow = 0.55,
                        kDecodeBandwidthEfficiencyHigh = 0.85;
// Fraction of the data-parallel collectives (FSDP/ZeRO all-gather and reduce-scatter, DDP all-reduce)
// that can hide under compute: FSDP prefetches the next unit's all-gather and overlaps the reduce-scatter
// with the previous unit's backward (Zhao et al. 2023, "PyTorch FSDP", VLDB, §3.3 and Fig. 8); the first
// all-gather and the last reduce-scatter stay exposed. A judgment, not fitted to a record.
inline constexpr double kCommOverlapFraction = 0.8;
// Achieved fraction of a link's one-direction peak by NCCL ring collectives ("bus bandwidth" in
// nccl-tests, which reach ~80% of NVLink/InfiniBand peak on large messages: NVIDIA nccl-tests
// doc/PERFORMANCE.md).
inline constexpr double kCollectiveEfficiency = 0.8;
// Inter-node bandwidth per GPU, one direction, when the job spans nodes: one 400 Gb/s NDR InfiniBand
// (ConnectX-7) NIC per GPU as in DGX H100 (NVIDIA DGX H100 user guide: 8x 400 Gb/s compute ports)
// = 50 GB/s. Override with cluster.inter_node_bytes_per_s.
inline constexpr double kInterNodeBytesPerS = 50e9;
// Intra-node bandwidth per GPU when the catalog has no interconnect entry: PCIe 4.0 x16, one
// direction, 32 GB/s (PCI-SIG PCIe 4.0 specification, 16 GT/s x 16 lanes).
inline constexpr double kFallbackIntraNodeBytesPerS = 32e9;
// GPUs in one node when the job spans more than one (DGX/HGX: 8).
inline constexpr double kGpusPerNode = 8;
// Latency of one small collective, NCCL's own tuning model (NVIDIA/nccl src/graph/tuning.cc, baseLat and
// hwLat, Ring/LL protocol, the one NCCL picks for small messages): base 3.6 us plus 0.47 us per ring step
// on NVLink (1.0 us on PCIe); an all-reduce takes 2 (n - 1) steps. Used for the tensor-parallel all-reduces
// of a decode step, whose messages (batch x hidden x 2 bytes) are latency bound.
inline constexpr double kCollectiveBaseLatencySeconds = 3.6e-6;
inline constexpr double kCollectiveNvlinkStepLatencySeconds = 0.47e-6, kCollectivePcieStepLatencySeconds = 1.0e-6;
// RL refit: the new policy weights reach the rollout engine after every step. Effective rate of a
// colocated CUDA-IPC weight update, end to end (offload of the trainer, onload and load of the engine's
// weights), from XTuner's published table (InternLM/xtuner docs, "Checkpoint Engine" section 3, IPC
// column): Qwen3-8B 16.4 GB in 1.1 s, Qwen3-30B-A3B 61 GB in 3.7 s, i.e. 15-16.5 GB/s of bf16 weights.
inline constexpr double kRefitBytesPerS = 15e9;
// RL with rl.phase_offload (NeMo RL's colocated Megatron worker; verl actor param/optimizer offload): the
// reference model waits in host RAM and is swapped into the policy's GPU buffers for its log-prob forward.
// NeMo RL v0.4 nemo_rl/models/policy/megatron_policy_worker.py use_reference_model(): the policy's state
// dict is copied to host (.to("cpu", copy=True)), the reference state dict is loaded, and on exit the
// policy's copy is loaded back: three copies of the weights over the host link per step. (verl loads and
// offloads a separate reference module: two; the larger count errs slow, the safe side.)
inline constexpr double kReferenceSwapCopies = 3;
// MoE token routing under expert parallelism: each routed token's hidden vector is sent to the ranks of
// its top-k experts and its output sent back (dispatch + combine all-to-all), in forward and again in
// backward (Megatron-Core moe/token_dispatcher.py MoEAlltoAllTokenDispatcher: token_permutation /
// token_unpermutation; GShard, Lepikhin et al. 2020 s3.2). A fraction (ep-1)/ep of the copies leave the
// rank. Megatron-Core overlaps it only with --overlap-moe-expert-parallel-comm (MCore v0.14), so it is
// counted as exposed.
inline constexpr double kMoeAllToAllPassesPerLayer = 4;  // dispatch + combine, forward + backward
// Grouped-GEMM efficiency of narrow routed experts relative to the dense GEMMs the MFU band describes.
// Megatron-Core MoE on H100 (Liu et al. 2025, "MoE Parallel Folding", arXiv 2504.14960, abstract): 49.3%
// MFU for Mixtral-8x22B, whose 8 experts are 16,384 wide (2.7x its hidden 6,144), and 39.0% for
// Qwen2-57B-A14B, whose 64 experts are 2,560 wide (0.71x its hidden 3,584): per-expert GEMMs with few
// tokens and a narrow N run below the dense rate. 39.0 / 49.3 = 0.79 divides the routed experts' FLOPs
// of models whose experts are narrower than their hidden size. The two runs' MFUs also include their
// all-to-all, counted separately here, so this errs slow (the safe side).
inline constexpr double kMoeNarrowExpertEfficiency = 0.79;
// Router and token permutation (Megatron-Core moe/moe_utils.py permute / unpermute; torchtitan
// moe.py TokenReorderer): each token's hidden vector is copied top-k times into expert order and back,
// read and written, in forward and backward: memory-bound traffic of 2 x 2 x 2 x top-k x hidden x 2 bytes
// per token and MoE layer at the streaming efficiency (kDecodeBandwidthEfficiency).
inline constexpr double kMoePermuteCopiesPerLayer = 8;

// An MFU (or efficiency) with its band, for the low/high range of every time.
struct Band {
  double value = 0, low = 0, high = 0;
};

// Default training MFU for a GPU architecture ("Hopper", "Ampere", ...) and whether the compute is fp8
// at the fp8 peak; long sequences scale the band down.
Band default_training_mfu(std::string_view architecture, bool fp8_peak, double seq_len, bool checkpointing = false);
Band default_prefill_mfu();
Band default_decode_efficiency();

// ---------------------------------------------------------------------------------------------
// FLOPs (core/time/src/time_flops.cpp). `params` are the parameters a token passes through (the active
// ones for MoE); `attn_width` = num_heads x head_dim; `seq` = the sequence length.

// Forward FLOPs per token of the weight matmuls: 2N (Kaplan et al. 2020, §2.1).
double forward_matmul_flops_per_token(double params);
// Forward FLOPs per token of the attention scores and the weighted values: 4 L s d (Narayanan 2021, §5.1,
// the s/(6h) term of 96 B s l h^2 (1 + s/6h + V/16lh), i.e. 2 x 2 s d per layer, causal mask not halved).
double forward_attention_flops_per_token(double layers, double attn_width, double seq);
// Full training step per token: forward + backward (2x forward) = 6N + 12 L s d (Narayanan 2021, §5.1).
double full_training_flops_per_token(double params, double layers, double attn_width, double seq);
// LoRA: the frozen base runs forward (2N) and backward for activation gradients only (2N, no weight
// gradients), attention fully (both its inputs need gradients: 12 L s d), plus 6 x adapter params
// (Hu et al. 2021, LoRA §4; the frozen base has no dW GEMM).
double lora_training_flops_per_token(double params, double adapter_params, double layers, double attn_width,
                                     double seq);
// Activation checkpointing recomputes one forward (Chen et al. 2016; Korthikanti 2022 §4: HFU = 4/3 MFU).
double recompute_flops_per_token(double params, double layers, double attn_width, double seq);
// Inference forward per token at context `ctx`: 2N + 2 L ctx d (Kaplan et al. 2020, Table 1: causal
// attention over the previous tokens).
double inference_flops_per_token(double params, double layers, double attn_width, double ctx);

// ---------------------------------------------------------------------------------------------
// Compute and communication (core/time/src/time_compute.cpp).

// Seconds to run `flops` on `gpus` GPUs of `peak_flops` each at `mfu`.
double compute_seconds(double flops, double gpus, double peak_flops, double mfu);
// QLoRA's bitsandbytes dequantisation: every forward and backward pass reads the 4-bit weights and writes
// a bf16 copy (bitsandbytes/autograd/_functions.py MatMul4Bit: F.dequantize_4bit(...) in forward and
// backward), 2.5 bytes per parameter per pass, memory bound.
double dequant_seconds(double params_on_gpu, double passes, double bandwidth, double efficiency);
// Ring collective time of `bytes` over `ranks`: all-gather and reduce-scatter move (n-1)/n of the
// buffer, all-reduce twice that (Patarasuk & Yuan 2009; nccl-tests PERFORMANCE.md bus bandwidth).
double ring_seconds(double bytes, double ranks, double passes, double link_bytes_per_s);
// Passes of the full parameter/gradient buffer per step: DDP all-reduce 2, ZeRO-1/2 reduce-scatter +
// all-gather 2, FSDP/ZeRO-3 all-gather forward + all-gather backward + reduce-scatter 3 (Zhao 2023 §3;
// Rajbhandari 2020, ZeRO §7: 1.5x DDP traffic for stage 3).
double data_parallel_passes(int zero_stage);
// Exposed communication after overlapping a fraction of it with compute.
double exposed_comm_seconds(double comm, double compute, double overlap_fraction);
// Pipeline bubble fraction (pp-1)/m of 1F1B (Narayanan 2021, §2.2.1; GPipe, Huang 2019).
double pipeline_bubble_fraction(double pp, double microbatches);
// Micro-batches one data-parallel rank runs in an RL train or log-prob pass. With sequence packing a
// micro-batch is a bin of `micro_batch` x `bin_tokens` tokens (NeMo RL grpo_math_1B.yaml v0.4-v0.6:
// sequence_packing.train_mb_tokens = max_total_sequence_length x train_micro_batch_size, the policy worker
// packs the batch into such bins: megatron_policy_worker.py make_microbatch_iterator_for_packable_sequences),
// so m = ceil(tokens / (micro_batch x bin_tokens)); without packing a micro-batch is `micro_batch`
// sequences: m = floor(sequences / micro_batch). At least 1.
double rl_microbatches(double tokens, double sequences, double micro_batch, double bin_tokens, bool packed);
// Bytes one data-parallel rank's collectives carry over an optimizer step of `microbatches` accumulated
// micro-batches (params and grads in bytes, per model-parallel shard):
//   ZeRO-3/FSDP: two all-gathers of the parameters and one reduce-scatter of the gradients in every
//     micro-batch (FSDP2 reshards after each forward/backward and reduce-scatters while
//     requires_gradient_sync is on, its default; DeepSpeed stage3 the same);
//   ZeRO-2: a reduce-scatter of the gradients in every micro-batch's backward (DeepSpeed
//     stage_1_and_2.py: partition_gradients installs create_reduce_and_remove_grad_hooks), one
//     all-gather of the updated parameters per step;
//   DDP / ZeRO-1: one all-reduce (2 passes) per optimizer step (DDP no_sync during accumulation;
//     Megatron's distributed optimizer reduce-scatters once, at the last micro-batch).
double data_parallel_step_bytes(int zero_stage, double param_bytes, double grad_bytes, double microbatches);
// Ranks that hold the same routed-expert shard and so reduce (or, sharded, gather) its gradients and
// parameters: gpus / (ep x etp x pp), at least 1. Megatron-Core parallel_state builds the expert data-parallel
// group of this size (world / (expert_model_parallel x expert_tensor_parallel x pipeline)); torchtitan and
// NeMo AutoModel wrap the experts with FSDP2 over the data-parallel mesh left after expert parallelism
// (torchtitan parallelize.py apply_fsdp: the experts' dp_mod_ep mesh). The dense rest uses all dp ranks.
double expert_data_parallel_ranks(double gpus, double ep, double etp, double pp);
// Data-parallel synchronisation of one step: the dense parameters' bytes over the `dp` ranks plus the routed
// experts' bytes over their `expert_dp` ranks, one ring each (ring_seconds; none over a single rank).
double data_parallel_sync_seconds(double dense_bytes, double dp, double routed_bytes, double expert_dp,
                                  double link_bytes_per_s);
// A latency-bound all-reduce of `bytes` over `ranks` (NCCL tuning model, Ring/LL): 2 (n-1) steps of
// `step_latency` after kCollectiveBaseLatencySeconds, plus the bytes at the link's rate.
double small_all_reduce_seconds(double bytes, double ranks, double step_latency, double link_bytes_per_s);
// One optimizer step is memory bound: `bytes` of parameters, gradients and states read and written
// (torch/optim/adamw.py _fused_adamw / _multi_tensor_adamw: one pass over param, grad, exp_avg,
// exp_avg_sq) at `efficiency` of the HBM bandwidth.
double memory_bound_seconds(double bytes, double bandwidth, double efficiency);
// Bytes an optimizer step moves per trainable parameter: the gradient read, the optimizer states and the
// master (or only) weights read and written, and the compute copy written when a master copy exists
// (Megatron DistributedOptimizer copies the fp32 main params back to the bf16 model params). AdamW with
// fp32 states under mixed-bf16: 2 + 2 x 8 + 2 x 4 + 2 = 28 bytes.
double optimizer_step_bytes_per_param(double weight, double grad, double master, double state_bytes);
// Host-link bytes per RL step of a trainer that offloads between phases (rl.phase_offload), per GPU:
// its weights out and back (Megatron ParamAndGradBuffer.offload_to_cpu copies param_data to pinned host
// memory and frees grad_data without a copy; reload_from_cpu copies back and zeroes the gradients), its
// optimizer states and master weights out and back (NeMo RL move_optimizer: state tensors .to("cpu") /
// .to("cuda")), doubled for a critic, plus `reference_copies` copies of the weights for the reference's
// forward: models x (2 x weight_bytes + 2 x state_bytes) + reference_copies x weight_bytes.
double phase_offload_bytes(double weight_bytes, double state_bytes, double models, double reference_copies);

// ---------------------------------------------------------------------------------------------
// MoE training (core/time/src/time_moe.cpp); sources at the constants above.

// Compute-time factor when a share `routed_share` of the active matmul FLOPs runs in routed experts at
// kMoeNarrowExpertEfficiency (narrow experts) or at the dense rate: (1 - f) + f / efficiency.
double moe_compute_factor(double routed_share, bool narrow_experts);
// All-to-all bytes one token sends over the expert-parallel group in `passes` (dispatch/combine each
// way): moe_layers x top-k x hidden x 2 bytes x passes x (ep - 1) / ep.
double moe_all_to_all_bytes_per_token(double moe_layers, double top_k, double hidden, double ep, double passes);
// Permutation traffic of the router's token reordering per token: moe_layers x copies x top-k x hidden x 2.
double moe_permute_bytes_per_token(double moe_layers, double top_k, double hidden, double copies);

// The link a data-parallel group uses: the intra-node bandwidth while it fits one node, else the
// inter-node one.
double collective_link_bytes_per_s(double gpus, double intra_node, double inter_node);

// ---------------------------------------------------------------------------------------------
// Serving roofline (core/time/src/time_serving.cpp).

// One decode step of `batch` sequences: max(bytes read / (bandwidth x efficiency), flops / (peak x mfu))
// (Williams et al. 2009, "Roofline"; vLLM's decode reads every weight and each sequence's KV once per
// step: PagedAttention, Kwon et al. 2023 §2).
double decode_step_seconds(double bytes_read, double flops, double bandwidth, double efficiency, double peak,
                           double mfu);
// How many sequences run at once: the KV pool's tokens over one sequence's tokens, capped by max_num_seqs.
double concurrent_sequences(double kv_pool_tokens, double tokens_per_sequence, double max_num_seqs);

}  // namespace vramplan::time

namespace vramplan {
const std::vector<ConstantInfo>& time_constants();
}  // namespace vramplan
