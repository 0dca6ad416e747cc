// The time model for a scenario: the terms of vramplan/time.hpp summed into a training step, a serving
// request (TTFT, TPOT, tokens/s) and an RL step by phase (generation, scoring, training). Every range
// comes from the utilisation band (default_training_mfu, default_decode_efficiency).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "vramplan/text_format.hpp"
#include "time_parts.hpp"

namespace vramplan::time {

// The LM head multiplies every token (2 d V), the input embedding is a lookup: count the matmul
// parameters as active - embedding + vocab x hidden (Kaplan 2020 §2.1 excludes embeddings from N;
// the output projection is a real GEMM, as Narayanan 2021's V/(16 l h) term counts it).
detail::Shape detail::shape_of(const Scenario& s, const ParamCounts& p) {
  const TransformerStack& t = s.model.config.text;
  Shape sh;
  const double head = static_cast<double>(s.model.config.vocab_size) * static_cast<double>(t.hidden_size);
  sh.n = std::max(0.0, static_cast<double>(p.active - p.embedding) + head);
  sh.layers = static_cast<double>(t.layers);
  sh.width = static_cast<double>(t.num_heads * t.head_dim);
  sh.hidden = static_cast<double>(t.hidden_size);
  return sh;
}

namespace {

using detail::Hardware;
using detail::Shape;
using detail::moe_routing_seconds;
using detail::narrow_experts;
using detail::optimizer_seconds;
using detail::refit_seconds;
using detail::engine_sleep_seconds;
using detail::routed_share;
using detail::shape_of;
using text::format;

// fp32 training runs the GEMMs in TF32 on Ampere and later: half the bf16 tensor rate (NVIDIA A100
// whitepaper: TF32 156 vs BF16 312 TFLOPS dense), stated as an assumption. The collective links come
// from the GPU catalog's interconnect entry (data/gpus.json, sources.interconnect: NVLink per GPU one
// direction, or the PCIe slot for PCIe cards) and, across nodes, from the cluster key or the NIC constant.
Hardware hardware_of(const Scenario& s, bool fp32) {
  const GpuSpec& g = *s.gpu;
  const bool nvlink = g.interconnect_kind.rfind("NVLink", 0) == 0;
  return {fp32 ? g.bf16_dense_flops / 2 : g.bf16_dense_flops, g.bandwidth_bytes_per_s, g.intra_node_bytes_per_s,
          s.cluster.inter_node_bytes_per_s.value_or(kInterNodeBytesPerS), g.architecture, g.interconnect_kind,
          nvlink ? kCollectiveNvlinkStepLatencySeconds : kCollectivePcieStepLatencySeconds};
}

// A utilisation the scenario sets (train.mfu, inference.mfu, inference.decode_efficiency) replaces the
// default band: value = low = high, so the range no longer reflects an MFU band (said in assumptions).
Band given_or(const std::optional<double>& given, Band fallback) {
  return given ? Band{*given, *given, *given} : fallback;
}

Range seconds_range(double work_at_one, Band b) {
  return {work_at_one / b.value, work_at_one / b.high, work_at_one / b.low};
}
Range rate_range(double amount, Range seconds) {
  auto rate = [&](double sec) { return sec > 0 ? amount / sec : 0.0; };
  return {rate(seconds.value), rate(seconds.high), rate(seconds.low)};
}
Range add(Range a, Range b) { return {a.value + b.value, a.low + b.low, a.high + b.high}; }
Range scale(Range a, double f) { return {a.value * f, a.low * f, a.high * f}; }

double flops_per_training_token(const Scenario& s, const Shape& sh, double trainable, double seq) {
  const bool lora = s.train.method != Method::full;
  double f = lora ? lora_training_flops_per_token(sh.n, trainable, sh.layers, sh.width, seq)
                  : full_training_flops_per_token(sh.n, sh.layers, sh.width, seq);
  if (s.train.gradient_checkpointing) f += recompute_flops_per_token(sh.n, sh.layers, sh.width, seq);
  return f;
}

// Data-parallel collectives of one optimizer step of `microbatches` accumulated micro-batches, at the
// default utilisation (they do not depend on the MFU).
double comm_seconds(const Scenario& s, const ParamCounts& p, const Hardware& hw, double dp, double microbatches,
                    TimeEstimate& out) {
  if (dp <= 1) return 0.0;
  const int stage = s.train.sharding == Sharding::zero3 || s.train.sharding == Sharding::fsdp ? 3
                    : s.train.sharding == Sharding::none                                      ? 0
                    : s.train.sharding == Sharding::zero1                                     ? 1
                                                                                              : 2;
  const double bytes_per = s.train.precision == Precision::fp32 ? 4.0 : 2.0;
  const double pp = static_cast<double>(s.train.pp);
  const double gpus = static_cast<double>(s.gpus);
  // The dense parameters are split over tp x pp and synchronised over the dp ranks; routed experts are split
  // over ep x etp x pp and synchronised only over their expert data-parallel ranks (Megatron-Core expert DP
  // group; FSDP2 over the mesh left after EP), which is 1 when EP spans the data-parallel ranks.
  const double routed = static_cast<double>(p.routed_experts);
  const double dense = static_cast<double>(p.total) - routed;
  const double ep = static_cast<double>(s.train.ep), etp = static_cast<double>(s.train.expert_tp());
  const double edp = expert_data_parallel_ranks(gpus, ep, etp, pp);
  // DDP/ZeRO-1/2 move only the gradients of trainable parameters; FSDP/ZeRO-3 also gathers the
  // frozen base under LoRA (it is sharded like the rest).
  const bool full = s.train.method == Method::full;
  auto step_bytes = [&](double params, double split) {
    const double grads = (full ? std::max(params, 1.0) : 1.0) * bytes_per;
    return data_parallel_step_bytes(stage, params * bytes_per, grads, microbatches) / split;
  };
  const double link = collective_link_bytes_per_s(gpus, hw.intra, hw.inter);
  if (hw.intra <= 0) {
    out.warnings.push_back("time: the GPU catalog has no interconnect entry for " + s.gpu->id +
                           "; collectives use kFallbackIntraNodeBytesPerS (PCIe 4.0 x16)");
  }
  const std::string over = gpus > kGpusPerNode ? format("the inter-node link, %.0f GB/s per GPU (%s)", hw.inter / 1e9,
                                                        s.cluster.inter_node_bytes_per_s ? "cluster.inter_node_bytes_per_s"
                                                                                         : "kInterNodeBytesPerS")
                                               : hw.link + format(", %.0f GB/s per GPU", link / 1e9);
  out.assumptions.push_back("data-parallel collectives over " + std::to_string(static_cast<long long>(dp)) +
                            " ranks on " + over +
                            format(" at %.0f%% of peak; %.0f%% of them can overlap compute", kCollectiveEfficiency * 100,
                                   kCommOverlapFraction * 100));
  const double routed_bytes = routed > 0 ? step_bytes(routed, ep * etp * pp) : 0.0;
  return data_parallel_sync_seconds(step_bytes(dense, static_cast<double>(s.train.tp) * pp), dp, routed_bytes, edp, link);
}


}  // namespace

namespace {


// Compute plus the part of the collectives that does not hide under it, for one end of the band.
Range with_comm(Range compute, double comm) {
  auto total = [&](double c) { return c + exposed_comm_seconds(comm, c, kCommOverlapFraction); };
  return {total(compute.value), total(compute.low), total(compute.high)};
}

// Data-parallel ranks of the training layout (gpus / (tp x pp x cp)).
double data_parallel_ranks(const Scenario& s, double gpus) {
  return std::max(1.0, std::floor(gpus / static_cast<double>(s.train.tp * s.train.pp * s.train.cp)));
}

// train.fp8 runs the block linears' GEMMs in fp8 (Transformer Engine, torchao) where the GPU has fp8 tensor
// cores (compute capability >= 8.9: TE and torchao refuse older GPUs); the time model then uses the fp8 peak
// with the fp8 MFU band (kMfuFp8, measured against that peak). Without an fp8 peak the bf16 one stays.
Hardware fp8_training_hardware(const Scenario& s, Hardware hw, TimeEstimate& out) {
  if (s.train.fp8 == Fp8Recipe::none || s.train.method == Method::qlora) return hw;
  if (!s.gpu->fp8_dense_flops || !(*s.gpu->fp8_dense_flops > 0)) {
    out.assumptions.push_back(std::string("train.fp8 ") + to_string(s.train.fp8) + ": the GPU has no fp8 tensor cores "
                              "(Transformer Engine and torchao need compute capability 8.9+); timed at the bf16 peak");
    return hw;
  }
  hw.peak = *s.gpu->fp8_dense_flops;
  hw.fp8 = true;
  out.assumptions.push_back(format("train.fp8 %s: GEMMs at the GPU's fp8 peak (%.0f TFLOP/s) with the fp8 MFU band "
                                   "(kMfuFp8)",
                                   to_string(s.train.fp8), hw.peak / 1e12));
  return hw;
}

// Seconds of a training pass over `tokens` tokens of `seq` on `gpus` GPUs in one optimizer step of
// `microbatches` micro-batches per data-parallel rank: compute (MoE experts at their grouped-GEMM rate),
// the pipeline bubble, QLoRA's dequantisation, MoE routing traffic, the optimizer step and the exposed
// data-parallel communication.
Range training_seconds(const Scenario& s, const TimeInputs& in, const Hardware& hw, double tokens, double seq,
                       double gpus, double microbatches, TimeEstimate& out) {
  const Shape sh = shape_of(s, *in.params);
  const Band mfu = given_or(s.train.mfu, default_training_mfu(hw.arch, hw.fp8, seq, s.train.gradient_checkpointing));
  out.utilisation = mfu.value;
  const double dp = data_parallel_ranks(s, gpus);
  // Micro-batches per pipeline flush (Narayanan 2021 s2.2.1: bubble (p-1)/m): the accumulated micro-batches
  // of one optimizer step on each data-parallel rank.
  const double bubble = pipeline_bubble_fraction(static_cast<double>(s.train.pp), microbatches);
  const double flops = flops_per_training_token(s, sh, in.trainable_params, seq) * tokens *
                       moe_compute_factor(routed_share(s, *in.params, sh), narrow_experts(s));
  Range compute = seconds_range(compute_seconds(flops, gpus, hw.peak, 1.0) * (1 + bubble), mfu);
  if (s.train.method == Method::qlora) {
    const double passes = s.train.gradient_checkpointing ? 3.0 : 2.0;
    const double split = static_cast<double>(s.train.tp * s.train.pp);
    const double deq = dequant_seconds(static_cast<double>(in.params->total) / split, passes, hw.bandwidth,
                                       kDecodeBandwidthEfficiency);
    compute = add(compute, {deq, deq, deq});
  }
  const double fixed = moe_routing_seconds(s, *in.params, hw, tokens, gpus, true, out) +
                       optimizer_seconds(s, in, hw, dp, out);
  compute = add(compute, {fixed, fixed, fixed});
  if (bubble > 0) {
    out.assumptions.push_back(format("pipeline bubble (pp-1)/m = %.3f with m = %.0f micro-batch(es) per data-parallel "
                                     "rank and step", bubble, microbatches));
  }
  return with_comm(compute, comm_seconds(s, *in.params, hw, dp, microbatches, out));
}

void push(TimeEstimate& out, const char* id, Range r, std::string formula) {
  out.terms.push_back({id, r, std::move(formula)});
}

void training_time(const Scenario& s, const TimeInputs& in, const Hardware& bf16_hw, TimeEstimate& out) {
  const Hardware hw = fp8_training_hardware(s, bf16_hw, out);
  const double gpus = static_cast<double>(s.gpus);
  const double dp = data_parallel_ranks(s, gpus);
  const double seq = static_cast<double>(s.train.seq_len);
  const double accum = static_cast<double>(s.train.gradient_accumulation_steps);
  const double tokens = static_cast<double>(s.train.micro_batch_size) * seq * dp * accum;
  const Range step = training_seconds(s, in, hw, tokens, seq, gpus, accum, out);
  out.tokens_per_step = tokens;
  push(out, "step_seconds", step,
       format("training FLOPs per token (%s) x %.0f tokens / (%.0f GPUs x %.1f TFLOP/s x MFU %.2f), plus the optimizer "
              "step and exposed communication",
              s.train.method == Method::full ? "6N + 12 L h s" : "4N + 12 L h s + 6 x adapters", tokens, gpus,
              hw.peak / 1e12, out.utilisation));
  push(out, "tokens_per_second", rate_range(tokens, step), "tokens per step / step_seconds");
  push(out, "tokens_per_second_per_gpu", rate_range(tokens / gpus, step), "tokens_per_second / GPUs");
  out.assumptions.push_back(format("one optimizer step = micro_batch_size x seq_len x gradient_accumulation_steps (%.0f) "
                                   "tokens on each of the %.0f data-parallel ranks; every token is a real token",
                                   accum, dp));
  if (s.train.gradient_checkpointing) out.assumptions.push_back("gradient checkpointing recomputes one forward");
}

struct DecodeCase {
  double batch = 1, prompt = 0, output = 0, gpus_per_engine = 1;
  Band prefill = default_prefill_mfu(), decode = default_decode_efficiency();
  double weight_bytes = 0;        // per GPU
  double kv_bytes_per_token = 0;  // per GPU
};

// One request's prefill (compute bound) and one decode step of `batch` sequences at the mean context
// (prompt + output / 2), at one end of the bands.
struct Serving {
  Range ttft, tpot;
};
Serving serve(const Shape& sh, const Hardware& hw, const DecodeCase& c) {
  const Band pre = c.prefill, eff = c.decode;
  const double prefill_flops = c.prompt * inference_flops_per_token(sh.n, sh.layers, sh.width, c.prompt / 2);
  const Range ttft = seconds_range(prefill_flops / (c.gpus_per_engine * hw.peak), pre);
  const double ctx = c.prompt + c.output / 2;
  const double bytes = c.weight_bytes + c.batch * c.kv_bytes_per_token * ctx;
  const double flops = c.batch * inference_flops_per_token(sh.n, sh.layers, sh.width, ctx) / c.gpus_per_engine;
  // Tensor parallelism: two all-reduces of tokens x hidden x 2 bytes per layer (Megatron row-parallel
  // attention output and MLP down projection; vLLM RowParallelLinear -> tensor_model_parallel_all_reduce),
  // latency bound at decode (NCCL tuning model), bandwidth bound in a long prefill. Not overlapped.
  const double tp = c.gpus_per_engine;
  const double link = hw.intra > 0 ? hw.intra : kFallbackIntraNodeBytesPerS;
  auto reduces = [&](double tokens) {
    return tp > 1 ? 2 * sh.layers * small_all_reduce_seconds(tokens * sh.hidden * 2, tp, hw.step_latency, link) : 0.0;
  };
  const double pre_ar = reduces(c.prompt), dec_ar = reduces(c.batch);
  auto step = [&](double e, double m) {
    return decode_step_seconds(bytes, flops, hw.bandwidth, e, hw.peak, m) + dec_ar;
  };
  return {add(ttft, {pre_ar, pre_ar, pre_ar}), {step(eff.value, pre.value), step(eff.high, pre.high), step(eff.low, pre.low)}};
}

// Continuous batching at a steady concurrency B: a request's `output` decode steps share the engine with
// the prefills of the B - 1 others, one each per request lifetime. vLLM's V1 scheduler
// (vllm/v1/core/sched/scheduler.py schedule(): waiting requests' prompt tokens go into the same step as the
// running decodes, up to max_num_batched_tokens) runs such a step at the prefill's compute time, so each one
// lengthens the step by (TTFT - decode step) (Agrawal et al. 2024, Sarathi-Serve, OSDI, s2.3 "generation
// stalls"). Spread over the output: TPOT + (B - 1) x max(0, TTFT - TPOT) / output.
Range with_other_prefills(const Serving& r, const DecodeCase& c) {
  if (c.batch <= 1 || c.output <= 0) return r.tpot;
  auto at = [&](double ttft, double tpot) { return tpot + (c.batch - 1) * std::max(0.0, ttft - tpot) / c.output; };
  return {at(r.ttft.value, r.tpot.value), at(r.ttft.low, r.tpot.low), at(r.ttft.high, r.tpot.high)};
}

// fp8 weights run fp8 GEMMs (W8A8) on GPUs with fp8 tensor cores, compute capability >= 8.9; older GPUs
// run them weight-only (W8A16, FP8 Marlin) at the bf16 rate (vLLM docs/features/quantization/fp8.md). The
// catalog's fp8 peak marks the former.
Hardware serving_hardware(const Scenario& s, Hardware hw, TimeEstimate& out) {
  if (s.inference.weight_dtype != DType::fp8 || !s.gpu->fp8_dense_flops || !(*s.gpu->fp8_dense_flops > 0)) return hw;
  hw.peak = *s.gpu->fp8_dense_flops;
  out.assumptions.push_back(format("fp8 weights compute at the GPU's fp8 peak (%.0f TFLOP/s, vLLM W8A8)", hw.peak / 1e12));
  return hw;
}

void serving_time(const Scenario& s, const TimeInputs& in, const Hardware& bf16_hw, TimeEstimate& out) {
  const InferenceSettings& inf = s.inference;
  const Hardware hw = serving_hardware(s, bf16_hw, out);
  const double per_engine = static_cast<double>(inf.tp * inf.pp);
  DecodeCase c;
  const double context = static_cast<double>(inf.context_len);
  c.prompt = inf.output_len ? context - static_cast<double>(*inf.output_len) : std::floor(context / 2);
  c.output = context - c.prompt;
  c.gpus_per_engine = static_cast<double>(inf.tp);
  c.weight_bytes = static_cast<double>(in.params->total) * memory::quantized_bytes_per_param(inf.weight_dtype) /
                   per_engine * static_cast<double>(inf.pp);
  c.kv_bytes_per_token = in.kv_bytes_per_token * static_cast<double>(inf.pp);
  const double pool = inf.engine == Engine::vllm ? std::floor(in.max_concurrent_sequences) : 1e18;
  c.batch = std::max(1.0, std::min(static_cast<double>(inf.batch_size), pool));
  c.prefill = given_or(inf.mfu, c.prefill);
  c.decode = given_or(inf.decode_efficiency, c.decode);
  Serving r = serve(shape_of(s, *in.params), hw, c);
  if (inf.engine == Engine::vllm) r.tpot = with_other_prefills(r, c);
  out.utilisation = c.decode.value;
  const double engines = std::max(1.0, std::floor(static_cast<double>(s.gpus) / per_engine));
  push(out, "time_to_first_token_seconds", r.ttft,
       format("prefill of %.0f prompt tokens x (2N + 2 L ctx h) / (%.0f GPUs x peak x prefill MFU %.2f)", c.prompt,
              c.gpus_per_engine, c.prefill.value));
  push(out, "time_per_output_token_seconds", r.tpot,
       format("max((weights + %.0f sequences x KV at %.0f tokens) / (bandwidth x %.2f), FLOPs / (peak x MFU))%s",
              c.batch, c.prompt + c.output / 2, c.decode.value,
              inf.engine == Engine::vllm && c.batch > 1 ? " + (B - 1) x (TTFT - step) / output tokens" : ""));
  push(out, "output_tokens_per_second", scale(rate_range(c.batch, r.tpot), engines),
       format("%.0f sequences / time_per_output_token x %.0f engine(s)", c.batch, engines));
  if (inf.tp > 1) {
    out.assumptions.push_back(format("tensor parallel %lld: 2 all-reduces of tokens x hidden per layer in every step "
                                     "(NCCL's latency model), not overlapped", static_cast<long long>(inf.tp)));
  }
  out.assumptions.push_back(format("a request is %.0f prompt tokens then %.0f output tokens (%s); %.0f sequences "
                                   "decode at once (batch_size%s)",
                                   c.prompt, c.output,
                                   inf.output_len ? "inference.output_len" : "context_len split in half", c.batch,
                                   inf.engine == Engine::vllm ? ", at most what the KV pool holds" : ""));
  if (inf.engine == Engine::vllm && c.batch > 1) {
    out.assumptions.push_back("steady continuous batching: each request's decode steps also carry the other "
                              "requests' prefills (one each per request), counted in time_per_output_token");
  }
}

// Generation: each engine decodes its sequences in waves of what its KV pool holds; every wave is one
// prefill and `response` decode steps (synchronous rollout: the step waits for the wave's end).
Range generation_seconds(const Scenario& s, const TimeInputs& in, const Hardware& hw, double prompt,
                         double response) {
  const RolloutSettings& r = s.rl.rollout;
  DecodeCase c;
  c.prompt = prompt;
  c.output = response;
  c.gpus_per_engine = static_cast<double>(r.tp);
  c.weight_bytes = static_cast<double>(in.params->total) * 2.0 / c.gpus_per_engine;
  c.kv_bytes_per_token = in.kv_bytes_per_token;
  c.batch = std::max(1.0, std::floor(in.max_concurrent_sequences));
  const double waves = std::ceil(std::max(1.0, in.rollout_sequences_per_engine) / c.batch);
  c.batch = std::min(c.batch, std::max(1.0, in.rollout_sequences_per_engine));
  const Serving sv = serve(shape_of(s, *in.params), hw, c);
  Range wave = add(sv.ttft, scale(sv.tpot, response));
  // A synchronous rollout waits for its slowest generation (Tinker cookbook "Async RL": "each step samples
  // a batch, waits for its slowest rollout"; DAPO arXiv 2503.14476 s3.4 on long responses): after the mean
  // length the batch drains to its longest answers, which decode up to max_response_len at a near-empty
  // batch (a step then costs about one read of the weights). Counted as batch-1 steps past the mean.
  const double tail = static_cast<double>(r.max_response_len) - response;
  if (tail > 0) {
    DecodeCase last = c;
    last.batch = 1;
    last.output = static_cast<double>(r.max_response_len);
    wave = add(wave, scale(serve(shape_of(s, *in.params), hw, last).tpot, tail));
  }
  return scale(wave, waves);
}

void rl_time(const Scenario& s, const TimeInputs& in, const Hardware& hw, TimeEstimate& out) {
  const RolloutSettings& r = s.rl.rollout;
  const double prompt = static_cast<double>(r.mean_prompt_len.value_or(r.max_prompt_len));
  const double response = static_cast<double>(r.mean_response_len.value_or(r.max_response_len));
  const double packed_len = s.rl.sequence_packing ? prompt + response
                                                  : static_cast<double>(r.max_prompt_len + r.max_response_len);
  const double sequences = static_cast<double>(r.prompts_per_step * r.generations_per_prompt);
  const double tokens = sequences * packed_len;
  const double train_gpus = std::max(1.0, in.train_gpus);
  const double sleep = engine_sleep_seconds(s, *in.params, out);
  const double offload =
      s.rl.phase_offload ? detail::trainer_offload_seconds(s, in, data_parallel_ranks(s, train_gpus), out) : 0.0;
  const double refit = refit_seconds(s, *in.params, hw, out) + sleep + offload;
  const Range gen = add(generation_seconds(s, in, hw, prompt, response), {refit, refit, refit});
  // Micro-batches per data-parallel rank of the train and log-prob passes (packed bins of micro_batch_size x
  // (max prompt + max response) tokens with sequence packing, else micro_batch_size sequences).
  const double dp = data_parallel_ranks(s, train_gpus);
  const double micro = static_cast<double>(std::max<std::int64_t>(1, s.train.micro_batch_size));
  const double bin = static_cast<double>(r.max_prompt_len + r.max_response_len);
  const double microbatches = rl_microbatches(tokens / dp, sequences / dp, micro, bin, s.rl.sequence_packing);
  // Scoring: forwards of the policy (old log-probs), the reference and the critic over every sequence. Under
  // pipeline parallelism each forward-only pass fills and drains the pipeline like a training pass
  // (Megatron-Core schedules.py forward_backward_pipelining_without_interleaving with forward_only=True, which
  // NeMo RL's get_logprobs calls): the same (pp-1)/m bubble.
  const Shape sh = shape_of(s, *in.params);
  const double passes = 1.0 + (s.rl.reference ? 1.0 : 0.0) + (s.rl.critic ? 1.0 : 0.0);
  const double score_flops = passes * tokens * inference_flops_per_token(sh.n, sh.layers, sh.width, packed_len / 2);
  const double moe = moe_compute_factor(routed_share(s, *in.params, sh), narrow_experts(s));
  const double score_bubble = pipeline_bubble_fraction(static_cast<double>(s.train.pp), microbatches);
  Range score = seconds_range(compute_seconds(score_flops * moe, train_gpus, hw.peak, 1.0) * (1 + score_bubble),
                              given_or(s.train.mfu, default_training_mfu(hw.arch, false, packed_len)));
  const double score_routing = passes * moe_routing_seconds(s, *in.params, hw, tokens, train_gpus, false, out);
  score = add(score, {score_routing, score_routing, score_routing});
  // An RL train phase runs every rollout sequence through those micro-batches in one optimizer step.
  const Hardware train_hw = fp8_training_hardware(s, hw, out);
  Range train = training_seconds(s, in, train_hw, tokens, packed_len, train_gpus, microbatches, out);
  if (s.rl.critic) train = scale(train, 2.0);
  out.phases.reserve(3);  // rollout, scoring, train: no regrowth (a TimePhase carries strings)
  // One %s for the transition's parts (no extra formatting on the RL path).
  const char* const both = " and the engine's sleep/wake, the trainer's offload and reference swap";
  const char* transition = sleep > 0 ? (offload > 0 ? both : " and the engine's sleep/wake")
                                     : (offload > 0 ? ", the trainer's offload and reference swap" : "");
  out.phases.push_back({"rollout", gen, format("refit of the new weights%s (%.2f s), then "
                                                  "%.0f sequences of %.0f + %.0f tokens in waves of what the KV pool "
                                                  "holds: prefill + %.0f decode steps each",
                                                  transition, refit, sequences,
                                                  prompt, response, response)});
  out.phases.push_back({"scoring", score, format("%.0f forward pass(es) x 2N + 2 L ctx h per token over %.0f tokens",
                                                 passes, tokens)});
  out.phases.push_back({"train", train, s.rl.critic ? "policy and critic training steps over the batch"
                                                       : "one training pass (6N + 12 L h s) over the batch"});
  const Range step = add(add(gen, score), train);
  out.tokens_per_step = tokens;
  push(out, "step_seconds", step, "generation + scoring + training (synchronous, on-policy)");
  push(out, "tokens_per_second", rate_range(tokens, step), "sequences x tokens per sequence / step_seconds");
  push(out, "tokens_per_second_per_gpu", rate_range(tokens / static_cast<double>(s.gpus), step),
       "tokens_per_second / GPUs (NeMo RL's tokens/sec/GPU)");
  out.assumptions.push_back("the rollout generates mean lengths (rl.rollout.mean_*_len, else the maxima), then waits "
                            "for its longest answers: steps from the mean response to max_response_len at batch 1; no "
                            "reward-model forward is counted");
}

void given_utilisation_assumptions(const Scenario& s, TimeEstimate& out) {
  auto given = [&](const char* key, const std::optional<double>& v) {
    if (v) out.assumptions.push_back(format("%s = %.3g set by the scenario: value = low = high, no band", key, *v));
  };
  if (s.workload == Workload::inference) {
    given("inference.mfu (prefill MFU)", s.inference.mfu);
    given("inference.decode_efficiency", s.inference.decode_efficiency);
  } else {
    given("train.mfu", s.train.mfu);
  }
}

}  // namespace

TimeEstimate estimate_time(const Scenario& s, const TimeInputs& in) {
  TimeEstimate out;
  if (!s.gpu || in.params == nullptr || !(s.gpu->bf16_dense_flops > 0) || !(s.gpu->bandwidth_bytes_per_s > 0)) {
    out.warnings.push_back("time: no GPU in the scenario, so no peak FLOP/s or bandwidth to time the job on");
    return out;
  }
  out.available = true;
  out.terms.reserve(12);  // the quantities and run totals of one workload, without regrowing
  out.assumptions.reserve(8);
  const bool fp32 = s.workload != Workload::inference && s.train.precision == Precision::fp32;
  const Hardware hw = hardware_of(s, fp32);
  if (fp32) out.assumptions.push_back("fp32 training runs its GEMMs in TF32 at half the bf16 peak");
  given_utilisation_assumptions(s, out);
  if (s.workload == Workload::train) training_time(s, in, hw, out);
  if (s.workload == Workload::inference) serving_time(s, in, hw, out);
  if (s.workload == Workload::rl) rl_time(s, in, hw, out);
  if (s.cluster.inter_node_bytes_per_s && static_cast<double>(s.gpus) <= kGpusPerNode) {
    out.warnings.push_back("time: cluster.inter_node_bytes_per_s has no effect: the job's GPUs fit one node of 8");
  }
  add_run_totals(s, out);
  return out;
}

}  // namespace vramplan::time
