// Images and audio as inputs (issue 17 item 2): the positions each family's processor makes, the
// language model's longer sequence, and the towers' activations, hand-computed.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/media.hpp"
#include "vramplan/scenario.hpp"
#include "estimate_test_support.hpp"

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
    "train": {"precision": "bf16", "seq_len": 448, "audio_seconds": 30}})");
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
    "train": {"precision": "bf16", "seq_len": 448, "audio_seconds": 90}})");
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
    "train": {"precision": "bf16", "seq_len": 1024, "images_per_sample": 1, "image_size": 1024}})");
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
    "train": {"precision": "bf16", "seq_len": 1781}})");
  CHECK(component(with, "activations") == doctest::Approx(component(text, "activations")));
}
