// Build-time check of the embedded catalogs (run by the build, see cli/CMakeLists.txt).
// Parses both catalogs exactly as the product does, then checks what a parser cannot see alone:
// unique ids and aliases, that every model's parameters can be counted, and that each GPU's FP8 and
// interconnect figures agree with its architecture and with each other (the parser checks ranges only).
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "vramplan/catalog.hpp"
#include "vramplan/gpu_table.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return report("usage", "vramplan_catalog_check data/gpus.json");
  const auto catalog = vramplan::load_catalog();
  if (!catalog.ok()) return report("data/*.json", catalog.error().line());
  if (check_gpu_table(argv[1], catalog.value()->gpus) != 0) return 1;

  std::set<std::string> model_ids;
  const auto entries = catalog.value()->models.every_entry();
  if (!entries.ok()) return report("data/models.json", entries.error().line());
  const auto& models = entries.value();
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
