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

TEST_CASE("gemma3n (Gemma 3n E4B): AltUp, LAuReL, per-layer embeddings, MobileNetV5 and conformer towers") {
  const ModelConfig m = model_of(fixture_config("gemma-3n-e4b-it.json"));
  const ParamCounts c = counts(m);
  // One decoder layer (h 2048, 8 q / 2 kv heads x 256, MLP 16384): attention 2 x 2048 x 2048 + 2 x 2048 x 512 =
  //   10,485,760 + q/k norms 512 + MLP 3 x 2048 x 16384 = 100,663,296 + 4 norms 8,192 + AltUp (scale 2048,
  //   correction 4x4, prediction 4x16, router 2048 x 4, router norm 2048) 12,368 + LAuReL 2 x 2048 x 64 + 2048 =
  //   264,192 + per-layer gate and projection 2 x 2048 x 256 + norm 2048 = 1,050,624: 112,484,944.
  CHECK(group(c, "layers") == 35 * 112'484'944LL);
  CHECK(group(c, "embedding") == 262'400LL * 2048);                    // tied lm_head: no lm_head group
  CHECK(group(c, "lm_head") == 0);
  CHECK(group(c, "per_layer_embedding") == 262'144LL * 35 * 256);       // 2,348,810,240
  // per_layer_model_projection 2048 x 8960 + its norm 256 + 3 altup + 3 unembed projections 2048 x 2048.
  CHECK(group(c, "per_layer_projections") == 18'350'080 + 256 + 6 * 4'194'304);
  CHECK(c.total - group(c, "vision") - group(c, "audio_encoder") == 6'866'696'688);
  // Ollama's text-only gemma3n:e4b is listed at 6.87B, maceip/gemma3n-executorch's text export with a separate
  // lm_head at 7.40b (three significant digits).
  vramplan::params_test::check_published(c.total - group(c, "vision") - group(c, "audio_encoder"), 6.87e9, 0.01e9);
  vramplan::params_test::check_published(c.total - group(c, "vision") - group(c, "audio_encoder") + 262'400LL * 2048,
                                         7.40e9, 0.01e9);
  // Audio: sscp conv 128 x 3 x 3 + norm 128, conv 128 x 32 x 3 x 3 + norm 32, input_proj (32 x 32) x 1536 =
  //   1,611,040; 12 conformer blocks of 24 x 1536^2 + per_dim_scale 192 + depthwise 1536 x 5 + 9 norms x 1536 =
  //   56,644,800; embed_audio 128 x 1536 + 2 x 1536 + 1536 x 2048 = 3,345,408.
  CHECK(group(c, "audio_encoder") == 1'611'040 + 12 * 56'644'800LL + 3'345'408);
  // MobileNetV5-300M: stem 1,792; stage 1 (3 er) 1,492,608; stage 2 (5 uir) 2,439,168; stage 3: uir 1,425,664 +
  //   7 x 3,297,280 + 821,120 + 13 x (mqa 1,079,040 + uir 1,640,960) = 60,687,744; stage 4: uir 5,483,520 +
  //   19 x (mqa 4,180,480 + uir 6,558,720) = 211,540,480; fusion adapter 1920 x 3840 + 3840 + 3840 x 2048 + 2048 +
  //   norm 2048 = 15,245,056. embed_vision 128 x 2048 + 2 x 2048 + 2048 x 2048 = 4,460,544.
  CHECK(group(c, "vision") == 1'792 + 1'492'608 + 2'439'168 + 60'687'744 + 211'540'480 + 15'245'056 + 4'460'544);
  CHECK(c.total == 7'847'258'128);
  vramplan::params_test::check_published(c.total, 8e9, 1e9);  // card: "raw parameter count of this model is 8B"
  // Embeddings (no FLOPs): the token table and the per-layer table.
  CHECK(c.embedding == 262'400LL * 2048 + 262'144LL * 35 * 256);
  // KV: layers 20..34 share; of them 3 are full (24, 29, 34) and 12 sliding: 4 full + 16 sliding layers cache.
  CHECK(m.text.kv_shared_layers == 15);
  CHECK(m.text.kv_shared_window_layers == 12);
  const auto kv = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 1.0, false);
  CHECK(kv.full_bytes == doctest::Approx(4 * 2.0 * 2 * 256 * 2));
  CHECK(kv.window_bytes == doctest::Approx(16 * 2.0 * 2 * 256 * 2));
  CHECK(kv.window == doctest::Approx(512));
  // AltUp carries 4 streams; each block keeps (2 x 4 + 8) x 2048 + 64 + 6 x 256 = 34,368 more elements a token.
  CHECK(m.text.residual_streams == 4);
  CHECK(m.text.extra_saved_per_token == 34'368);
  // Images and audio have their rules (tests/unit/plan/test_media_inputs.cpp): no warning says they are missing.
  CHECK(m.vision_input.scheme == vramplan::VisionScheme::mobilenet);
  CHECK(m.audio_input.scheme == vramplan::AudioScheme::usm_conformer);
  for (const auto& w : m.model_warnings) CHECK(w.find("no image or audio rule") == std::string::npos);
}

TEST_CASE("gemma3n (Gemma 3n E2B): 30 layers of MLP 8192, 10 KV-shared; gemma3n_text alone; unequal MLP widths") {
  const ModelConfig m = model_of(fixture_config("gemma-3n-e2b-it.json"));
  const ParamCounts c = counts(m);
  // Layer: 112,484,944 - 3 x 2048 x (16384 - 8192) = 62,153,296; PLE 262144 x 30 x 256; projections 2048 x 7680
  //   + 256 + 6 x 2048^2; the same towers as E4B.
  const std::int64_t text = 262'400LL * 2048 + 262'144LL * 30 * 256 + 30 * 62'153'296LL + 2048 + 15'728'640 + 256 +
                            6 * 4'194'304LL;
  CHECK(text == 4'456'156'768);
  CHECK(c.total - group(c, "vision") - group(c, "audio_encoder") == text);
  vramplan::params_test::check_published(text, 4.46e9, 0.01e9);  // Ollama gemma3n:e2b, gemma3n-executorch: 4.46B
  CHECK(c.total == text + 684'694'048 + 295'867'392);
  // Layers 20..29 share: 2 full (24, 29), 8 sliding; 4 full and 16 sliding layers keep K/V.
  CHECK(m.text.kv_shared_layers == 10);
  CHECK(m.text.kv_shared_window_layers == 8);

  // The text model on its own (gemma3n_text, Gemma3nForCausalLM): no towers.
  vramplan::Json text_config = fixture_config("gemma-3n-e2b-it.json").at("text_config");
  const ModelConfig t = model_of(text_config);
  CHECK(counts(t).total == text);
  // A MatFormer mix-and-match list: every layer is counted at the widest MLP, and a warning says by how much.
  vramplan::Json mixed = text_config;
  mixed["intermediate_size"] = vramplan::Json::array();
  for (int i = 0; i < 30; ++i) mixed["intermediate_size"].push_back(i < 10 ? 4096 : 8192);
  const ModelConfig x = model_of(mixed);
  CHECK(x.text.intermediate_size == 8192);
  CHECK(counts(x).total == text);
  REQUIRE(x.model_warnings.size() == 1);
  CHECK(x.model_warnings[0].find(std::to_string(3LL * 2048 * 4096 * 10)) != std::string::npos);
  // Bad input names the field.
  vramplan::Json bad = text_config;
  bad["intermediate_size"] = vramplan::Json::array({8192, 8192});
  const auto err = vramplan::model_from_hf_config(bad, "/model");
  REQUIRE(!err.ok());
  CHECK(err.error().pointer == "/model/intermediate_size");
  vramplan::Json odd = fixture_config("gemma-3n-e2b-it.json");
  odd["vision_config"]["architecture"] = "resnet50";
  const ModelConfig o = model_of(odd);
  CHECK(counts(o).total == text + 684'694'048 + 4'460'544);  // the unknown timm tower is left out, with a warning
  CHECK(o.model_warnings.size() == 1);
}

TEST_CASE("phi3_v HD transform: num_crops crops of 336 + global, 144 tokens each, row separators") {
  // calc_hd_transform_size: the largest scale with scale x ceil(scale / ratio) <= num_crops, width scale x 336,
  // height width / ratio padded up to a multiple of 336; portrait images are transposed first.
  const auto square = vramplan::phi3v_hd_transform_size(1024, 1024, 4, 336);  // scale 2 (3 x 3 = 9 > 4)
  CHECK(square.height == 672);
  CHECK(square.width == 672);
  const auto wide = vramplan::phi3v_hd_transform_size(1000, 3000, 16, 336);  // ratio 3: scale 6 (7 x 3 > 16)
  CHECK(wide.width == 2016);
  CHECK(wide.height == 672);
  const auto tall = vramplan::phi3v_hd_transform_size(1200, 600, 4, 336);  // transposed: 672 x 336, back
  CHECK(tall.height == 672);
  CHECK(tall.width == 336);
  // Phi-3.5-vision (its preprocessor's num_crops 4): 1024 x 1024 -> 2 x 2 crops + the global one:
  // (4 + 1) x 144 + 1 + (2 + 1) x 12 = 757 tokens; the tower runs over the 5 crops of 24^2 + 1 = 577 positions.
  const ModelConfig m = model_of(fixture_config("phi-3.5-vision-instruct.json"));
  REQUIRE(m.vision_input.scheme == vramplan::VisionScheme::hd_crops);
  vramplan::MediaInput in;
  in.images = 2;
  const auto t = vramplan::media_tokens(m, in);
  CHECK(t.tokens_per_image == 757);
  CHECK(t.llm_tokens == 2 * 757);
  CHECK(t.tiles == 5);
  CHECK(t.tower_positions == 5 * 577);
  in.image_width = 600;
  in.image_height = 1200;
  CHECK(vramplan::media_tokens(m, in).tokens_per_image == (2 + 1) * 144 + 1 + 3 * 12);  // 469
  // A config that does not name Phi-3.5 takes Phi-3-vision-128k's 16 crops: 1024^2 -> 4 x 4, 2,509 tokens,
  // the tower over 17 crops.
  vramplan::Json phi3 = fixture_config("phi-3.5-vision-instruct.json");
  phi3["_name_or_path"] = "Phi-3-vision-128k-instruct";
  in.image_width = in.image_height = 1024;
  const auto t16 = vramplan::media_tokens(model_of(phi3), in);
  CHECK(t16.tokens_per_image == 17 * 144 + 1 + 5 * 12);
  CHECK(t16.tower_positions == 17 * 577);
}

TEST_CASE("mllama tiles: every image padded to 4 tiles of 560, 1,601 positions padded to 1,608, one <|image|> token") {
  const ModelConfig m = model_of(fixture_config("llama-3.2-11b-vision-instruct.json"));
  REQUIRE(m.vision_input.scheme == vramplan::VisionScheme::mllama_tiles);
  vramplan::MediaInput in;
  in.images = 1;
  in.image_width = 300;
  in.image_height = 200;
  const auto t = vramplan::media_tokens(m, in);
  // (560 / 14)^2 + class = 1,601, padded to a multiple of 8: 1,608; x 4 tiles whatever the image's size.
  CHECK(t.tower_positions == 4 * 1608);
  CHECK(t.tiles == 1);
  CHECK(t.tokens_per_image == 1);
  CHECK(t.llm_tokens == 1);
  in.image_width = in.image_height = 2000;
  CHECK(vramplan::media_tokens(m, in).tower_positions == 4 * 1608);
}

TEST_CASE("llama4 tiles: get_best_fit canvas of at most 16 tiles of 336, global tile, 144 tokens per tile") {
  // 1024^2: upscaling needs 4 tiles a side (3 x 336 < 1024): 4 x 4, scale 1.3125; 16 tiles + the global one.
  const auto c = vramplan::llama4_best_fit(1024, 1024, 336, 16);
  CHECK(c.height == 1344);
  CHECK(c.width == 1344);
  // 800 wide x 600 high: the smallest upscale is 2 x 336 / 600 = 1.12 (2 rows, 3..8 columns): the least area 2 x 3.
  const auto b = vramplan::llama4_best_fit(600, 800, 336, 16);
  CHECK(b.height == 672);
  CHECK(b.width == 1008);
  // 5000 x 1000: no canvas upscales; the largest downscale is 2 x 8 (min(0.672, 0.5376)).
  const auto d = vramplan::llama4_best_fit(1000, 5000, 336, 16);
  CHECK(d.height == 672);
  CHECK(d.width == 2688);
  const ModelConfig m = model_of(fixture_config("llama4-scout-17b-16e-instruct.json"));
  REQUIRE(m.vision_input.scheme == vramplan::VisionScheme::llama4_tiles);
  CHECK(m.vision_input.tokens_per_image == 144);  // (336 / 14)^2 / 4 (pixel shuffle 0.5)
  vramplan::MediaInput in;
  in.images = 1;
  const auto t = vramplan::media_tokens(m, in);
  // <|image_start|> + 16 x 144 + 4 rows x 3 x-separators + 4 y-separators + <|image|> + 144 + <|image_end|>.
  CHECK(t.tokens_per_image == 1 + 16 * 144 + 12 + 4 + 1 + 144 + 1);
  CHECK(t.tiles == 17);
  CHECK(t.tower_positions == 17 * 577);
  in.image_width = 800;
  in.image_height = 600;
  CHECK(vramplan::media_tokens(m, in).tokens_per_image == 1 + 6 * 144 + 2 * 2 + 2 + 1 + 144 + 1);  // 1,017
  in.image_width = 300;
  in.image_height = 200;
  const auto small = vramplan::media_tokens(m, in);  // one tile (scale 1.12, least area), no global tile
  CHECK(small.tokens_per_image == 147);
  CHECK(small.tower_positions == 577);
}

TEST_CASE("phi4mm / phi4_multimodal (Phi-4-multimodal-instruct): SigLIP + conformer + LoRA adapters: 5.57B") {
  const vramplan::Json config = fixture_config("phi-4-multimodal-instruct.json");
  const ModelConfig m = model_of(config);
  const ParamCounts c = counts(m);
  // Text (Phi-4-mini): qkv 3072 x (24 + 2 x 8) x 128 = 15,728,640 + o 3072^2 + gate_up 3072 x 16384 + down 8192 x
  //   3072 + 2 norms = 100,669,440 per layer; x 32 + embed 200064 x 3072 (tied) + norm 3072 = 3,836,021,760.
  CHECK(c.total - group(c, "vision") - group(c, "audio_encoder") - group(c, "lora_adapters") == 3'836'021'760);
  // Vision (SigLIP 27 x 1152, MLP 4304, 448 / 14): patch conv 3 x 14^2 x 1152 + 1152 = 678,528; positions 32^2 x 1152
  //   = 1,179,648; layers 27 x (4 x (1152^2 + 1152) + 2 x 1152 x 4304 + 4304 + 1152 + 4 x 1152) = 27 x 15,239,504;
  //   post_layernorm 2,304; pooling head: probe 1152 + in_proj 3 x 1152^2 + 3 x 1152 + out_proj 1152^2 + 1152 +
  //   LayerNorm 2,304 + MLP 9,921,872 = 15,238,352; image projections 1152 x 3072 + 3072 + 3072^2 + 3072 + 2 x
  //   1152 = 12,984,576.
  CHECK(group(c, "vision") == 678'528 + 1'179'648 + 27 * 15'239'504LL + 2'304 + 15'238'352 + 12'984'576);
  // Audio (conformer 24 x 1024): nemo subsampling conv 1 -> 1024 (10,240) + 2 x (depthwise 10,240 + pointwise
  //   1,049,600) + out 1024 x 10 x 1024 + 1024 (80 mel bins halved 3 times: 10) = 12,616,704; T5 bias 1000 buckets x
  //   16 heads = 16,000; block: 2 MLPs x (LayerNorm 2,048 + gate_up 1024 x 3072 + 3072 + down 1536 x 1024 + 1024)
  //   = 9,449,472 + attention 4 x (1024^2 + 1024) = 4,198,400 + conv module (LayerNorm 2,048, GLU 1024 x 2048 +
  //   2048 + b1, b2 2,048, depthwise 1024 x 3 + 1024, pointwise 1024^2 + 1024, ext_pw 1024^2 + 1024) = 4,206,592 +
  //   2 LayerNorms 4,096 = 17,858,560; projections 2 x (1024 x 3072 + 3072 + 3072^2 + 3072) = 25,178,112.
  CHECK(group(c, "audio_encoder") == 12'616'704 + 16'000 + 24 * 17'858'560LL + 25'178'112);
  // LoRA adapters on qkv (3072 + 5120), o (3072 + 3072), gate_up (3072 + 16384), down (8192 + 3072): 45,056 x r per
  //   layer; x 32 x (vision r 256 + speech r 320).
  CHECK(group(c, "lora_adapters") == 45'056LL * 32 * (256 + 320));
  CHECK(c.total == 5'574'460'224);
  vramplan::params_test::check_published(c.total, 5.57e9, 0.005e9);  // the Hub's safetensors total
  vramplan::params_test::check_published(c.total, 5.6e9, 0.05e9);    // the model card
  CHECK(m.counter == "exact");

  // The native layout (transformers' conversion): vision_config and audio_config, no adapters in the model.
  vramplan::Json native = vramplan::Json::parse(R"({"model_type": "phi4_multimodal", "hidden_size": 3072,
    "intermediate_size": 8192, "num_hidden_layers": 32, "num_attention_heads": 24, "num_key_value_heads": 8,
    "vocab_size": 200064, "tie_word_embeddings": true, "vision_config": {}, "audio_config": {"bias_max_distance": 500}})");
  const ParamCounts n = counts(model_of(native));
  CHECK(n.total == 5'574'460'224 - 45'056LL * 32 * 576);
  CHECK(group(n, "lora_adapters") == 0);
  // Bad keys name their field.
  native["audio_config"]["time_reduction"] = 6;
  const auto bad = vramplan::model_from_hf_config(native, "/model");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().pointer == "/model/audio_config/time_reduction");
  vramplan::Json remote = config;
  remote["audio_processor"]["config"]["attention_heads"] = 7;
  const auto heads = vramplan::model_from_hf_config(remote, "");
  REQUIRE_FALSE(heads.ok());
  CHECK(heads.error().pointer == "/audio_processor/config/attention_heads");
}
