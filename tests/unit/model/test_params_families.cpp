// Exact parameter counts of the families added with issue 17, on the catalog entries (data/models.json
// holds each model's real config.json). Each test pins the count derived by hand from the transformers
// modeling file (the arithmetic is in the comment) and checks it against the published figure with the
// rounding rule of test_params.cpp: within 0.5%, or half a unit of the last printed digit when looser.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "model/params_test_support.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/model.hpp"
#include "vramplan/params.hpp"

using vramplan::ParamCounts;
using vramplan::params_test::check_published;
using vramplan::params_test::group;

namespace {

// The config.json an entry of data/models.json holds, as the file has it (the compiled-in catalog keeps only
// what the readers make of it).
vramplan::Json raw_config(const std::string& id) {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/data/models.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const vramplan::Json file = vramplan::Json::parse(text);
  for (const auto& m : file.at("models")) {
    if (m.at("id") == id) return m.at("config");
  }
  FAIL("no entry " << id << " in data/models.json");
  return {};
}

const vramplan::CatalogModel& entry(const std::string& id) {
  const auto catalog = vramplan::load_catalog();
  REQUIRE(catalog.ok());
  const auto entries = catalog.value()->models.every_entry();
  REQUIRE(entries.ok());
  for (const auto* m : entries.value()) {
    if (m->id == id) return *m;
  }
  FAIL("no catalog entry " << id);
  throw 0;  // unreachable: FAIL throws
}

ParamCounts counts_of(const std::string& id) {
  const auto& m = entry(id);
  CHECK(m.config.counter == "exact");
  return vramplan::params_test::counts(m.config);
}

}  // namespace

TEST_CASE("gpt_bigcode (SantaCoder): multi-query c_attn, learned positions, tied head: 1.12B") {
  // layer: ln_1 + ln_2 4*2048 + c_attn 2048*(2048+2*128)+2304 + c_proj 2048^2+2048
  //        + c_fc 2048*8192+8192 + c_proj 8192*2048+2048 = 42,490,112; x24 = 1,019,762,688
  // + wte 49280*2048 + wpe 2048*2048 + ln_f 4096
  const ParamCounts c = counts_of("bigcode/gpt_bigcode-santacoder");
  CHECK(c.total == 1'124'886'528);
  CHECK(group(c, "position_embedding") == 4'194'304);
  check_published(c.total, 1.12e9, 0.01e9);
  CHECK(entry("bigcode/gpt_bigcode-santacoder").config.text.num_kv_heads == 1);
}

TEST_CASE("gpt_bigcode (StarCoder 15.5B config.json): the exact reader gives the hand count") {
  // bigcode/starcoder config.json (architecture keys); the same count test_generic.cpp derives by hand.
  const auto m = vramplan::model_from_hf_config(vramplan::Json::parse(R"({"model_type": "gpt_bigcode",
    "architectures": ["GPTBigCodeForCausalLM"], "activation_function": "gelu_pytorch_tanh", "multi_query": true,
    "n_embd": 6144, "n_head": 48, "n_inner": 24576, "n_layer": 40, "n_positions": 8192, "vocab_size": 49152,
    "layer_norm_epsilon": 1e-05})"), "");
  REQUIRE(m.ok());
  CHECK(m.value().counter == "exact");
  const std::int64_t h = 6144, hd = 128, inner = 24576;
  const std::int64_t block = h * (h + 2 * hd) + (h + 2 * hd) + h * h + h + h * inner + inner + inner * h + h + 4 * h;
  const auto c = vramplan::count_params(m.value());
  REQUIRE(c.ok());
  CHECK(c.value().total == 49152 * h + 8192 * h + 40 * block + 2 * h);
  check_published(c.value().total, 15.5e9, 0.1e9);
}

TEST_CASE("starcoder2-7b: LayerNorms and biases, plain MLP, tied head: 7.17B") {
  // layer: q/o 2*(4608^2+4608) + k/v 2*(4608*512+512) + c_fc 4608*18432+18432 + c_proj 18432*4608+4608
  //        + 2 LayerNorms 4*4608 = 217,106,944; x32 + embed 49152*4608 + final LayerNorm 9216
  const ParamCounts c = counts_of("bigcode/starcoder2-7b");
  CHECK(c.total == 7'173'923'840);
  CHECK(group(c, "lm_head") == 0);
  check_published(c.total, 7.17e9, 0.01e9);
  CHECK(entry("bigcode/starcoder2-7b").config.text.sliding_window == 4096);
}

TEST_CASE("cohere (Aya 23 8B): one weight-only LayerNorm per layer, tied: 8.03B") {
  // layer: attention 2*4096^2 + 2*4096*1024 + MLP 3*4096*14336 + norm 4096 = 218,107,904;
  // x32 + embed 256000*4096 + final norm 4096
  const ParamCounts c = counts_of("CohereForAI/aya-23-8B");
  CHECK(c.total == 8'028'033'024);
  check_published(c.total, 8.03e9, 0.01e9);
}

TEST_CASE("llava-1.5-7b: CLIP ViT-L/14-336 + projector + Llama-2-7B with LlamaConfig defaults: 7.06B") {
  // vision: class 1024 + patch 3*14*14*1024 + positions 577*1024 + pre/post LayerNorm 2*2048
  //         + 24 * (4*(1024^2+1024) + 1024*4096+4096 + 4096*1024+1024 + 4*1024) = 303,507,456
  // projector: 1024*4096+4096 + 4096^2+4096 = 20,979,712
  // text: 32 * 202,383,360 + 2 * 32064*4096 + 4096 = 6,738,939,904
  const ParamCounts c = counts_of("llava-hf/llava-1.5-7b-hf");
  CHECK(group(c, "vision") == 303'507'456 + 20'979'712);
  CHECK(c.total == 7'063'427'072);
  check_published(c.total, 7.06e9, 0.01e9);
  const auto& m = entry("llava-hf/llava-1.5-7b-hf").config;
  CHECK(m.text.intermediate_size == 11008);  // LlamaConfig default: the file names no width
  CHECK(m.vocab_size == 32064);
}

TEST_CASE("gpt-j-6b: parallel block, biased MLP, lm_head with bias") {
  // layer: ln_1 8192 + q/k/v/out 4*4096^2 + fc_in 4096*16384+16384 + fc_out 16384*4096+4096
  //        = 201,355,264; x28 + wte 50400*4096 + lm_head 50400*4096+50400 + ln_f 8192
  const ParamCounts c = counts_of("EleutherAI/gpt-j-6b");
  CHECK(c.total == 6'050'882'784);
  // The card's 6,053,381,344 was counted on the original JAX checkpoint; 0.04% apart.
  check_published(c.total, 6'053'381'344.0, 1.0);
}

TEST_CASE("gpt_neox (RedPajama-INCITE 3B): fused qkv with bias, two LayerNorms, untied: 2.8B") {
  // layer: 2 LayerNorms 4*2560 + qkv 2560*7680+7680 + dense 2560^2+2560 + MLP 2*2560*10240+10240+2560
  //        = 78,676,480; x32 + embed_in + embed_out 2*50432*2560 + final LayerNorm 5120
  const ParamCounts c = counts_of("togethercomputer/RedPajama-INCITE-Base-3B-v1");
  CHECK(c.total == 2'775'864'320);
  check_published(c.total, 2.8e9, 0.1e9);
}

TEST_CASE("stablelm-3b-4e1t: exactly the card's 2,795,443,200") {
  const auto& e = entry("stabilityai/stablelm-3b-4e1t");
  const ParamCounts c = counts_of(e.id);
  REQUIRE(e.published_params.has_value());
  CHECK(c.total == *e.published_params);
}

TEST_CASE("internlm2 (InternLM2.5 7B): Llama-shaped with fused wqkv: 7.74B") {
  // layer: 2*4096^2 + 2*4096*1024 + 3*4096*14336 + 2*4096 = 218,112,000; x32 + 2*92544*4096 + 4096
  const ParamCounts c = counts_of("internlm/internlm2_5-7b-chat");
  CHECK(c.total == 7'737'708'544);
  check_published(c.total, 7.74e9, 0.01e9);
}

TEST_CASE("granite 3.3 8B: Llama weights, scalar multipliers, tied: 8.17B") {
  // layer: 2*4096^2 + 2*4096*1024 + 3*4096*12800 + 2*4096 = 199,237,632; x40 + 49159*4096 + 4096
  const ParamCounts c = counts_of("ibm-granite/granite-3.3-8b-instruct");
  CHECK(c.total == 8'170'864'640);
  check_published(c.total, 8.17e9, 0.01e9);
}

TEST_CASE("falcon-7b: multi-query fused qkv, parallel block, no biases, tied") {
  // layer: qkv 4544*(4544+2*64) + dense 4544^2 + MLP 2*4544*18176 + one LayerNorm 9088 = 207,070,080;
  // x32 + word_embeddings 65024*4544 + ln_f 9088. The card says 7B; the HF page's 7.22B counts the
  // tied lm_head that the checkpoint stores a second time (6.92B + 65024*4544 = 7.22B).
  const ParamCounts c = counts_of("tiiuae/falcon-7b-instruct");
  CHECK(c.total == 6'921'720'704);
  check_published(c.total, 7e9, 1e9);
  check_published(c.total + 65'024LL * 4544, 7.22e9, 0.01e9);
  CHECK(entry("tiiuae/falcon-7b-instruct").config.text.num_kv_heads == 1);
}

TEST_CASE("gpt-oss-20b: biased experts and router, attention sinks: 20.91B total, 3.61B active") {
  // layer: q 2880*4096+4096, k/v 2*(2880*512+512), o 4096*2880+2880, sinks 64 = 26,550,144;
  // experts 32 * (2880*5760+5760 + 2880*2880+2880) = 796,538,880; router 32*2880+32; norms 2*2880
  // = 823,186,976 per layer; x24 + embed + lm_head 2*201088*2880 + norm 2880
  const ParamCounts c = counts_of("openai/gpt-oss-20b");
  CHECK(c.total == 20'914'757'184);
  check_published(c.total, 20.91e9, 0.01e9);
  // The card's active count leaves out the embedding table (a lookup), keeps the unembedding.
  check_published(c.active - 201'088LL * 2880, 3.61e9, 0.01e9);
  const auto& m = entry("openai/gpt-oss-20b").config;
  CHECK(m.text.sliding_window_layers == 12);
  CHECK(m.text.moe.experts_per_token == 4);
}

TEST_CASE("mistral3 (Mistral Small 3.1): Pixtral tower + patch merger + Mistral text: 24.0B") {
  // vision: patch_conv 3*14*14*1024 + ln_pre 1024 + 24 * (4*1024^2 + 3*1024*4096 + 2*1024) = 403,305,472
  // projector: norm 1024 + merging 4096*1024 + linear_1 1024*5120 + linear_2 5120^2 = 35,652,608
  // text: 40 * 555,755,520 + 2 * 131072*5120 + 5120 = 23,572,403,200
  const ParamCounts c = counts_of("mistralai/Mistral-Small-3.1-24B-Instruct-2503");
  CHECK(group(c, "vision") == 403'305'472 + 35'652'608);
  CHECK(c.total == 24'011'361'280);
  check_published(c.total, 24.0e9, 0.1e9);
}

TEST_CASE("a wrapper around a text or vision model without an exact reader is counted generically") {
  vramplan::Json llava = raw_config("llava-hf/llava-1.5-7b-hf");
  llava["vision_config"]["model_type"] = "siglip_vision_model";
  // The generic counter reads sizes only from the file, so this text_config names them.
  llava["text_config"]["hidden_size"] = 4096;
  llava["text_config"]["num_hidden_layers"] = 32;
  llava["text_config"]["intermediate_size"] = 11008;
  const auto m = vramplan::model_from_hf_config(llava, "");
  REQUIRE(m.ok());
  CHECK(m.value().counter == "generic");
  CHECK(vramplan::count_params(m.value()).ok());
  vramplan::Json mistral = raw_config("mistralai/Mistral-Small-3.1-24B-Instruct-2503");
  mistral["text_config"]["model_type"] = "ministral3";
  const auto g = vramplan::model_from_hf_config(mistral, "");
  REQUIRE(g.ok());
  CHECK(g.value().counter == "generic");
}

TEST_CASE("new families: errors name the field") {
  vramplan::Json falcon = raw_config("tiiuae/falcon-7b-instruct");
  falcon["num_ln_in_parallel_attn"] = 3;
  falcon["new_decoder_architecture"] = true;
  const auto bad = vramplan::model_from_hf_config(falcon, "/model");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().pointer == "/model/num_ln_in_parallel_attn");
  vramplan::Json oss = raw_config("openai/gpt-oss-20b");
  oss["num_experts_per_tok"] = 33;
  const auto top_k = vramplan::model_from_hf_config(oss, "/model");
  REQUIRE_FALSE(top_k.ok());
  CHECK(top_k.error().pointer == "/model/num_experts_per_tok");
  vramplan::Json bigcode = raw_config("bigcode/gpt_bigcode-santacoder");
  bigcode["n_head"] = 15;  // does not divide n_embd 2048
  const auto split = vramplan::model_from_hf_config(bigcode, "");
  REQUIRE_FALSE(split.ok());
  CHECK(split.error().pointer == "/n_head");
}

TEST_CASE("wav2vec2-base-960h: conv feature encoder + positional conv + 12 layers + CTC head: 94.4M") {
  // frontend: conv 1*512*10 + GroupNorm 2*512 + 4 * 512*512*3 + 2 * 512*512*2 = 4,200,448;
  //   projection LayerNorm 2*512 + 512*768+768; masked_spec_embed 768;
  //   pos_conv weight_v 768*48*128 + weight_g 128 + bias 768 = 4,719,488 -> 9,315,712 in all
  // encoder LayerNorm 1536; layers 12 * (4*(768^2+768) + 768*3072+3072 + 3072*768+768 + 2*1536)
  //   = 85,054,464; CTC lm_head 768*32+32
  const ParamCounts c = counts_of("facebook/wav2vec2-base-960h");
  CHECK(group(c, "audio_frontend") == 9'315'712);
  CHECK(group(c, "embedding") == 0);
  CHECK(c.total == 94'396'320);
  check_published(c.total, 94.4e6, 0.1e6);
  const auto& m = entry("facebook/wav2vec2-base-960h").config;
  CHECK(m.kind == vramplan::ModelKind::encoder);
  CHECK(m.vocab_size == 32);
}
