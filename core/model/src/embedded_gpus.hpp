// data/gpus.json as C++ data, written by cmake/EmbedCatalogs.cmake (embed_gpus) into the generated
// embedded_catalogs.cpp and turned into GpuSpec by load_catalog() (catalog.cpp). Plain values only, so the
// table is constant-initialised: the core starts without parsing JSON for its GPUs. data/gpus.json stays
// the source; the build's catalog check (tools/catalog_check.cpp) parses it with parse_gpu_catalog and
// requires every value here to equal what that parser reads.
#pragma once

#include <cstddef>

namespace vramplan::embedded {

struct EmbeddedGpu {
  const char* id;
  const char* name;
  const char* vendor;
  const char* architecture;
  const char* memory_type;
  long long memory_bytes;
  double bandwidth_bytes_per_s;
  double bf16_dense_flops;
  bool has_fp8;
  double fp8_dense_flops;
  const char* interconnect_kind;
  double intra_node_bytes_per_s;
  double pcie_bytes_per_s;
  bool has_price;
  double price_usd_per_gpu_hour;
  const char* price_source;  // "" when the entry has no price object
  const char* price_date;
  const char* aliases;  // one per line
};

extern const std::size_t kGpuCount;
extern const EmbeddedGpu kGpus[];

}  // namespace vramplan::embedded
