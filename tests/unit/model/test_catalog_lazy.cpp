// The embedded model catalog is split per entry at build time (cmake/EmbedCatalogs.cmake) and each entry is
// parsed on first use (ModelCatalog): the split must keep every value of data/models.json, and a lookup
// must parse only the entry it finds.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "vramplan/catalog.hpp"
#include "vramplan/gpu_table.hpp"
#include "vramplan/params.hpp"

using namespace vramplan;

namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("every embedded entry equals the entry parsed from data/models.json itself") {
  const auto from_file = parse_model_catalog(read_source("data/models.json"));
  REQUIRE(from_file.ok());
  const auto catalog = load_catalog();
  REQUIRE(catalog.ok());
  const auto embedded = catalog.value()->models.every_entry();
  REQUIRE(embedded.ok());
  REQUIRE(embedded->size() == from_file->size());
  for (std::size_t i = 0; i < embedded->size(); ++i) {
    const CatalogModel& a = *embedded.value()[i];
    const CatalogModel& b = from_file.value()[i];
    CAPTURE(b.id);
    CHECK(a.id == b.id);
    CHECK(a.aliases == b.aliases);
    CHECK(a.name == b.name);
    CHECK(a.published_params == b.published_params);
    CHECK(a.raw_config == b.raw_config);  // every value, nested, as nlohmann compares them
    const auto pa = count_params(a.config);
    const auto pb = count_params(b.config);
    REQUIRE(pa.ok());
    REQUIRE(pb.ok());
    CHECK(pa->total == pb->total);
    CHECK(pa->active == pb->active);
  }
}

TEST_CASE("a catalog given as text parses an entry only when it is asked for") {
  ModelCatalog models;
  models.add_text("org/good", {"org/alias"}, R"({"id": "org/good", "name": "Good", "family": "F", "variant": "base",
    "gated": false, "source": "test", "config": {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 1000}})", "/models/0");
  models.add_text("org/broken", {}, R"({"id": "org/broken", "name": "Broken"})", "/models/1");
  CHECK(models.size() == 2);
  CHECK(models.index_of("ORG/ALIAS") == std::optional<std::size_t>{0});
  CHECK(models.index_of("org/BROKEN") == std::optional<std::size_t>{1});
  CHECK_FALSE(models.index_of("org/missing").has_value());
  const auto good = models.entry(0);
  REQUIRE(good.ok());
  CHECK(good.value()->name == "Good");
  REQUIRE(count_params(good.value()->config).ok());
  CHECK(models.entry(0).value() == good.value());  // parsed once, kept
  // The broken entry's error names the catalog file and the entry's pointer; the good one still works.
  const auto broken = models.entry(1);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().line().find("data/models.json") != std::string::npos);
  CHECK(broken.error().line().find("/models/1/") != std::string::npos);
  CHECK_FALSE(models.every_entry().ok());
  const Catalog catalog{std::move(models), {}};
  CHECK(find_model(catalog, "org/alias") != nullptr);
  CHECK(find_model(catalog, "org/broken") == nullptr);
}

// The GPUs are embedded as C++ data (cmake/EmbedCatalogs.cmake embed_gpus), not parsed at start-up: the
// table must hold exactly what the product's parser reads from data/gpus.json, field by field.
TEST_CASE("every embedded GPU equals the entry parsed from data/gpus.json itself") {
  const auto from_file = parse_gpu_catalog(read_source("data/gpus.json"));
  REQUIRE(from_file.ok());
  const auto catalog = load_catalog();
  REQUIRE(catalog.ok());
  const auto& embedded = catalog.value()->gpus;
  REQUIRE(embedded.size() == from_file->size());
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    CAPTURE(from_file.value()[i].id);
    CHECK(gpu_spec_difference(embedded[i], from_file.value()[i]) == "");
  }
  // Spot values: an FP8-less card, an optional price left out, and a tera-FLOP/s figure times 1e12.
  const GpuSpec* rtx3080 = find_gpu(*catalog.value(), "RTX3080");
  REQUIRE(rtx3080 != nullptr);
  CHECK_FALSE(rtx3080->fp8_dense_flops.has_value());
  CHECK_FALSE(rtx3080->price_usd_per_gpu_hour.has_value());
  CHECK(rtx3080->bf16_dense_flops == 59.5e12);
}

TEST_CASE("gpu_spec_difference names the first field that differs") {
  const auto catalog = load_catalog();
  REQUIRE(catalog.ok());
  const GpuSpec a = catalog.value()->gpus.at(0);
  CHECK(gpu_spec_difference(a, a) == "");
  GpuSpec b = a;
  b.fp8_dense_flops = 1e15;
  CHECK(gpu_spec_difference(a, b) == "fp8_dense_tflops");
  b = a;
  b.aliases.push_back("other");
  CHECK(gpu_spec_difference(a, b) == "aliases");
  b = a;
  b.price_source += " ";
  CHECK(gpu_spec_difference(a, b) == "price/source");
}
