// data/models.json as C++ data: core/model/src/embedded_models.cpp, written by tools/catalog_check.cpp
// --write-models from what the product's parser (parse_model_catalog, model_from_hf_config) reads out of the
// file, and turned into CatalogModels by load_catalog() (catalog.cpp) without parsing JSON. Plain values
// only, so the table is constant-initialised. data/models.json stays the source: every native build runs
// the catalog check, which parses the file again and fails, naming the entry, if this table differs.
#pragma once

#include <cstddef>

namespace vramplan::embedded {

struct EmbeddedModel {
  const char* id;
  const char* name;
  const char* family;
  const char* variant;
  bool gated;
  bool has_published_params;
  long long published_params;
  const char* published_params_text;
  const char* published_params_basis;
  const char* note;
  const char* aliases;         // one per line
  const long long* cells;      // the ModelConfig's numbers, as vramplan/model_fields.hpp flatten() writes them
  const char* const* strings;  // its strings, likewise
};

extern const std::size_t kModelCount;
extern const EmbeddedModel kModels[];

}  // namespace vramplan::embedded
