#pragma once
// The built-in model and GPU catalogs (data/models.json, data/gpus.json), compiled into the binary as plain
// values: the GPU list built once on first use, each model entry on its own first lookup (ModelCatalog).
// Ids match case-insensitively.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vramplan/error.hpp"
#include "vramplan/model.hpp"

namespace vramplan {

struct GpuSpec {
  std::string id;                  // "H100-SXM-80GB"
  std::string name;                // the vendor's name: "NVIDIA H100 SXM5 80GB"
  std::string vendor;              // "NVIDIA", "AMD"
  std::string architecture;        // "Hopper", "Ampere", "CDNA 3", ...
  std::string memory_type;         // "HBM3", "GDDR6X", ...
  std::int64_t memory_bytes = 0;   // total as the device reports it (nvidia-smi / rocm-smi)
  double bandwidth_bytes_per_s = 0;
  double bf16_dense_flops = 0;     // dense (no sparsity) bf16 tensor throughput, FLOP/s
  // Dense FP8 tensor throughput with FP32 accumulate, FLOP/s; nullopt where the GPU has no FP8 tensor cores.
  std::optional<double> fp8_dense_flops;
  // How the GPU talks to its node: "NVLink 4 (SXM)", "PCIe 4.0 x16", "Infinity Fabric (xGMI mesh)", ...
  std::string interconnect_kind;
  double intra_node_bytes_per_s = 0;  // per GPU, one direction, to the other GPUs of its node
  double pcie_bytes_per_s = 0;        // host link (CPU offload, loading), one direction
  // Indicative on-demand price of one GPU for one hour, with where and when it was seen; absent when
  // no rental price could be sourced. Shown as indicative, used only to rank options.
  std::optional<double> price_usd_per_gpu_hour;
  std::string price_source;
  std::string price_date;          // YYYY-MM
  std::vector<std::string> aliases;
};

struct CatalogModel {
  std::string id;                  // Hugging Face id
  std::string name;                // display name
  std::string family;              // "Qwen2.5", "Llama 3.1", ...
  std::string variant;             // "base", "instruct", ...
  bool gated = false;              // weights need accepting a licence on the Hub
  std::optional<std::int64_t> published_params;  // exact count where the publisher gives one
  std::string published_params_text;             // as published ("7.61B"), may be empty
  // What the published figure counts: "total" (every parameter), "without_lm_head" (the vocabulary
  // matrix once, as Qwen2's card does), "without_task_head" (the backbone, as DistilBERT's paper does).
  std::string published_params_basis = "total";
  std::string note;                // e.g. why a seed's id maps here
  std::vector<std::string> aliases;  // other ids that resolve here (e.g. a seed's misnamed id)
  ModelConfig config;
  Json raw_config;                 // the config.json as stored (parse_model_catalog; null in the compiled-in catalog)
};

// The model catalog. The embedded one is compiled in as plain values (core/model/src/embedded_models.cpp,
// written by tools/catalog_check.cpp --write-models from what the parser reads out of data/models.json), and
// each entry becomes a CatalogModel on first use, without parsing JSON (docs/benchmarks.md). A catalog given
// as text (tests) is parsed entry by entry on first use; a parse error there is reported, with its pointer.
class ModelCatalog {
 public:
  ModelCatalog() = default;
  // Entries already parsed (parse_model_catalog).
  explicit ModelCatalog(std::vector<CatalogModel> parsed);
  // An entry as JSON text, parsed on first use; `pointer` names it in errors ("/models/12").
  void add_text(std::string id, std::vector<std::string> aliases, std::string_view json, std::string pointer);
  // An entry built on first use by build(row): the compiled-in table (catalog.cpp, embedded_models.hpp).
  void add_built(std::string id, std::vector<std::string> aliases, CatalogModel (*build)(std::size_t), std::size_t row);

  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  const std::string& id(std::size_t index) const { return slots_[index].id; }
  std::vector<std::string> ids() const;
  // Case-insensitive: ids first, then aliases.
  std::optional<std::size_t> index_of(std::string_view id_or_alias) const;
  // The entry, parsed on first use (and kept).
  Expected<const CatalogModel*> entry(std::size_t index) const;
  // Every entry, in catalog order (parses those not yet parsed).
  Expected<std::vector<const CatalogModel*>> every_entry() const;

 private:
  struct Slot {
    Slot(std::string id_, std::vector<std::string> aliases_, std::string_view json_, std::string pointer_)
        : id(std::move(id_)), aliases(std::move(aliases_)), json(json_), pointer(std::move(pointer_)) {}
    std::string id;
    std::vector<std::string> aliases;
    std::string_view json;  // empty when parsed from the start or built from the table
    std::string pointer;
    CatalogModel (*build)(std::size_t) = nullptr;  // the compiled-in table's row reader, or none
    std::size_t row = 0;
    std::shared_ptr<std::once_flag> once = std::make_shared<std::once_flag>();
    mutable std::optional<Expected<CatalogModel>> parsed;
  };
  std::vector<Slot> slots_;
};

struct Catalog {
  ModelCatalog models;
  std::vector<GpuSpec> gpus;
};

// Parses the embedded catalogs (once; later calls return the same object). The build checks them
// (tools/catalog_check), so an Error here means a broken build, and is reported, not hidden.
Expected<const Catalog*> load_catalog();

// Parsers for catalog documents, shared by load_catalog() and the build-time check; errors name
// the entry and field ("/models/12/config/hidden_size: ...").
Expected<std::vector<CatalogModel>> parse_model_catalog(std::string_view json_text);
Expected<std::vector<GpuSpec>> parse_gpu_catalog(std::string_view json_text);

// The first field in which two catalog entries differ ("config" for any field of their ModelConfigs), or "":
// the build's check that the compiled-in table holds what data/models.json parses to.
std::string catalog_model_difference(const CatalogModel& a, const CatalogModel& b);

// Case-insensitive lookups; aliases included. nullptr when absent (or, for a model, when its entry does
// not parse: see ModelCatalog::entry for the error).
const CatalogModel* find_model(const Catalog& catalog, std::string_view id);
const GpuSpec* find_gpu(const Catalog& catalog, std::string_view id);

// Up to `count` ids closest to `query` (edit distance, case-insensitive), best first, for
// "did you mean ...?" messages.
std::vector<std::string> nearest_ids(const std::vector<std::string>& ids, std::string_view query, std::size_t count);

}  // namespace vramplan
