// model_from_hf_config: field mapping, transformers' class defaults, and errors that name the field.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "vramplan/model.hpp"

using vramplan::Json;
using vramplan::ModelConfig;

namespace {

ModelConfig parse_ok(const std::string& text, const std::string& pointer = "") {
  const auto m = vramplan::model_from_hf_config(Json::parse(text), pointer);
  INFO((m.ok() ? std::string() : m.error().line()));
  REQUIRE(m.ok());
  return m.value();
}

vramplan::Error parse_error(const std::string& text, const std::string& pointer = "") {
  const auto m = vramplan::model_from_hf_config(Json::parse(text), pointer);
  REQUIRE_FALSE(m.ok());
  return m.error();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A small valid Llama config to vary.
const char* const kLlama = R"({"model_type": "llama", "architectures": ["LlamaForCausalLM"],
  "_name_or_path": "meta-llama/Llama-3.1-8B", "hidden_size": 4096, "num_hidden_layers": 32,
  "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
  "vocab_size": 128256, "torch_dtype": "bfloat16"})";

std::string with(const std::string& key, const std::string& value) {
  Json j = Json::parse(kLlama);
  if (value == "<absent>") {
    j.erase(key);
  } else {
    j[key] = Json::parse(value);
  }
  return j.dump();
}

}  // namespace

TEST_CASE("Llama: fields, identity and class defaults") {
  const ModelConfig m = parse_ok(kLlama);
  CHECK(m.id == "meta-llama/Llama-3.1-8B");
  CHECK(m.model_type == "llama");
  CHECK(m.architecture == "LlamaForCausalLM");
  CHECK(m.torch_dtype == "bfloat16");
  CHECK(m.kind == vramplan::ModelKind::decoder);
  CHECK(m.text.head_dim == 128);
  CHECK(m.text.num_kv_heads == 8);
  CHECK_FALSE(m.tie_word_embeddings);          // LlamaConfig default
  CHECK(m.max_position_embeddings == 2048);    // LlamaConfig default when absent
  CHECK_FALSE(m.text.qkv_bias);
  CHECK(m.text.sliding_window == 0);
  CHECK(m.text.moe.is_dense());

  const ModelConfig no_kv = parse_ok(with("num_key_value_heads", "<absent>"));
  CHECK(no_kv.text.num_kv_heads == 32);  // LlamaConfig: num_key_value_heads defaults to heads
  const ModelConfig biased = parse_ok(with("attention_bias", "true"));
  CHECK(biased.text.qkv_bias);
  CHECK(biased.text.o_bias);
  const ModelConfig anonymous = parse_ok(with("_name_or_path", "<absent>"));
  CHECK(anonymous.id == "custom");
}

TEST_CASE("Mistral: sliding window on every layer (v0.1), none when null (v0.2+), Nemo head_dim") {
  const char* v01 = R"({"model_type": "mistral", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
    "vocab_size": 32000, "sliding_window": 4096})";
  const ModelConfig a = parse_ok(v01);
  CHECK(a.text.sliding_window == 4096);
  CHECK(a.text.sliding_window_layers == 32);
  Json v02 = Json::parse(v01);
  v02["sliding_window"] = nullptr;
  CHECK(parse_ok(v02.dump()).text.sliding_window == 0);
  // mistralai/Mistral-Nemo-Base-2407: hidden 5120 with 32 heads of head_dim 128.
  const ModelConfig nemo = parse_ok(R"({"model_type": "mistral", "hidden_size": 5120, "head_dim": 128,
    "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8,
    "intermediate_size": 14336, "vocab_size": 131072, "sliding_window": null})");
  CHECK(nemo.text.head_dim == 128);
}

TEST_CASE("Qwen2: q/k/v bias, sliding window only with use_sliding_window") {
  const char* base = R"({"model_type": "qwen2", "hidden_size": 896, "num_hidden_layers": 24,
    "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
    "vocab_size": 151936, "tie_word_embeddings": true, "sliding_window": 32768,
    "max_window_layers": 21, "use_sliding_window": false})";
  const ModelConfig off = parse_ok(base);
  CHECK(off.text.qkv_bias);
  CHECK_FALSE(off.text.o_bias);
  CHECK(off.text.head_dim == 64);
  CHECK(off.text.sliding_window == 0);
  Json on = Json::parse(base);
  on["use_sliding_window"] = true;
  const ModelConfig m = parse_ok(on.dump());
  CHECK(m.text.sliding_window == 32768);
  CHECK(m.text.sliding_window_layers == 24 - 21);  // layers with index >= max_window_layers
}

TEST_CASE("Gemma 2 alternates local and global layers; Gemma 3 is 5 local : 1 global") {
  const ModelConfig g2 = parse_ok(R"({"model_type": "gemma2", "hidden_size": 2304, "num_hidden_layers": 26,
    "intermediate_size": 9216, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
    "vocab_size": 256000, "sliding_window": 4096})");
  CHECK(g2.text.sliding_window_layers == 13);
  CHECK(g2.text.norms_per_layer == 4);
  CHECK(g2.tie_word_embeddings);  // Gemma2Config default

  const ModelConfig g3 = parse_ok(R"({"model_type": "gemma3_text", "hidden_size": 1152,
    "num_hidden_layers": 26, "intermediate_size": 6912, "num_attention_heads": 4,
    "num_key_value_heads": 1, "vocab_size": 262144, "sliding_window": 512})");
  CHECK(g3.text.head_dim == 256);  // Gemma3TextConfig default (not hidden / heads = 288)
  CHECK(g3.text.qk_norm);
  CHECK(g3.text.sliding_window == 512);
  CHECK(g3.text.sliding_window_layers == 26 - 26 / 6);  // layers 5, 11, 17, 23 are global

  // layer_types (transformers >= 4.53) wins over the pattern.
  Json typed = Json::parse(R"({"model_type": "gemma3_text", "hidden_size": 1152, "num_hidden_layers": 3,
    "intermediate_size": 6912, "vocab_size": 262144, "sliding_window": 512,
    "layer_types": ["sliding_attention", "full_attention", "full_attention"]})");
  CHECK(parse_ok(typed.dump()).text.sliding_window_layers == 1);
}

TEST_CASE("Gemma 3 multimodal: text_config defaults and the SigLIP tower") {
  const ModelConfig m = parse_ok(R"({"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
    "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                    "num_hidden_layers": 34, "sliding_window": 1024},
    "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
                      "model_type": "siglip_vision_model", "num_attention_heads": 16,
                      "num_hidden_layers": 27, "patch_size": 14, "vision_use_head": false},
    "torch_dtype": "bfloat16"})");
  CHECK(m.text.num_heads == 8);       // Gemma3TextConfig defaults
  CHECK(m.text.num_kv_heads == 4);
  CHECK(m.text.head_dim == 256);
  CHECK(m.vocab_size == 262208);
  CHECK(m.max_position_embeddings == 131072);
  CHECK(m.tie_word_embeddings);
  CHECK(m.text.sliding_window_layers == 34 - 5);
  REQUIRE(m.towers.size() == 1);
  CHECK(m.towers[0].name == "vision");
  CHECK(m.towers[0].stack.layers == 27);
  CHECK(m.towers[0].stack.head_dim == 72);
}

TEST_CASE("Phi-2, Phi-3, GPT-2, BERT, DistilBERT, Whisper field names") {
  const ModelConfig phi = parse_ok(R"({"model_type": "phi", "hidden_size": 2560, "num_hidden_layers": 32,
    "num_attention_heads": 32, "intermediate_size": 10240, "vocab_size": 51200})");
  CHECK(phi.text.norm == vramplan::NormKind::layer);
  CHECK(phi.text.mlp == vramplan::MlpKind::plain);
  CHECK(phi.text.norms_per_layer == 1);
  CHECK(phi.lm_head_bias);

  const ModelConfig phi3 = parse_ok(R"({"model_type": "phi3", "hidden_size": 3072, "num_hidden_layers": 32,
    "num_attention_heads": 32, "intermediate_size": 8192, "vocab_size": 32064, "sliding_window": 2047})");
  CHECK(phi3.text.sliding_window == 2047);
  CHECK(phi3.text.sliding_window_layers == 32);

  const ModelConfig gpt2 = parse_ok(R"({"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
    "n_positions": 1024, "n_inner": null, "vocab_size": 50257})");
  CHECK(gpt2.text.intermediate_size == 3072);  // n_inner None: 4 * n_embd
  CHECK(gpt2.learned_position_embeddings == 1024);
  CHECK(gpt2.tie_word_embeddings);

  const ModelConfig distil = parse_ok(R"({"model_type": "distilbert", "dim": 768, "n_layers": 6, "n_heads": 12,
    "hidden_dim": 3072, "architectures": ["DistilBertForMaskedLM"]})");
  CHECK(distil.kind == vramplan::ModelKind::encoder);
  CHECK(distil.vocab_size == 30522);
  CHECK(distil.mlm_head);

  const ModelConfig whisper = parse_ok(R"({"model_type": "whisper", "d_model": 1280, "encoder_layers": 32,
    "decoder_layers": 32, "encoder_attention_heads": 20, "decoder_attention_heads": 20,
    "encoder_ffn_dim": 5120, "decoder_ffn_dim": 5120, "num_mel_bins": 128,
    "max_source_positions": 1500, "max_target_positions": 448, "vocab_size": 51866})");
  CHECK(whisper.kind == vramplan::ModelKind::encoder_decoder);
  CHECK(whisper.text.cross_attention);
  CHECK_FALSE(whisper.text.k_bias);
  CHECK(whisper.max_position_embeddings == 448);
  REQUIRE(whisper.towers.size() == 1);
  CHECK(whisper.towers[0].name == "audio_encoder");
  CHECK(whisper.towers[0].stack.layers == 32);
}

TEST_CASE("MoE fields: Mixtral, Qwen3-MoE, Qwen2-MoE, DeepSeek-V3") {
  const ModelConfig mixtral = parse_ok(R"({"model_type": "mixtral", "hidden_size": 4096,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
    "intermediate_size": 14336, "vocab_size": 32000, "num_local_experts": 8, "num_experts_per_tok": 2})");
  CHECK(mixtral.text.moe.num_experts == 8);
  CHECK(mixtral.text.moe.experts_per_token == 2);
  CHECK(mixtral.text.moe.expert_intermediate == 14336);
  CHECK_FALSE(mixtral.text.moe.router_bias);

  const ModelConfig q3 = parse_ok(R"({"model_type": "qwen3_moe", "hidden_size": 2048, "head_dim": 128,
    "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 4,
    "intermediate_size": 6144, "moe_intermediate_size": 768, "num_experts": 128,
    "num_experts_per_tok": 8, "decoder_sparse_step": 2, "mlp_only_layers": [1, 3]})");
  // Sparse when (i + 1) % 2 == 0 and i not in mlp_only_layers: i = 1, 3, ..., 47 minus {1, 3}.
  CHECK(q3.text.moe.moe_layers == 22);
  CHECK(q3.text.qk_norm);

  const ModelConfig q2 = parse_ok(R"({"model_type": "qwen2_moe", "hidden_size": 2048,
    "num_hidden_layers": 24, "num_attention_heads": 16, "num_key_value_heads": 16,
    "intermediate_size": 5632, "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632,
    "num_experts": 60, "num_experts_per_tok": 4, "vocab_size": 151936})");
  CHECK(q2.text.moe.shared_experts == 1);
  CHECK(q2.text.moe.shared_intermediate == 5632);
  CHECK(q2.text.moe.shared_expert_gate);
  CHECK(q2.text.qkv_bias);

  const ModelConfig ds = parse_ok(R"({"model_type": "deepseek_v3", "hidden_size": 7168,
    "num_hidden_layers": 61, "intermediate_size": 18432, "q_lora_rank": 1536, "kv_lora_rank": 512,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "n_routed_experts": 256,
    "n_shared_experts": 1, "num_experts_per_tok": 8, "moe_intermediate_size": 2048,
    "first_k_dense_replace": 3, "moe_layer_freq": 1, "num_nextn_predict_layers": 1})");
  CHECK(ds.text.attention == vramplan::AttentionKind::mla);
  CHECK(ds.text.mla.q_lora_rank == 1536);
  CHECK(ds.text.moe.first_dense_layers == 3);
  CHECK(ds.text.moe.moe_layers == 58);
  CHECK(ds.text.moe.router_bias);  // e_score_correction_bias
  CHECK(ds.nextn_predict_layers == 1);

  // DeepSeek-V2-Lite: q_lora_rank null means a plain q_proj.
  const ModelConfig lite = parse_ok(R"({"model_type": "deepseek_v2", "hidden_size": 2048,
    "num_hidden_layers": 27, "intermediate_size": 10944, "q_lora_rank": null, "kv_lora_rank": 512,
    "n_routed_experts": 64, "n_shared_experts": 2, "num_experts_per_tok": 6,
    "moe_intermediate_size": 1408, "first_k_dense_replace": 1, "num_attention_heads": 16,
    "vocab_size": 102400, "topk_method": "greedy"})");
  CHECK(lite.text.mla.q_lora_rank == 0);
  CHECK(lite.text.moe.moe_layers == 26);
  CHECK_FALSE(lite.text.moe.router_bias);
}

TEST_CASE("Qwen2.5-VL: text at the top level or in text_config") {
  const char* top = R"({"model_type": "qwen2_5_vl", "hidden_size": 2048, "num_hidden_layers": 36,
    "num_attention_heads": 16, "num_key_value_heads": 2, "intermediate_size": 11008,
    "vocab_size": 151936, "tie_word_embeddings": true,
    "vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
                      "out_hidden_size": 2048, "in_chans": 3}})";
  const ModelConfig a = parse_ok(top);
  CHECK(a.text.hidden_size == 2048);
  CHECK(a.tie_word_embeddings);
  REQUIRE(a.towers.size() == 1);
  const ModelConfig b = parse_ok(R"({"model_type": "qwen2_5_vl", "tie_word_embeddings": true,
    "text_config": {"hidden_size": 2048, "num_hidden_layers": 36, "num_attention_heads": 16,
                    "num_key_value_heads": 2, "intermediate_size": 11008, "vocab_size": 151936},
    "vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
                      "out_hidden_size": 2048, "in_channels": 3}})");
  CHECK(b.text.hidden_size == a.text.hidden_size);
  CHECK(b.tie_word_embeddings);
  CHECK(b.towers[0].params == a.towers[0].params);
}

TEST_CASE("Errors name the field") {
  SUBCASE("an unknown model_type without attention heads names the key the generic counter needs") {
    Json j = Json::parse(with("model_type", "\"mamba\""));
    j.erase("num_attention_heads");
    const auto e = parse_error(j.dump(), "/model");
    CHECK(e.pointer == "/model/num_attention_heads");
    CHECK(contains(e.message, "generically"));
    CHECK(contains(e.message, "n_head"));
  }
  SUBCASE("model_type must be a string") {
    const auto e = parse_error(with("model_type", "5"));
    CHECK(e.pointer == "/model_type");
  }
  SUBCASE("missing hidden_size, inside a scenario") {
    const auto e = parse_error(with("hidden_size", "<absent>"), "/model");
    CHECK(e.pointer == "/model/hidden_size");
    CHECK(contains(e.message, "is required"));
    CHECK(e.line().rfind("error: /model/hidden_size: is required", 0) == 0);
  }
  SUBCASE("num_key_value_heads must divide num_attention_heads") {
    const auto e = parse_error(with("num_key_value_heads", "5"), "/model");
    CHECK(e.pointer == "/model/num_key_value_heads");
    CHECK(contains(e.message, "must divide"));
  }
  SUBCASE("zero heads") {
    const auto e = parse_error(with("num_attention_heads", "0"));
    CHECK(e.pointer == "/num_attention_heads");
    CHECK(contains(e.message, "got 0"));
  }
  SUBCASE("vocab 0") {
    const auto e = parse_error(with("vocab_size", "0"), "/model");
    CHECK(e.pointer == "/model/vocab_size");
  }
  SUBCASE("2^31 layers") {
    const auto e = parse_error(with("num_hidden_layers", "2147483648"), "/model");
    CHECK(e.pointer == "/model/num_hidden_layers");
    CHECK(contains(e.message, "2147483648"));
  }
  SUBCASE("hidden_size not divisible by heads needs head_dim") {
    const auto e = parse_error(with("hidden_size", "4100"), "/model");
    CHECK(e.pointer == "/model/head_dim");
    CHECK(contains(e.message, "not divisible"));
    CHECK(parse_ok(with("head_dim", "128")).text.head_dim == 128);
  }
  SUBCASE("GPT-2 heads must divide n_embd") {
    const auto e = parse_error(R"({"model_type": "gpt2", "n_embd": 770, "n_layer": 2, "n_head": 12})");
    CHECK(e.pointer == "/n_head");
  }
  SUBCASE("experts per token above the number of experts") {
    const auto e = parse_error(R"({"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
      "num_local_experts": 4, "num_experts_per_tok": 5})", "/model");
    CHECK(e.pointer == "/model/num_experts_per_tok");
  }
  SUBCASE("layer_types longer than the layers") {
    const auto e = parse_error(R"({"model_type": "gemma2", "hidden_size": 64, "num_hidden_layers": 1,
      "intermediate_size": 128, "layer_types": ["sliding_attention", "full_attention"]})");
    CHECK(e.pointer == "/layer_types");
  }
  SUBCASE("errors inside text_config carry its pointer") {
    const auto e = parse_error(R"({"model_type": "gemma3", "text_config": {"hidden_size": 2560,
      "num_hidden_layers": 34, "intermediate_size": 10240, "num_attention_heads": 0}})", "/model");
    CHECK(e.pointer == "/model/text_config/num_attention_heads");
  }
  SUBCASE("a config that is not an object") {
    const auto e = parse_error("[1, 2]", "/model");
    CHECK(e.pointer == "/model");
  }
  SUBCASE("wrong types") {
    CHECK(parse_error(with("hidden_size", "\"4096\"")).pointer == "/hidden_size");
    CHECK(parse_error(with("tie_word_embeddings", "1")).pointer == "/tie_word_embeddings");
    CHECK(parse_error(with("model_type", "7")).pointer == "/model_type");
  }
}

TEST_CASE("supported_model_types lists every family") {
  const auto& types = vramplan::supported_model_types();
  for (const char* t : {"llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma",
                        "gemma2", "gemma3_text", "gemma3", "phi", "phi3", "gpt2", "bert", "distilbert",
                        "whisper", "deepseek_v2", "deepseek_v3", "qwen2_vl", "qwen2_5_vl", "olmo2"}) {
    CHECK(std::find(types.begin(), types.end(), t) != types.end());
  }
}
