// Build-time check of the embedded catalogs (run by the build, see cli/CMakeLists.txt).
// Parses both catalogs exactly as the product does, requires the compiled-in tables to hold exactly what it
// reads, then checks what a parser cannot see alone: unique ids and aliases, that every model's parameters
// can be counted, and that each GPU's FP8 and interconnect figures agree with its architecture and with each
// other (the parser checks ranges only).
//
//   vramplan_catalog_check data/gpus.json data/models.json          the check (every native build)
//   vramplan_catalog_check --write-models data/models.json FILE.cpp  writes the model table
//                                                                    (core/model/src/embedded_models.cpp)
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "vramplan/catalog.hpp"
#include "vramplan/gpu_table.hpp"
#include "vramplan/model_fields.hpp"
#include "vramplan/params.hpp"

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

int report(const std::string& where, const std::string& what) {
  std::fprintf(stderr, "catalog error: %s: %s\n", where.c_str(), what.c_str());
  return 1;
}

// FP8 tensor cores arrived with Hopper and Ada (NVIDIA Hopper and Ada whitepapers) and CDNA 3 (AMD MI300X
// data sheet); Volta and Ampere have none. An unknown architecture must be added here before it can pass.
bool architecture_has_fp8(const std::string& architecture, bool* known) {
  static const std::set<std::string> with{"Hopper", "Ada Lovelace", "Blackwell", "CDNA 3"};
  static const std::set<std::string> without{"Volta", "Turing", "Ampere"};
  *known = with.count(architecture) > 0 || without.count(architecture) > 0;
  return with.count(architecture) > 0;
}

// Every vendor figure so far doubles dense tensor throughput from 16-bit to 8-bit inputs (L40S's datasheet
// rounds to 2.02x); a ratio outside 1.9..2.1 means a sparse figure was taken for a dense one, or the
// FP16-accumulate GeForce rate for the FP32-accumulate one.
constexpr double kFp8OverBf16Min = 1.9;
constexpr double kFp8OverBf16Max = 2.1;

std::string check_gpu_links(const vramplan::GpuSpec& g) {
  bool known = false;
  const bool fp8 = architecture_has_fp8(g.architecture, &known);
  if (!known) return "/architecture: \"" + g.architecture + "\" is not in tools/catalog_check.cpp's FP8 table";
  if (fp8 != g.fp8_dense_flops.has_value()) {
    return std::string("/fp8_dense_tflops: ") + g.architecture + (fp8 ? " has FP8 tensor cores: give the figure" : " has no FP8 tensor cores: must be null");
  }
  if (g.fp8_dense_flops) {
    const double ratio = *g.fp8_dense_flops / g.bf16_dense_flops;
    if (ratio < kFp8OverBf16Min || ratio > kFp8OverBf16Max) {
      return "/fp8_dense_tflops: " + std::to_string(ratio) + " x bf16_dense_tflops, expected 1.9..2.1 (dense vs sparse mix-up?)";
    }
  }
  // A PCIe-only card reaches its peers over the same PCIe link; NVLink / Infinity Fabric parts are never slower.
  const bool pcie_only = std::string_view(g.interconnect_kind).substr(0, 4) == "PCIe";
  if (pcie_only && g.intra_node_bytes_per_s != g.pcie_bytes_per_s) {
    return "/interconnect: kind \"" + g.interconnect_kind + "\" but intra_node_bytes_per_s differs from pcie_bytes_per_s";
  }
  if (g.intra_node_bytes_per_s < g.pcie_bytes_per_s) {
    return "/interconnect/intra_node_bytes_per_s: below pcie_bytes_per_s for kind \"" + g.interconnect_kind + "\"";
  }
  return "";
}

// The GPUs are embedded as C++ data (cmake/EmbedCatalogs.cmake), not parsed at run time: data/gpus.json
// is parsed here with the product's parser (every range and required field) and the table must hold
// exactly what it reads.
int check_gpu_table(const char* path, const std::vector<vramplan::GpuSpec>& embedded) {
  std::ifstream in(path);
  if (!in) return report(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = vramplan::parse_gpu_catalog(text.str());
  if (!parsed.ok()) return report("data/gpus.json", parsed.error().line());
  if (parsed->size() != embedded.size()) return report("data/gpus.json", "the embedded table has another length: rebuild");
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    const std::string field = vramplan::gpu_spec_difference(embedded[i], parsed.value()[i]);
    if (!field.empty()) {
      return report("data/gpus.json /gpus/" + std::to_string(i) + "/" + field, "the embedded table differs from the file");
    }
  }
  return 0;
}

std::string read_file(const char* path, bool* ok) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  *ok = static_cast<bool>(in);
  return text.str();
}

constexpr const char* kWriteModels = "vramplan_catalog_check --write-models data/models.json core/model/src/embedded_models.cpp";

// The models are compiled in as the values the parser reads (core/model/src/embedded_models.cpp): data/models.json
// is parsed here and every entry of the table must equal its entry, field by field.
int check_model_table(const std::vector<vramplan::CatalogModel>& parsed, const std::vector<const vramplan::CatalogModel*>& embedded) {
  const std::string rewrite = std::string(": the compiled-in table differs from the file; run ") + kWriteModels;
  if (parsed.size() != embedded.size()) return report("data/models.json /models", "another number of entries" + rewrite);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const std::string field = vramplan::catalog_model_difference(*embedded[i], parsed[i]);
    if (!field.empty()) return report("data/models.json /models/" + std::to_string(i) + "/" + field, parsed[i].id + rewrite);
  }
  return 0;
}

// A C++ string literal holding `text`: printable ASCII as it is, the rest as octal escapes (at most three digits,
// so a digit after one is never read as part of it).
std::string literal(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\%03o", byte);
      out += escaped;
    }
  }
  return out + "\"";
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// One entry's row of the table, with the arrays of its ModelConfig's cells and strings before it.
std::string model_row(const vramplan::CatalogModel& m, std::size_t i, std::string* arrays) {
  const vramplan::model_fields::FlatModel flat = vramplan::model_fields::flatten(m.config);
  const std::string n = std::to_string(i);
  *arrays += "const long long kCells" + n + "[] = {";
  for (std::size_t k = 0; k < flat.cells.size(); ++k) *arrays += (k ? "," : "") + std::to_string(flat.cells[k]);
  *arrays += "};\nconst char* const kStrings" + n + "[] = {";
  for (std::size_t k = 0; k < flat.strings.size(); ++k) *arrays += (k ? ", " : "") + literal(flat.strings[k]);
  *arrays += flat.strings.empty() ? "nullptr};\n" : "};\n";
  return "    {" + literal(m.id) + ", " + literal(m.name) + ", " + literal(m.family) + ", " + literal(m.variant) + ", " +
         (m.gated ? "true, " : "false, ") + (m.published_params ? "true, " : "false, ") +
         std::to_string(m.published_params.value_or(0)) + "LL, " + literal(m.published_params_text) + ", " +
         literal(m.published_params_basis) + ", " + literal(m.note) + ", " + literal(joined_lines(m.aliases)) + ", kCells" + n +
         ", kStrings" + n + "},\n";
}

int write_model_table(const char* models_path, const char* out_path) {
  bool read = false;
  const std::string text = read_file(models_path, &read);
  if (!read) return report(models_path, "cannot be read");
  const auto parsed = vramplan::parse_model_catalog(text);
  if (!parsed.ok()) return report("data/models.json", parsed.error().line());
  std::string arrays;
  std::string rows;
  for (std::size_t i = 0; i < parsed->size(); ++i) rows += model_row(parsed.value()[i], i, &arrays);
  std::ofstream out(out_path);
  out << "// Generated from data/models.json by " << kWriteModels << "\n"
      << "// (tools/catalog_check.cpp): what the product's parser reads, as plain values. Do not edit; every native\n"
      << "// build checks it against the file. kCellsN and kStringsN: entry N's ModelConfig, as\n"
      << "// vramplan/model_fields.hpp flatten() writes it.\n"
      << "#include \"embedded_models.hpp\"\n\nnamespace vramplan::embedded {\nnamespace {\n\n"
      << arrays << "\n}  // namespace\n\nconst std::size_t kModelCount = " << parsed->size() << ";\n"
      << "const EmbeddedModel kModels[] = {\n" << rows << "};\n\n}  // namespace vramplan::embedded\n";
  if (!out) return report(out_path, "cannot be written");
  std::printf("%s: %zu models\n", out_path, parsed->size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--write-models") return write_model_table(argv[2], argv[3]);
  if (argc != 3) return report("usage", "vramplan_catalog_check data/gpus.json data/models.json");
  const auto catalog = vramplan::load_catalog();
  if (!catalog.ok()) return report("data/*.json", catalog.error().line());
  if (check_gpu_table(argv[1], catalog.value()->gpus) != 0) return 1;

  std::set<std::string> model_ids;
  const auto entries = catalog.value()->models.every_entry();
  if (!entries.ok()) return report("data/models.json", entries.error().line());
  const auto& models = entries.value();
  bool read = false;
  const std::string models_text = read_file(argv[2], &read);
  if (!read) return report(argv[2], "cannot be read");
  const auto parsed_models = vramplan::parse_model_catalog(models_text);
  if (!parsed_models.ok()) return report("data/models.json", parsed_models.error().line());
  if (check_model_table(parsed_models.value(), models) != 0) return 1;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = *models[i];
    const std::string where = "data/models.json /models/" + std::to_string(i) + " (" + m.id + ")";
    if (!model_ids.insert(lower(m.id)).second) return report(where, "duplicate id");
    for (const auto& alias : m.aliases) {
      if (!model_ids.insert(lower(alias)).second) return report(where + "/aliases", "duplicate id or alias " + alias);
    }
    const auto counts = vramplan::count_params(m.config);
    if (!counts.ok()) return report(where + "/config", counts.error().line());
  }

  std::set<std::string> gpu_ids;
  const auto& gpus = catalog.value()->gpus;
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    const std::string where = "data/gpus.json /gpus/" + std::to_string(i) + " (" + gpus[i].id + ")";
    if (!gpu_ids.insert(lower(gpus[i].id)).second) return report(where, "duplicate id");
    for (const auto& alias : gpus[i].aliases) {
      if (!gpu_ids.insert(lower(alias)).second) return report(where + "/aliases", "duplicate id or alias " + alias);
    }
    const std::string links = check_gpu_links(gpus[i]);
    if (!links.empty()) return report(where + links, "inconsistent");
  }
  std::printf("catalogs ok: %zu models, %zu GPUs\n", models.size(), gpus.size());
  return 0;
}
