// The embedded model catalog is compiled in as plain values (core/model/src/embedded_models.cpp, written by
// tools/catalog_check.cpp --write-models) and each entry becomes a CatalogModel on first use (ModelCatalog): the
// table must hold every value the parser reads out of data/models.json, and a lookup must build only the
// entry it finds.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/gpu_table.hpp"
#include "vramplan/model_fields.hpp"
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
    CHECK(catalog_model_difference(a, b) == "");  // every field, the ModelConfig's included
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

namespace {

// Marks the bytes of every member visit_model hands to a visitor (the members themselves: a string's or a
// vector's own bytes, not what they point to).
class MarkMembers {
 public:
  MarkMembers(const void* base, std::vector<bool>& visited) : base_(static_cast<const unsigned char*>(base)), visited_(visited) {}
  template <class T>
  void operator()(const T& member) { mark(&member, sizeof member); }
  template <class T, class Each>
  void list(const std::vector<T>& items, Each) { mark(&items, sizeof items); }

 private:
  void mark(const void* at, std::size_t size) {
    const std::size_t from = static_cast<std::size_t>(static_cast<const unsigned char*>(at) - base_);
    for (std::size_t i = from; i < from + size && i < visited_.size(); ++i) visited_[i] = true;
  }
  const unsigned char* base_;
  std::vector<bool>& visited_;
};

}  // namespace

// A member added to ModelConfig (or a struct inside it) but not to vramplan/model_fields.hpp would be left out
// of the compiled-in catalog without a word, and the build's check compares through the same list. So: every
// byte that ModelConfig's constructor writes (the same in storage filled with 0x00 and with 0xff beforehand)
// must belong to a member the list visits; only padding is left.
TEST_CASE("model_fields visits every member of ModelConfig") {
  alignas(ModelConfig) unsigned char zeros[sizeof(ModelConfig)];
  alignas(ModelConfig) unsigned char ones[sizeof(ModelConfig)];
  std::memset(zeros, 0x00, sizeof zeros);
  std::memset(ones, 0xff, sizeof ones);
  auto* a = new (zeros) ModelConfig;  // default-initialised: padding left as it was
  auto* b = new (ones) ModelConfig;
  std::vector<bool> visited(sizeof(ModelConfig), false);
  MarkMembers mark(a, visited);
  model_fields::visit_model(mark, *static_cast<const ModelConfig*>(a));
  std::vector<std::size_t> written_not_visited;
  for (std::size_t i = 0; i < sizeof(ModelConfig); ++i) {
    if (!visited[i] && zeros[i] == ones[i]) written_not_visited.push_back(i);
  }
  CHECK(written_not_visited.empty());
  a->~ModelConfig();
  b->~ModelConfig();
}

// The same for a tower (a list element, visited through its own function).
TEST_CASE("model_fields visits every member of ExtraTower") {
  alignas(ExtraTower) unsigned char zeros[sizeof(ExtraTower)];
  alignas(ExtraTower) unsigned char ones[sizeof(ExtraTower)];
  std::memset(zeros, 0x00, sizeof zeros);
  std::memset(ones, 0xff, sizeof ones);
  auto* a = new (zeros) ExtraTower;
  auto* b = new (ones) ExtraTower;
  std::vector<bool> visited(sizeof(ExtraTower), false);
  MarkMembers mark(a, visited);
  model_fields::visit_tower(mark, *static_cast<const ExtraTower*>(a));
  std::size_t written_not_visited = 0;
  for (std::size_t i = 0; i < sizeof(ExtraTower); ++i) written_not_visited += !visited[i] && zeros[i] == ones[i];
  CHECK(written_not_visited == 0);
  a->~ExtraTower();
  b->~ExtraTower();
}

// flatten and unflatten are inverses on every catalog model (the table is read back by unflatten).
TEST_CASE("a flattened ModelConfig reads back equal") {
  const auto from_file = parse_model_catalog(read_source("data/models.json"));
  REQUIRE(from_file.ok());
  for (const CatalogModel& m : from_file.value()) {
    const model_fields::FlatModel flat = model_fields::flatten(m.config);
    std::vector<long long> cells(flat.cells.begin(), flat.cells.end());
    std::vector<const char*> strings;
    for (const std::string& s : flat.strings) strings.push_back(s.c_str());
    CAPTURE(m.id);
    CHECK(model_fields::flatten(model_fields::unflatten(cells.data(), strings.data())) == flat);
  }
}
