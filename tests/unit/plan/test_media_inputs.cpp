// Images and audio as inputs (issue 17 item 2): the positions each family's processor makes, the
// language model's longer sequence, and the towers' activations, hand-computed.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/media.hpp"
#include "vramplan/scenario.hpp"
#include "estimate_test_support.hpp"
#include "model/params_test_support.hpp"

using namespace vramplan;
using namespace vramplan::estimate_test;

namespace {

ModelConfig catalog_model(const char* id) {
  auto catalog = load_catalog();
  REQUIRE(catalog.ok());
  auto r = resolve_model(Json(id), "/model", *catalog.value());
  REQUIRE(r.ok());
  return r.value().config;
}

}  // namespace

TEST_CASE("Qwen2VL smart_resize follows transformers' rounding") {
  // 1024 / 28 = 36.57 -> round 37 -> 1036; 1036^2 = 1,073,296 is inside [3136, 12,845,056].
  CHECK(qwen_smart_resize(1024, 1024, 28, 3136, 12845056).height == 1036);
  // With the class default max_pixels 28 x 28 x 1280 = 1,003,520: 1036^2 is above it, so
  // beta = sqrt(1024^2 / 1,003,520) = 1.02220 and floor(1024 / 1.02220 / 28) x 28 = 35 x 28 = 980.
  const ResizedImage small = qwen_smart_resize(1024, 1024, 28, 3136, 1003520);
  CHECK(small.height == 980);
  CHECK(small.width == 980);
  // Below min_pixels: 20 x 20 rounds to 28 x 28 = 784 < 3136; beta = sqrt(3136 / 400) = 2.8, ceil(56 / 28) x 28 = 56.
  CHECK(qwen_smart_resize(20, 20, 28, 3136, 12845056).width == 56);
  // Python's round() takes ties to even: 42 / 28 = 1.5 -> 2 -> 56; 70 / 28 = 2.5 -> 2 -> 56.
  CHECK(qwen_smart_resize(42, 70, 28, 1, 12845056).height == 56);
  CHECK(qwen_smart_resize(42, 70, 28, 1, 12845056).width == 56);
}

TEST_CASE("Qwen2.5-VL-3B: two 1024x1024 images per sample") {
  const ModelConfig m = catalog_model("Qwen/Qwen2.5-VL-3B-Instruct");
  MediaInput in;
  in.images = 2;
  const MediaTokens t = media_tokens(m, in);
  // 1036 x 1036 -> 74 x 74 = 5,476 patches of 14 px; / merge 2^2 = 1,369 LM tokens per image.
  CHECK(t.resized_width == 1036);
  CHECK(t.tower_positions == 5476);
  CHECK(t.tokens_per_image == 1369);
  CHECK(t.llm_tokens == 2738);
  CHECK(t.pixel_values_per_position == 1176);  // 3 channels x temporal 2 x 14 x 14

  const Json with = run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 2048, "images_per_sample": 2, "image_size": 1024}})");
  // The language model reads 2048 text + 2 x 1369 image tokens = 4786 positions: its activations and
  // logits are those of a text-only run at seq_len 4786.
  const Json text = run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 4786}})");
  CHECK(component(with, "activations") == doctest::Approx(component(text, "activations")));
  CHECK(component(with, "logits") == doctest::Approx(component(text, "logits")));
  // Vision tower (hidden 1280, 16 heads x 80, RMSNorm, gated MLP 3420), bf16 (2 B), full, flash:
  //   norms 2 x (4 x 1280 fp32 input + 2 x 1280 normalised)            = 15,360
  //   attention 1280 x 2 (qkv input) + (2 x 1280 + 2 x 1280) x 2 (q k v o) = 12,800
  //   MLP 1280 x 2 (input) + 3 x 3420 x 2 (gate, act, up) + 3420 x 2 (down input) = 29,920
  //   = 58,080 B per patch per block; x 32 blocks x 5,476 patches        = 10,177,474,560
  //   pixel_values 5,476 x 1,176 x (4 fp32 + 2 bf16)                      =     38,638,656
  //   merger: ln_q 5,476 x 1280 x (4 + 2) + 1,369 x (5120 + 2 x 5120) x 2 =     84,111,360
  //   per image 10,300,224,576; x 2 images                              = 20,600,449,152
  CHECK(component(with, "vision_activations") == doctest::Approx(20600449152.0).epsilon(1e-12));
  CHECK(component(text, "vision_activations", -1) == -1);
  CHECK(with.at("per_gpu").at("device_bytes").get<double>() >
        text.at("per_gpu").at("device_bytes").get<double>() + 20600449152.0);
  CHECK_FALSE(has_warning(with, "not included"));
  CHECK(has_warning(text, "no images given"));
}

TEST_CASE("Qwen2.5-VL-3B serving: image tokens are in the KV cache") {
  const Json with = run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "inference", "gpus": 1,
    "inference": {"batch_size": 2, "context_len": 4096, "images_per_sample": 2, "image_size": 1024}})");
  // KV per token: 36 layers x 2 (K, V) x 2 kv heads x 128 x 2 B = 36,864 B; 2 sequences x
  // (4096 + 2738) tokens x 36,864 = 503,857,152.
  CHECK(component(with, "kv_cache") == doctest::Approx(503857152.0));
  CHECK(component(with, "media_activations") > 0);
}

TEST_CASE("Whisper-large-v3: 30 s of audio") {
  const ModelConfig m = catalog_model("openai/whisper-large-v3");
  MediaInput in;
  in.audio_seconds = 30;
  const MediaTokens t = media_tokens(m, in);
  CHECK(t.audio_windows == 1);
  CHECK(t.audio_input_frames == 3000);  // 30 s x 16 kHz / hop 160
  CHECK(t.audio_positions == 1500);     // conv2 stride 2

  const Json r = run(R"({"model": "openai/whisper-large-v3", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 448, "audio_seconds": 30, "gradient_accumulation_steps": 2}})");
  // Encoder block (d 1280, LayerNorm, GELU MLP 5120), bf16, full, flash, no dropout:
  //   norms 2 x 1280 x 2 (LayerNorm keeps its input)                      =  5,120
  //   attention 1280 x 2 + 4 x 1280 x 2                                   = 12,800
  //   MLP 1280 x 2 + 5120 x 2 (fc1 output) + 5120 x 2 (GELU output, fc2's input) = 23,040
  //   = 40,960 B per position per block; x 32 x 1500                   = 1,966,080,000
  //   conv front end 128 x 3000 x (4 + 2) + 2 x 3000 x 1280 x 2 + 1500 x 1280 x 2 = 21,504,000
  //   final layer_norm input 1500 x 1280 x 2                           =     3,840,000
  //   decoder cross-attention K, V: 32 layers x 2 x 1500 x 1280 x 2     =   245,760,000
  //   total                                                             = 2,237,184,000
  CHECK(component(r, "audio_activations") == doctest::Approx(2237184000.0).epsilon(1e-12));
  CHECK_FALSE(has_warning(r, "not included"));

  // 90 s: still one window in memory (truncated in training), with a warning.
  const Json longer = run(R"({"model": "openai/whisper-large-v3", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 448, "audio_seconds": 90, "gradient_accumulation_steps": 2}})");
  CHECK(component(longer, "audio_activations") == doctest::Approx(2237184000.0));
  CHECK(has_warning(longer, "30 s window"));

  // Serving: the cross-attention cache, 32 layers x 2 x 1500 x 1280 x 2 B = 245,760,000 per sequence.
  const Json serve = run(R"({"model": "openai/whisper-large-v3", "workload": "inference", "gpus": 1,
    "inference": {"batch_size": 4, "context_len": 448, "audio_seconds": 30}})");
  CHECK(component(serve, "cross_kv_cache") == doctest::Approx(4 * 245760000.0));
}

TEST_CASE("wav2vec2: the conv feature encoder's frames are the sequence") {
  const ModelConfig m = catalog_model("facebook/wav2vec2-base-960h");
  MediaInput in;
  in.audio_seconds = 1;
  // 16,000 samples: (16000 - 10) / 5 + 1 = 3199 -> 1599 -> 799 -> 399 -> 199 -> 99 -> (99 - 2) / 2 + 1 = 49.
  CHECK(media_tokens(m, in).sequence_frames == 49);
  const Json audio = run(R"({"model": "facebook/wav2vec2-base-960h", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "micro_batch_size": 32, "audio_seconds": 10}})");
  const Json frames = run(R"({"model": "facebook/wav2vec2-base-960h", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "micro_batch_size": 32, "seq_len": 499}})");
  // 10 s: 160,000 samples -> 31,999 -> 15,999 -> 7,999 -> 3,999 -> 1,999 -> 999 -> 499 frames.
  CHECK(component(audio, "activations") == doctest::Approx(component(frames, "activations")));
  CHECK(component(audio, "audio_activations") > 0);
}

TEST_CASE("media keys: ranges, object form, models without towers") {
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "train": {"images_per_sample": -1}})") ==
        "error: /train/images_per_sample: must be an integer from 0 to 1024, got -1");
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "train": {"image_size": {"width": 640}}})")
            .rfind("error: /train/image_size/height: ", 0) == 0);
  CHECK(error_line(R"({"model": "openai/whisper-large-v3", "train": {"audio_seconds": 1e9}})")
            .rfind("error: /train/audio_seconds: must be a number from 0 to 86400", 0) == 0);
  const Json wide = run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "train", "gpus": 1,
    "train": {"images_per_sample": 1, "image_size": {"width": 1280, "height": 720}}})");
  CHECK(component(wide, "vision_activations") > 0);
  const Json text_model = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "train", "gpus": 1,
    "train": {"images_per_sample": 2}})");
  CHECK(has_warning(text_model, "images_per_sample 2 ignored"));
  CHECK(component(text_model, "vision_activations", -1) == -1);
}

TEST_CASE("Phi-3.5-vision: HD crops through the CLIP tower, no 'no image rule' warning") {
  const Json with = run(R"({"model": "microsoft/Phi-3.5-vision-instruct", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 1024, "images_per_sample": 1, "image_size": 1024,
              "gradient_accumulation_steps": 2}})");
  // 1024^2 with num_crops 4: 2 x 2 crops + the global one, padded to 5 crops of 577 positions = 2,885.
  // CLIP ViT-L/14-336 block (hidden 1024, 16 x 64 heads, MLP 4096, LayerNorm, plain MLP), bf16, full, flash:
  //   2 LayerNorm inputs 2 x 1024 x 2 = 4,096; attention input 2,048 + q k v o 4 x 1024 x 2 = 8,192;
  //   MLP input 2,048 + fc1 output 4096 x 2 + fc2 input 4096 x 2 = 16,384: 32,768 B per position per block,
  //   x 24 blocks x 2,885 positions                                         = 2,268,856,320
  //   pixel_values 2,885 x 588 x (4 + 2)                                    =    10,178,280
  //   img_projection over 757 tokens x (4096 + 2 x 3072) x 2                =    15,503,360
  CHECK(component(with, "vision_activations") == doctest::Approx(2294537960.0).epsilon(1e-12));
  CHECK_FALSE(has_warning(with, "no image rule"));
  // The language model reads 1024 + 757 positions.
  const Json text = run(R"({"model": "microsoft/Phi-3.5-vision-instruct", "workload": "train", "gpus": 1,
    "train": {"precision": "bf16", "seq_len": 1781, "gradient_accumulation_steps": 2}})");
  CHECK(component(with, "activations") == doctest::Approx(component(text, "activations")));
}

TEST_CASE("Gemma 3n E4B: one 1024x1024 image (MobileNetV5 at 768) and 30 s of audio (USM conformer)") {
  const Json config = params_test::fixture_config("gemma-3n-e4b-it.json");
  const ModelConfig m = params_test::exact_model(config);
  MediaInput in;
  in.images = 1;
  in.audio_seconds = 30;
  const MediaTokens t = media_tokens(m, in);
  // Image: resized to 768 x 768, 256 soft tokens + boi/eoi.
  CHECK(t.resized_width == 768);
  CHECK(t.tokens_per_image == 258);
  CHECK(t.pixel_values_per_position == 3 * 768 * 768 / 256);
  // Audio: 480,000 samples (a multiple of 128) -> (480,000 - 513) / 160 + 1 = 2,997 frames -> (2,997 - 1) / 2 + 1
  // = 1,499 -> (1,499 - 1) / 2 + 1 = 750 conformer positions; 188 soft tokens + boa/eoa in the text.
  CHECK(t.audio_input_frames == 2997);
  CHECK(t.audio_positions == 750);
  CHECK(t.llm_tokens == 258 + 190);
  // A 10 s clip: 160,000 samples -> 997 frames -> 499 -> 250 positions; still 188 + 2 tokens (padded).
  in.audio_seconds = 10;
  CHECK(media_tokens(m, in).audio_positions == 250);
  CHECK(media_tokens(m, in).llm_tokens == 258 + 190);

  Json scenario = Json::parse(R"({"workload": "train", "gpus": 1, "train": {"precision": "bf16", "seq_len": 1024,
    "images_per_sample": 1, "audio_seconds": 30, "gradient_accumulation_steps": 2}})");
  scenario["model"] = config;
  const Json r = run(scenario.dump());
  // MobileNetV5 feature maps (hf_mobilenetv5.cpp: conv input + norm input + normalised [+ GELU input] per unit):
  //   stem at 384^2: 3 x 64 x 147,456 = 28,311,552; first er block (64 -> 256 -> 128, stride 2 to 192^2):
  //   64 x 384^2 + 3 x 256 x 192^2 + 256 x 192^2 + 2 x 128 x 192^2 = 56,623,104; ... the 84 blocks and the fusion
  //   adapter (1920 -> 3840 -> 2048 at 48^2: 49,250,304) and its norm over 256 tokens: 1,727,574,016 elements.
  //   bf16: 3,455,148,032 + pixel_values 1,769,472 x (4 + 2) = 10,616,832 + embed_vision 256 x (2048 x (8 + 2) +
  //   2048 x 4) = 7,340,032 -> 3,473,104,896.
  CHECK(m.vision_input.cnn_saved_elements == 1'727'574'016);
  CHECK(component(r, "vision_activations") == doctest::Approx(3473104896.0).epsilon(1e-12));
  // Audio: features 2,997 x 128 x (4 + 2) = 2,301,696; conv 0 out 1,499 x 128 ch x 64 bins = 12,279,808 x (2 x 2 +
  //   8) = 147,357,696; conv 1 out 750 x 32 x 32 = 768,000 x 12 = 9,216,000; input_proj copy 768,000 x 2 =
  //   1,536,000; conformer 12 x 750 x (47 x 1536 x 2 + 9 x 8 x 1536 + 8 heads x 24 x 3 x 4 = 257,280) =
  //   2,315,520,000; embed_audio 188 x (1536 x 10 + 2048 x 4) = 4,427,776 -> 2,480,359,168.
  CHECK(component(r, "audio_activations") == doctest::Approx(2480359168.0).epsilon(1e-12));
  // The language model reads 1024 + 258 + 190 positions.
  scenario["train"] = Json::parse(R"({"precision": "bf16", "seq_len": 1472, "gradient_accumulation_steps": 2})");
  const Json text = run(scenario.dump());
  CHECK(component(r, "activations") == doctest::Approx(component(text, "activations")));
  CHECK_FALSE(has_warning(r, "no image rule"));
  CHECK_FALSE(has_warning(r, "has no audio encoder"));
  CHECK(has_warning(text, "no images given"));
  CHECK(has_warning(text, "no audio given"));
  // Serving: the largest block's maps, stage 2's entry uir_a3_k5_s2_e6_c256 (128 channels at 192^2, mid 768):
  //   dw_start 128 x 192^2 x 3 = 14,155,776; pw_exp 128 x 192^2 + 3 x 768 x 192^2 = 89,653,248; dw_mid (stride 2)
  //   768 x 192^2 + 3 x 768 x 96^2 = 49,545,216; pw_proj 768 x 96^2 + 2 x 256 x 96^2 = 11,796,480; layer scale
  //   256 x 96^2 = 2,359,296 -> 167,510,016 elements.
  Json serve = Json::parse(R"({"workload": "inference", "gpus": 1, "inference": {"batch_size": 1, "context_len": 512,
    "images_per_sample": 1}})");
  serve["model"] = config;
  CHECK(m.vision_input.cnn_peak_elements == 167'510'016);
  CHECK(component(run(serve.dump()), "media_activations") == doctest::Approx(167510016.0 * 2 + 1769472.0 * 6));
}

TEST_CASE("params model.features and the schema's model_has: which keys a model can use") {
  const auto features = [](const char* id) {
    auto p = api::params_from_catalog_id(id);
    REQUIRE(p.ok());
    return p.value().at("model").at("features");
  };
  CHECK(features("Qwen/Qwen2.5-7B-Instruct") == Json::array());
  CHECK(features("Qwen/Qwen2.5-VL-3B-Instruct") == Json::array({"images"}));
  CHECK(features("openai/whisper-large-v3") == Json::array({"audio"}));
  CHECK(features("Qwen/Qwen3-30B-A3B") == Json::array({"experts"}));
  auto gemma = api::params_from_config(params_test::fixture_config("gemma-3n-e4b-it.json"));
  REQUIRE(gemma.ok());
  CHECK(gemma.value().at("model").at("features") == Json::array({"images", "audio"}));
  auto schema = api::schema();
  REQUIRE(schema.ok());
  std::map<std::string, std::string> has;
  for (const Json& k : schema.value().at("keys")) {
    if (k.contains("model_has")) has[k.at("key").get<std::string>()] = k.at("model_has").get<std::string>();
  }
  CHECK(has["train.images_per_sample"] == "images");
  CHECK(has["inference.images_per_sample"] == "images");
  CHECK(has["train.audio_seconds"] == "audio");
  CHECK(has["train.ep"] == "experts");
  CHECK(has["train.etp"] == "experts");
  CHECK(has["inference.ep"] == "experts");
  CHECK(has.count("train.seq_len") == 0);
}

TEST_CASE("vLLM's encoder profile (inference.mm_profiling): mllama's dummy batch floor, off with limit_zero, text-only with skip") {
  const std::string head = R"({"model": "meta-llama/Llama-3.2-11B-Vision-Instruct", "workload": "inference",
    "gpu": "H100-SXM-80GB", "gpus": 1, "inference": {"engine": "vllm", "context_len": 8192, "max_num_seqs": 16,
    "max_num_batched_tokens": 2048, "vllm_version": "0.11")";
  const Json dummy = run(head + "}}");
  const Json limit_zero = run(head + R"(, "mm_profiling": "limit_zero"}})");
  // The text-only reserve: max(forward 2048 tokens x 102,400 B, sampler 16 x 128,256 x 4 B x 9.6 + 2048 x 4096 x 2 B
  // = 95,577,702 B) = 209,715,200 B: what vLLM profiles with --limit-mm-per-prompt image=0.
  CHECK(component(limit_zero, "activations") == doctest::Approx(209715200.0));
  CHECK_FALSE(has_warning(limit_zero, "vLLM profiles this model's vision/audio encoder"));
  // Dummy inputs: 16 sequences x 1 image, each 4 tiles x 1601 positions x (7680 + 4096) + 4 x 3 x 560^2 pixel
  // values = 79,176,704 elements x 2 B = 158,353,408 B; 16 images: 2,533,654,528 B, above the text reserve.
  CHECK(component(dummy, "activations") == doctest::Approx(2533654528.0));
  CHECK(has_warning(dummy, "the reserve counts only what that batch surely holds"));
  // The pool gives back exactly what the reserve takes.
  CHECK(component(limit_zero, "kv_cache") - component(dummy, "kv_cache") ==
        doctest::Approx(2533654528.0 - 209715200.0));
  // Two images per request: vLLM accepts them only with --limit-mm-per-prompt image=2, so its dummy batch has
  // 32 images (5,067,309,056 B, above the two given images' forward).
  const Json image = run(head + R"(, "images_per_sample": 2, "image_size": 560}})");
  CHECK(component(image, "activations") == doctest::Approx(5067309056.0));
  // skip: vLLM profiles the text model alone, so the reserve stays the text-only one and the encoder's forward
  // over the given images is named as extra headroom.
  const Json skip = run(head + R"(, "mm_profiling": "skip", "images_per_sample": 2, "image_size": 560}})");
  CHECK(component(skip, "activations") == doctest::Approx(209715200.0));
  CHECK(has_warning(skip, "sizes the KV pool without the encoder"));
  // A model whose dummy batch is not sized: the warning says so and the reserve is the text-only one.
  const Json qwen = run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "inference", "gpu": "L4", "gpus": 1,
    "inference": {"engine": "vllm"}})");
  CHECK(has_warning(qwen, "vramplan does not size that run"));
  const Json text = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
    "gpus": 1, "inference": {"engine": "vllm", "mm_profiling": "limit_zero"}})");
  CHECK(has_warning(text, "inference.mm_profiling \"limit_zero\" has no effect"));
}

TEST_CASE("inference.mm_profiling: values, the release --skip-mm-profiling needs, no media with limit_zero") {
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "inference": {"mm_profiling": "off"}})") ==
        "error: /inference/mm_profiling: must be one of \"dummy\", \"limit_zero\", \"skip\", got \"off\"");
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "inference": {"mm_profiling": "skip",
    "vllm_version": "0.9.2"}})")
            .rfind("error: /inference/mm_profiling: \"skip\" is vLLM's --skip-mm-profiling, which releases before 0.10.2 "
                   "lack (inference.vllm_version is 0.9.2)",
                   0) == 0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "inference": {"mm_profiling": "limit_zero",
    "images_per_sample": 2}})")
            .rfind("error: /inference/mm_profiling: \"limit_zero\" (--limit-mm-per-prompt with every modality 0) makes "
                   "vLLM refuse images and audio, but inference.images_per_sample is 2 and inference.audio_seconds is 0",
                   0) == 0);
  CHECK(run(R"({"model": "Qwen/Qwen2.5-VL-3B-Instruct", "workload": "inference", "gpus": 1, "gpu": "L4",
    "inference": {"engine": "vllm", "mm_profiling": "skip", "vllm_version": "0.10"}})")
            .contains("per_gpu"));
}
