#include "vramplan/catalog.hpp"

#include <algorithm>
#include <cstddef>

#include "embedded_gpus.hpp"
#include "embedded_models.hpp"
#include "vramplan/gpu_table.hpp"
#include "vramplan/model_fields.hpp"

namespace vramplan {
namespace {

// Marketing GPU sizes run up to about 200 GB; 1 TiB leaves room for future parts and rejects typos.
constexpr std::int64_t kMaxGpuMemoryBytes = std::int64_t{1} << 40;
constexpr std::int64_t kMinGpuMemoryBytes = std::int64_t{1} << 30;
constexpr double kMaxBandwidth = 1e14;  // 100 TB/s
constexpr double kMaxTflops = 1e5;
// Links per GPU, one direction: PCIe 3.0 x16 is 16 GB/s, NVLink 5 is 900 GB/s; 10 TB/s rejects typos.
constexpr double kMinLinkBytesPerS = 1e9;
constexpr double kMaxLinkBytesPerS = 1e13;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

Json parse_document(std::string_view text, const char* file) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) fail("", std::string(file) + " is not valid JSON");
  return doc;
}

std::vector<std::string> read_string_list(ObjectReader& reader, std::string_view key) {
  std::vector<std::string> out;
  const Json* list = reader.find(key);
  if (!list) return out;
  const std::string pointer = reader.pointer_of(key);
  if (!list->is_array()) fail(pointer, "must be an array of strings, got " + describe_value(*list));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      fail(pointer_append(pointer, i), "must be a non-empty string, got " + describe_value(item));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string required_string(ObjectReader& reader, std::string_view key) {
  std::string value = reader.string(key, "");
  if (value.empty()) fail(reader.pointer_of(key), "is required: a non-empty string");
  return value;
}

CatalogModel parse_model_entry(const Json& entry, const std::string& pointer) {
  ObjectReader r(entry, pointer);
  CatalogModel m;
  m.id = required_string(r, "id");
  m.name = required_string(r, "name");
  m.family = required_string(r, "family");
  m.variant = required_string(r, "variant");
  if (!r.has("gated")) fail(r.pointer_of("gated"), "is required: true or false");
  m.gated = r.boolean("gated", false);
  m.published_params = r.optional_integer("published_params", 1, std::int64_t{1} << 50);
  m.published_params_text = r.string("published_params_text", "");
  m.published_params_basis = r.choice("published_params_basis", {"total", "without_lm_head", "without_task_head"}, "total");
  const std::string params_source = r.string("params_source", "", 1024);
  if ((m.published_params || !m.published_params_text.empty()) && params_source.empty()) {
    fail(r.pointer_of("params_source"), "is required when a published parameter count is given");
  }
  required_string(r, "source");
  m.aliases = read_string_list(r, "aliases");
  m.note = r.string("note", "", 2048);
  const Json* config = r.find("config");
  if (!config) fail(r.pointer_of("config"), "is required: the model's config.json object");
  auto model = model_from_hf_config(*config, r.pointer_of("config"));
  if (!model.ok()) throw InputError{model.error()};
  m.config = std::move(model).value();
  m.config.id = m.id;
  m.raw_config = *config;
  r.reject_unknown_keys();
  return m;
}

// fp8_dense_tflops (null when the GPU has no FP8 tensor cores) and the interconnect object, both required
// so that every catalog entry states them (and cites them in sources.fp8 / sources.interconnect).
void parse_gpu_links(ObjectReader& r, GpuSpec& g) {
  if (!r.raw().contains("fp8_dense_tflops")) {
    fail(r.pointer_of("fp8_dense_tflops"), "is required: a number, or null when the GPU has no FP8 tensor cores");
  }
  if (const auto tflops = r.optional_number("fp8_dense_tflops", 1, kMaxTflops)) g.fp8_dense_flops = *tflops * 1e12;
  if (!r.has("interconnect")) {
    fail(r.pointer_of("interconnect"), "is required: {kind, intra_node_bytes_per_s, pcie_bytes_per_s}");
  }
  ObjectReader link = r.object("interconnect");
  g.interconnect_kind = link.string("kind", "", 128);
  if (g.interconnect_kind.empty()) fail(link.pointer_of("kind"), "is required: e.g. \"NVLink 4 (SXM)\"");
  g.intra_node_bytes_per_s = link.number("intra_node_bytes_per_s", kMinLinkBytesPerS, kMaxLinkBytesPerS, 0);
  g.pcie_bytes_per_s = link.number("pcie_bytes_per_s", kMinLinkBytesPerS, kMaxLinkBytesPerS, 0);
  if (g.intra_node_bytes_per_s == 0) fail(link.pointer_of("intra_node_bytes_per_s"), "is required");
  if (g.pcie_bytes_per_s == 0) fail(link.pointer_of("pcie_bytes_per_s"), "is required");
  link.reject_unknown_keys();
}

GpuSpec parse_gpu_entry(const Json& entry, const std::string& pointer) {
  ObjectReader r(entry, pointer);
  GpuSpec g;
  g.id = required_string(r, "id");
  g.name = required_string(r, "name");
  g.vendor = required_string(r, "vendor");
  g.architecture = required_string(r, "architecture");
  g.memory_type = required_string(r, "memory_type");
  g.memory_bytes = r.required_integer("memory_bytes", kMinGpuMemoryBytes, kMaxGpuMemoryBytes);
  const auto reported_mib = r.optional_integer("memory_reported_mib", 1024, kMaxGpuMemoryBytes >> 20);
  if (reported_mib && *reported_mib * 1048576 != g.memory_bytes) {
    fail(r.pointer_of("memory_bytes"), "must equal memory_reported_mib x 1,048,576 (" +
                                            std::to_string(*reported_mib * 1048576) + "), got " +
                                            std::to_string(g.memory_bytes));
  }
  r.number("marketing_memory_gb", 1, 4096, 0);
  g.bandwidth_bytes_per_s = r.number("bandwidth_bytes_per_s", 1e9, kMaxBandwidth, 0);
  if (g.bandwidth_bytes_per_s == 0) fail(r.pointer_of("bandwidth_bytes_per_s"), "is required");
  const double tflops = r.number("bf16_dense_tflops", 1, kMaxTflops, 0);
  if (tflops == 0) fail(r.pointer_of("bf16_dense_tflops"), "is required");
  g.bf16_dense_flops = tflops * 1e12;
  parse_gpu_links(r, g);
  g.aliases = read_string_list(r, "aliases");
  if (r.has("price")) {
    ObjectReader price = r.object("price");
    g.price_usd_per_gpu_hour = price.optional_number("usd_per_gpu_hour", 0.01, 1000);
    g.price_source = price.string("source", "", 2048);
    g.price_date = price.string("date", "", 16);
    price.string("kind", "", 256);
    if (g.price_source.empty()) fail(price.pointer_of("source"), "is required: where the price was seen");
    if (g.price_date.size() != 7 || g.price_date[4] != '-') {
      fail(price.pointer_of("date"), "must be a YYYY-MM date, got \"" + g.price_date + "\"");
    }
    price.reject_unknown_keys();
  }
  ObjectReader sources = r.object("sources");
  for (const char* key : {"memory", "bandwidth", "bf16", "fp8", "interconnect"}) {
    if (sources.string(key, "", 2048).empty()) fail(sources.pointer_of(key), "is required: where this number comes from");
  }
  sources.reject_unknown_keys();
  r.reject_unknown_keys();
  return g;
}

template <class T, class ParseEntry>
std::vector<T> parse_list(std::string_view text, const char* file, const char* key, ParseEntry parse_entry) {
  const Json doc = parse_document(text, file);
  ObjectReader root(doc, "");
  root.string("$comment", "", 4096);
  const Json* list = root.find(key);
  const std::string pointer = root.pointer_of(key);
  if (!list || !list->is_array() || list->empty()) fail(pointer, "is required: a non-empty array");
  root.reject_unknown_keys();
  std::vector<T> out;
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) out.push_back(parse_entry((*list)[i], pointer_append(pointer, i)));
  return out;
}

template <class T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
  for (const T& item : items) {
    if (iequals(item.id, id)) return &item;
  }
  for (const T& item : items) {
    for (const auto& alias : item.aliases) {
      if (iequals(alias, id)) return &item;
    }
  }
  return nullptr;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

Expected<std::vector<CatalogModel>> parse_model_catalog(std::string_view json_text) {
  return catch_input_errors<std::vector<CatalogModel>>(
      [&] { return parse_list<CatalogModel>(json_text, "data/models.json", "models", parse_model_entry); });
}

Expected<std::vector<GpuSpec>> parse_gpu_catalog(std::string_view json_text) {
  return catch_input_errors<std::vector<GpuSpec>>(
      [&] { return parse_list<GpuSpec>(json_text, "data/gpus.json", "gpus", parse_gpu_entry); });
}

std::string gpu_spec_difference(const GpuSpec& a, const GpuSpec& b) {
  const std::pair<const char*, bool> same[] = {
      {"id", a.id == b.id},
      {"name", a.name == b.name},
      {"vendor", a.vendor == b.vendor},
      {"architecture", a.architecture == b.architecture},
      {"memory_type", a.memory_type == b.memory_type},
      {"memory_bytes", a.memory_bytes == b.memory_bytes},
      {"bandwidth_bytes_per_s", a.bandwidth_bytes_per_s == b.bandwidth_bytes_per_s},
      {"bf16_dense_tflops", a.bf16_dense_flops == b.bf16_dense_flops},
      {"fp8_dense_tflops", a.fp8_dense_flops == b.fp8_dense_flops},
      {"interconnect/kind", a.interconnect_kind == b.interconnect_kind},
      {"interconnect/intra_node_bytes_per_s", a.intra_node_bytes_per_s == b.intra_node_bytes_per_s},
      {"interconnect/pcie_bytes_per_s", a.pcie_bytes_per_s == b.pcie_bytes_per_s},
      {"price/usd_per_gpu_hour", a.price_usd_per_gpu_hour == b.price_usd_per_gpu_hour},
      {"price/source", a.price_source == b.price_source},
      {"price/date", a.price_date == b.price_date},
      {"aliases", a.aliases == b.aliases},
  };
  for (const auto& [field, equal] : same) {
    if (!equal) return field;
  }
  return "";
}

std::string catalog_model_difference(const CatalogModel& a, const CatalogModel& b) {
  const std::pair<const char*, bool> same[] = {
      {"id", a.id == b.id},
      {"name", a.name == b.name},
      {"family", a.family == b.family},
      {"variant", a.variant == b.variant},
      {"gated", a.gated == b.gated},
      {"published_params", a.published_params == b.published_params},
      {"published_params_text", a.published_params_text == b.published_params_text},
      {"published_params_basis", a.published_params_basis == b.published_params_basis},
      {"note", a.note == b.note},
      {"aliases", a.aliases == b.aliases},
      {"config", model_fields::flatten(a.config) == model_fields::flatten(b.config)},
  };
  for (const auto& [field, equal] : same) {
    if (!equal) return field;
  }
  return "";
}

ModelCatalog::ModelCatalog(std::vector<CatalogModel> parsed) {
  slots_.reserve(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    Slot slot(parsed[i].id, parsed[i].aliases, {}, pointer_append("/models", i));
    slot.parsed.emplace(std::move(parsed[i]));
    slots_.push_back(std::move(slot));
  }
}

void ModelCatalog::add_text(std::string id, std::vector<std::string> aliases, std::string_view json, std::string pointer) {
  slots_.emplace_back(std::move(id), std::move(aliases), json, std::move(pointer));
}

void ModelCatalog::add_built(std::string id, std::vector<std::string> aliases, CatalogModel (*build)(std::size_t), std::size_t row) {
  Slot& slot = slots_.emplace_back(std::move(id), std::move(aliases), std::string_view(), pointer_append("/models", row));
  slot.build = build;
  slot.row = row;
}

std::vector<std::string> ModelCatalog::ids() const {
  std::vector<std::string> out;
  out.reserve(slots_.size());
  for (const Slot& slot : slots_) out.push_back(slot.id);
  return out;
}

std::optional<std::size_t> ModelCatalog::index_of(std::string_view id_or_alias) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (iequals(slots_[i].id, id_or_alias)) return i;
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    for (const auto& alias : slots_[i].aliases) {
      if (iequals(alias, id_or_alias)) return i;
    }
  }
  return std::nullopt;
}

Expected<const CatalogModel*> ModelCatalog::entry(std::size_t index) const {
  const Slot& slot = slots_.at(index);
  std::call_once(*slot.once, [&slot] {
    if (slot.parsed) return;  // parsed from the start
    if (slot.build) {
      slot.parsed.emplace(slot.build(slot.row));
      return;
    }
    slot.parsed.emplace(catch_input_errors<CatalogModel>(
        [&slot] { return parse_model_entry(parse_document(slot.json, "data/models.json"), slot.pointer); }));
  });
  if (!slot.parsed->ok()) {
    Error e = slot.parsed->error();
    e.message = "data/models.json: " + e.message;
    return e;
  }
  return &slot.parsed->value();
}

Expected<std::vector<const CatalogModel*>> ModelCatalog::every_entry() const {
  std::vector<const CatalogModel*> out;
  out.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto model = entry(i);
    if (!model.ok()) return model.error();
    out.push_back(model.value());
  }
  return out;
}

namespace {

std::vector<std::string> alias_lines(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// One model from the build's table (embedded_models.hpp): plain values, no JSON to parse. tools/catalog_check.cpp
// wrote the table from what parse_model_entry reads and checks it against data/models.json in every native build.
CatalogModel model_from_row(std::size_t index) {
  const embedded::EmbeddedModel& e = embedded::kModels[index];
  CatalogModel m;
  m.id = e.id;
  m.name = e.name;
  m.family = e.family;
  m.variant = e.variant;
  m.gated = e.gated;
  if (e.has_published_params) m.published_params = e.published_params;
  m.published_params_text = e.published_params_text;
  m.published_params_basis = e.published_params_basis;
  m.note = e.note;
  m.aliases = alias_lines(e.aliases);
  m.config = model_fields::unflatten(e.cells, e.strings);
  return m;
}

ModelCatalog embedded_models() {
  ModelCatalog models;
  for (std::size_t i = 0; i < embedded::kModelCount; ++i) {
    models.add_built(embedded::kModels[i].id, alias_lines(embedded::kModels[i].aliases), model_from_row, i);
  }
  return models;
}

// The GPU list from the build's table: no JSON to parse at start-up (the page's first call spent most of
// its time parsing data/gpus.json). tools/catalog_check.cpp checks the table against parse_gpu_catalog.
std::vector<GpuSpec> embedded_gpus() {
  std::vector<GpuSpec> out;
  out.reserve(embedded::kGpuCount);
  for (std::size_t i = 0; i < embedded::kGpuCount; ++i) {
    const embedded::EmbeddedGpu& e = embedded::kGpus[i];
    GpuSpec g;
    g.id = e.id;
    g.name = e.name;
    g.vendor = e.vendor;
    g.architecture = e.architecture;
    g.memory_type = e.memory_type;
    g.memory_bytes = e.memory_bytes;
    g.bandwidth_bytes_per_s = e.bandwidth_bytes_per_s;
    g.bf16_dense_flops = e.bf16_dense_flops;
    if (e.has_fp8) g.fp8_dense_flops = e.fp8_dense_flops;
    g.interconnect_kind = e.interconnect_kind;
    g.intra_node_bytes_per_s = e.intra_node_bytes_per_s;
    g.pcie_bytes_per_s = e.pcie_bytes_per_s;
    if (e.has_price) g.price_usd_per_gpu_hour = e.price_usd_per_gpu_hour;
    g.price_source = e.price_source;
    g.price_date = e.price_date;
    g.aliases = alias_lines(e.aliases);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Expected<const Catalog*> load_catalog() {
  // Read once; a function-local static is thread-safe to initialise. The models' entries are parsed
  // on first use (ModelCatalog::entry); the GPUs come from the build's table.
  static const Expected<Catalog> kCatalog = []() -> Expected<Catalog> { return Catalog{embedded_models(), embedded_gpus()}; }();
  if (!kCatalog.ok()) return kCatalog.error();
  return &kCatalog.value();
}

const CatalogModel* find_model(const Catalog& catalog, std::string_view id) {
  const auto index = catalog.models.index_of(id);
  if (!index) return nullptr;
  const auto model = catalog.models.entry(*index);
  return model.ok() ? model.value() : nullptr;
}

const GpuSpec* find_gpu(const Catalog& catalog, std::string_view id) { return find_by_id(catalog.gpus, id); }

std::vector<std::string> nearest_ids(const std::vector<std::string>& ids, std::string_view query, std::size_t count) {
  // Queries are user text of any length; compare at most a bounded prefix so a 10 MB string stays cheap.
  constexpr std::size_t kMaxCompared = 128;
  const std::string_view q = query.substr(0, kMaxCompared);
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  scored.reserve(ids.size());
  for (const auto& id : ids) {
    // "Qwen2.5-7B-Instruct" should find "Qwen/Qwen2.5-7B-Instruct": also compare without the organisation.
    const std::size_t slash = id.find('/');
    const std::string_view repo = slash == std::string::npos ? std::string_view(id) : std::string_view(id).substr(slash + 1);
    scored.emplace_back(std::min(edit_distance(q, id), edit_distance(q, repo)), &id);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < count; ++i) out.push_back(*scored[i].second);
  return out;
}

}  // namespace vramplan
