// Exact counts of the vision-language families of issue 17's "any model" part: Mllama (Llama 3.2 Vision:
// cross-attention layers, tiled ViT), Phi-3.5-vision (phi3_v: CLIP tower + HD-transform projector) and
// InternVL (InternViT + pixel-shuffle MLP, both config layouts), and Mistral 3's Pixtral image rule. Each
// config is a fixture under tests/unit/model/configs/ with its source URL and the published figure, here
// the Hugging Face safetensors parameter counts: the count must equal them exactly.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "model/params_test_support.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/media.hpp"
#include "vramplan/memory.hpp"

using vramplan::ModelConfig;
using vramplan::ParamCounts;
using vramplan::params_test::counts;
using vramplan::params_test::fixture_config;
using vramplan::params_test::group;

namespace {

ModelConfig model_of(const vramplan::Json& config) { return vramplan::params_test::exact_model(config); }

}  // namespace

TEST_CASE("mllama (Llama-3.2-11B-Vision): 8 cross-attention layers, tiled ViT: exactly the safetensors count") {
  const ModelConfig m = model_of(fixture_config("llama-3.2-11b-vision-instruct.json"));
  const ParamCounts c = counts(m);
  // text: self layers 41,943,040 (attention) + 176,160,768 (MLP) + 8,192 (norms) = 218,112,000; the 8
  //   cross layers add q_norm, k_norm (128 each) and two gates: 218,112,258.
  //   embed_tokens (128256 + 8) x 4096 = 525,369,344, lm_head 128256 x 4096 = 525,336,576, norm 4096.
  // vision (num_patches (560/14)^2 + 1 = 1601, 9 aspect-ratio ids, 4 tiles): patch 752,640 + class 1280 +
  //   gated positions 1 + 1601 x 1280 + tile embedding 9 x 4 x 1601 x 1280 = 73,774,080 + pre/post tile
  //   2 x (9 x 4 x 1280 + 1) + 2 LayerNorms 5,120 + 32 layers x 19,672,320 + 8 global layers x 19,672,322
  //   = 863,567,379; projector 7680 x 4096 + 4096 = 31,461,376.
  CHECK(m.text.cross_attention_layers == 8);
  CHECK(group(c, "layers") == 32 * 218'112'000LL + 8 * 218'112'258LL);
  CHECK(group(c, "embedding") == 525'369'344);
  CHECK(group(c, "lm_head") == 525'336'576);
  CHECK(group(c, "vision") == 863'567'379 + 31'461'376);
  CHECK(c.total == 10'670'220'835);  // HF safetensors metadata, the fixture's "published"
  // KV: 32 self-attention layers per token (2 x 8 x 128 x 2 B each); the 8 cross layers keep one image's
  // 4 x 1601 positions per sequence: 8 x 2 x 8 x 128 x 6404 x 2 B = 209,846,272 B.
  const auto kv = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 1.0, false);
  CHECK(kv.full_bytes == doctest::Approx(32 * 4'096.0));
  CHECK(kv.state_bytes == doctest::Approx(209'846'272.0));
  CHECK(!m.model_warnings.empty());
}

TEST_CASE("phi3_v (Phi-3.5-vision): Phi-3 mini + CLIP ViT-L/14-336 + HD projector: exactly the safetensors count") {
  const ModelConfig m = model_of(fixture_config("phi-3.5-vision-instruct.json"));
  const ParamCounts c = counts(m);
  // text: Phi-3.5-mini, 32 x 113,252,352 + 2 x 32064 x 3072 + 3072 = 3,821,079,552
  // CLIP vision model: class 1024 + patch 602,112 + positions 577 x 1024 + 2 LayerNorms (pre, post) 4,096
  //   + 24 x 12,596,224 = 303,507,456; img_projection 4096 x 3072 + 3072 + 3072 x 3072 + 3072 = 22,026,240;
  //   glb_GN + sub_GN 2 x 4096.
  CHECK(c.total - group(c, "vision") == 3'821'079'552);
  CHECK(group(c, "vision") == 303'507'456 + 22'026'240 + 8'192);
  CHECK(c.total == 4'146'621'440);
}

TEST_CASE("internvl_chat (InternVL2.5-4B and -1B): InternViT-300M + pixel-shuffle MLP: exactly the safetensors counts") {
  // InternViT-300M: cls 1024 + patch conv 602,112 + 1024 + positions 1025 x 1024 + 24 layers x (qkv
  //   3,148,800 + proj 1,049,600 + fc1 4,198,400 + fc2 4,195,328 + 2 LayerNorms 4,096 + ls1/ls2 2,048 =
  //   12,598,272) = 304,012,288. Projector: LayerNorm(4096) 8,192 + 4096 x h + h + h x h + h.
  const std::int64_t vit = 304'012'288;
  const ModelConfig m4 = model_of(fixture_config("internvl2_5-4b.json"));
  const ParamCounts c4 = counts(m4);
  // Qwen2.5-3B layers with vocab 151,674 untied: 3,085,938,688 - 151936 x 2048 + 2 x 151674 x 2048.
  CHECK(group(c4, "vision") == vit + 8'192 + 4096 * 2048 + 2048 + 2048 * 2048 + 2048);
  CHECK(c4.total - group(c4, "vision") == 3'396'030'464);
  CHECK(c4.total == 3'712'637'952);
  const ModelConfig m1 = model_of(fixture_config("internvl2_5-1b.json"));
  CHECK(counts(m1).total == 938'193'024);
}

TEST_CASE("internvl (transformers -hf layout) counts the same modules as internvl_chat") {
  // convert_internvl_weights_to_hf.py: llm_config -> text_config, vision_config intern_vit_6b ->
  // internvl_vision (qkv_bias -> attention_bias, qk_normalization -> use_qk_norm).
  vramplan::Json hf = fixture_config("internvl2_5-4b.json");
  hf["model_type"] = "internvl";
  hf["text_config"] = hf["llm_config"];
  hf.erase("llm_config");
  vramplan::Json& v = hf["vision_config"];
  v = vramplan::Json{{"model_type", "internvl_vision"}, {"hidden_size", 1024}, {"num_hidden_layers", 24},
                     {"num_attention_heads", 16}, {"intermediate_size", 4096}, {"attention_bias", true},
                     {"use_qk_norm", false}, {"norm_type", "layer_norm"}, {"image_size", {448, 448}},
                     {"patch_size", {14, 14}}, {"use_mean_pooling", true}};
  CHECK(counts(model_of(hf)).total == 3'712'637'952);
  v["attention_bias"] = false;  // the class default: no q/k/v biases
  CHECK(counts(model_of(hf)).total == 3'712'637'952 - 24 * 3 * 1024);
}

TEST_CASE("mistral3 (Pixtral): longest_edge resize, patch x merge rounding, [IMG_BREAK] per row, [IMG_END]") {
  // PixtralImageProcessor get_resize_output_image_size with patch 14 x merge 2 = 28, longest_edge 1540:
  //   1024 x 1024: no downscale; ceil(1024 / 28) = 37 -> 1036 x 1036; 74 x 74 = 5,476 patches; 37 rows of
  //   37 [IMG] + 1 [IMG_BREAK] (the last one [IMG_END]) = 1,406 tokens.
  //   3000 x 1000 (w x h): ratio 3000/1540; w = floor(1540.0) = 1540 -> 55 x 28; h = floor(513.33) = 513 ->
  //   19 x 28 = 532; 19 rows x (55 + 1) = 1,064 tokens; 110 x 38 = 4,180 patches.
  CHECK(vramplan::pixtral_resize(1024, 1024, 1540, 28).height == 1036);
  const auto wide = vramplan::pixtral_resize(1000, 3000, 1540, 28);
  CHECK(wide.width == 1540);
  CHECK(wide.height == 532);
  CHECK(vramplan::pixtral_resize(1, 1, 1540, 28).width == 28);
  const auto catalog = vramplan::load_catalog();
  REQUIRE(catalog.ok());
  const vramplan::CatalogModel* entry = vramplan::find_model(*catalog.value(), "mistralai/Mistral-Small-3.1-24B-Instruct-2503");
  REQUIRE(entry != nullptr);
  const ModelConfig* m = &entry->config;
  REQUIRE(m->vision_input.scheme == vramplan::VisionScheme::pixtral);
  CHECK(m->vision_input.image_size == 1540);
  vramplan::MediaInput in;
  in.images = 2;
  const auto t = vramplan::media_tokens(*m, in);
  CHECK(t.tokens_per_image == 37 * 38);
  CHECK(t.tower_positions == 74 * 74);
  CHECK(t.llm_tokens == 2 * 1'406);
  CHECK(t.warnings.empty());
  in.image_width = 3000;
  in.image_height = 1000;
  const auto w = vramplan::media_tokens(*m, in);
  CHECK(w.tokens_per_image == 19 * 56);
  CHECK(w.tower_positions == 110 * 38);
}

TEST_CASE("internvl tiles: closest aspect-ratio grid of 448 tiles, thumbnail, 256 tokens per tile + <img></img>") {
  // get_optimal_tiled_canvas over (w, h) grids of 1..12 tiles sorted by w x h:
  //   1024 x 1024: aspect 1 ties (1,1), (2,2), (3,3); the area 1,048,576 exceeds 0.5 x 448^2 x 4 = 401,408 and
  //   0.5 x 448^2 x 9 = 903,168, so (3,3): 9 tiles + thumbnail = 10 tiles of 1,025 positions, 2,562 tokens.
  //   800 x 600: aspect 4/3; (1,1) 1/3 off, (2,2) ties and wins on area, (3,2) 1/6 off, (4,3) exact: 12 tiles +
  //   thumbnail = 13, 13 x 256 + 2 = 3,330 tokens.
  //   448 x 448: aspect 1; the area 200,704 is not above 401,408: (1,1), one tile, no thumbnail.
  CHECK(vramplan::closest_tile_grid(1024, 1024, 448, 1, 12).width == 3);
  const auto wide = vramplan::closest_tile_grid(600, 800, 448, 1, 12);
  CHECK(wide.width == 4);
  CHECK(wide.height == 3);
  CHECK(vramplan::closest_tile_grid(448, 448, 448, 1, 12).width == 1);
  CHECK(vramplan::closest_tile_grid(100, 5000, 448, 1, 12).width == 12);  // aspect 50: the widest grid, 12 x 1
  const ModelConfig m = model_of(fixture_config("internvl2_5-4b.json"));
  REQUIRE(m.vision_input.scheme == vramplan::VisionScheme::tiles);
  vramplan::MediaInput in;
  in.images = 1;
  const auto t = vramplan::media_tokens(m, in);
  CHECK(t.tiles == 10);
  CHECK(t.tower_positions == 10 * 1025);
  CHECK(t.tokens_per_image == 10 * 256 + 2);
  in.image_width = 800;
  in.image_height = 600;
  CHECK(vramplan::media_tokens(m, in).tokens_per_image == 13 * 256 + 2);
  in.image_width = in.image_height = 448;
  const auto one = vramplan::media_tokens(m, in);
  CHECK(one.tiles == 1);
  CHECK(one.tokens_per_image == 258);
}
