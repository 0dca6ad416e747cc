// The embedded catalogs (data/models.json, data/gpus.json) and their lookups.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"

using namespace vramplan;

namespace {

const Catalog& catalog() {
  auto loaded = load_catalog();
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().line()));
  return *loaded.value();
}

constexpr std::int64_t kMiB = 1048576;

// A published rounded figure ("7.61B", "494M") and the tolerance its rounding allows.
struct Rounded {
  double value = 0;
  double half_unit = 0;  // half of the last printed digit
};

bool parse_rounded(const std::string& text, Rounded& out) {
  std::size_t i = 0;
  while (i < text.size() && !(text[i] >= '0' && text[i] <= '9')) ++i;
  std::size_t j = i;
  int decimals = -1;
  while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == '.')) {
    if (decimals >= 0) ++decimals;
    if (text[j] == '.') decimals = 0;
    ++j;
  }
  if (j == i || j >= text.size()) return false;
  double unit = 0;
  switch (text[j]) {
    case 'T': unit = 1e12; break;
    case 'B': unit = 1e9; break;
    case 'M': unit = 1e6; break;
    default: return false;
  }
  out.value = std::strtod(text.substr(i, j - i).c_str(), nullptr) * unit;
  out.half_unit = 0.5 * unit * std::pow(10.0, -std::max(decimals, 0));
  return true;
}

std::int64_t group(const ParamCounts& counts, const char* id) {
  for (const auto& g : counts.groups) {
    if (g.id == id) return g.params;
  }
  return 0;
}

// The computed count that corresponds to what the publisher counted.
double count_on_basis(const ParamCounts& counts, const std::string& basis) {
  if (basis == "without_lm_head") return static_cast<double>(counts.total - group(counts, "lm_head"));
  if (basis == "without_task_head") return static_cast<double>(counts.total - group(counts, "mlm_head"));
  return static_cast<double>(counts.total);
}

// Within 0.5%, or within the rounding of the printed figure ("0.49B" covers 0.485B-0.495B).
bool matches_rounded(double count, const Rounded& published) {
  return std::abs(count - published.value) <= std::max(0.005 * published.value, published.half_unit);
}

}  // namespace

TEST_CASE("every GPU id the contract lists exists, case-insensitively") {
  for (const char* id : {"RTX-3080-10GB", "RTX-3080-Ti", "RTX-3090", "RTX-4070", "RTX-4070-Ti", "RTX-4080", "RTX-4090",
                         "RTX-5090", "RTX-A6000", "L4", "A10G", "L40S", "V100-SXM2-16GB", "V100-SXM2-32GB",
                         "A100-SXM-40GB", "A100-SXM-80GB", "A100-PCIe-80GB", "H100-PCIe-80GB", "H100-SXM-80GB",
                         "H100-NVL-94GB", "H800-80GB", "H20-96GB", "H200-141GB", "B200", "MI300X"}) {
    CAPTURE(id);
    const GpuSpec* gpu = find_gpu(catalog(), id);
    REQUIRE(gpu != nullptr);
    CHECK(gpu->bandwidth_bytes_per_s > 0);
    CHECK(gpu->bf16_dense_flops > 0);
    std::string lower = id;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(find_gpu(catalog(), lower) == gpu);
  }
}

TEST_CASE("GPU memory is what the device reports, not the marketing figure") {
  // nvidia-smi on an H100 SXM reports 81,559 MiB (80 GB class; one seed's "96 GB" is wrong).
  CHECK(find_gpu(catalog(), "H100-SXM-80GB")->memory_bytes == 81559 * kMiB);
  CHECK(find_gpu(catalog(), "A100-SXM-80GB")->memory_bytes == 81920 * kMiB);
  // The 94 GB H100 is the NVL part; it must not be confused with the SXM.
  const GpuSpec* nvl = find_gpu(catalog(), "H100-NVL-94GB");
  CHECK(nvl->memory_bytes > 90000 * kMiB);
  CHECK(nvl->memory_bytes < 96 * 1024 * kMiB);
  CHECK(find_gpu(catalog(), "H200-141GB")->memory_bytes > 140 * 1000000000LL);
}

TEST_CASE("every model the seeds name is in the catalog") {
  for (const char* id :
       {"Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct",
        "Qwen/Qwen2.5-14B-Instruct", "Qwen/Qwen2.5-32B", "Qwen/Qwen2.5-72B-Instruct", "Qwen/Qwen2-7B-Instruct",
        "Qwen/Qwen3-0.6B", "Qwen/Qwen3-8B", "Qwen/Qwen3-32B", "Qwen/Qwen3-30B-A3B", "meta-llama/Llama-2-7b-hf",
        "meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-70b-hf", "meta-llama/Llama-3.1-8B-Instruct",
        "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-405B-Instruct", "meta-llama/Llama-3.2-1B",
        "meta-llama/Llama-3.2-3B-Instruct", "codellama/CodeLlama-7b-Instruct-hf", "codellama/CodeLlama-34b-hf",
        "google/gemma-2-2b-it", "google/gemma-2-9b-it", "google/gemma-2-27b", "google/gemma-3-1b-it",
        "google/gemma-3-4b-it", "google/gemma-3-27b-it", "microsoft/phi-2", "microsoft/Phi-3-mini-4k-instruct",
        "microsoft/phi-4", "microsoft/DialoGPT-small", "microsoft/DialoGPT-medium", "distilbert-base-uncased",
        "Qwen/Qwen2.5-VL-3B-Instruct", "Qwen/Qwen2.5-VL-7B-Instruct", "Qwen/Qwen2-VL-7B-Instruct",
        "openai/whisper-large-v3", "mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1", "deepseek-ai/DeepSeek-V3"}) {
    CAPTURE(id);
    CHECK(find_model(catalog(), id) != nullptr);
  }
}

TEST_CASE("a seed's misnamed id maps to the real model and says so") {
  const CatalogModel* phi4 = find_model(catalog(), "microsoft/Phi-4-Instruct");
  REQUIRE(phi4 != nullptr);
  CHECK(phi4->id == "microsoft/phi-4");
  CHECK_FALSE(phi4->note.empty());
}

TEST_CASE("every catalog model's parameter count matches its published count") {
  int exact = 0;
  int rounded = 0;
  const auto entries = catalog().models.every_entry();
  REQUIRE(entries.ok());
  for (const CatalogModel* entry : entries.value()) {
    const CatalogModel& m = *entry;
    CAPTURE(m.id);
    const auto counts = count_params(m.config);
    REQUIRE(counts.ok());
    CHECK(counts->total == counts->embedding + counts->non_embedding);
    CHECK(counts->active <= counts->total);
    if (m.published_params) {
      CHECK(counts->total == *m.published_params);
      ++exact;
    }
    Rounded published;
    if (parse_rounded(m.published_params_text, published)) {
      CAPTURE(m.published_params_text);
      CHECK(matches_rounded(count_on_basis(counts.value(), m.published_params_basis), published));
      ++rounded;
    }
  }
  MESSAGE("checked " << exact << " exact and " << rounded << " rounded published counts");
  CHECK(exact >= 8);
  CHECK(rounded + exact >= static_cast<int>(catalog().models.size()) / 2);
}

TEST_CASE("nearest_ids ranks by edit distance, ignoring case and the organisation") {
  const std::vector<std::string> ids{"Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B"};
  CHECK(nearest_ids(ids, "qwen/qwen2.5-7b-instruc", 1).front() == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(nearest_ids(ids, "Llama-3.1-8B", 1).front() == "meta-llama/Llama-3.1-8B");
  CHECK(nearest_ids(ids, std::string(1 << 20, 'x'), 2).size() == 2);
}

TEST_CASE("malformed catalogs are rejected with the entry and field named") {
  const auto bad_gpu = parse_gpu_catalog(R"({"gpus": [{"id": "X", "name": "X", "vendor": "V", "architecture": "A",
      "memory_type": "HBM", "memory_bytes": 12, "bandwidth_bytes_per_s": 1e12, "bf16_dense_tflops": 100,
      "sources": {"memory": "m", "bandwidth": "b", "bf16": "f"}}]})");
  REQUIRE_FALSE(bad_gpu.ok());
  CHECK(bad_gpu.error().pointer == "/gpus/0/memory_bytes");
  const auto no_source = parse_gpu_catalog(R"({"gpus": [{"id": "X", "name": "X", "vendor": "V", "architecture": "A",
      "memory_type": "HBM", "memory_bytes": 85520809984, "bandwidth_bytes_per_s": 1e12, "bf16_dense_tflops": 100,
      "fp8_dense_tflops": null, "interconnect": {"kind": "PCIe 4.0 x16", "intra_node_bytes_per_s": 32e9,
      "pcie_bytes_per_s": 32e9}, "sources": {"memory": "m", "bandwidth": "b"}}]})");
  REQUIRE_FALSE(no_source.ok());
  CHECK(no_source.error().pointer == "/gpus/0/sources/bf16");
  const auto bad_model = parse_model_catalog(R"({"models": [{"id": "a/b", "name": "B", "family": "F", "variant": "base",
      "gated": false, "source": "s", "config": {"model_type": "llama", "hidden_size": 0}}]})");
  REQUIRE_FALSE(bad_model.ok());
  CHECK(bad_model.error().pointer.rfind("/models/0/config/", 0) == 0);
  CHECK_FALSE(parse_model_catalog("{").ok());
}

namespace {
// One valid GPU entry with the FP8 and interconnect fields spliced in, for the parser tests below.
Expected<std::vector<GpuSpec>> gpu_with(const std::string& links, const std::string& extra_sources) {
  return parse_gpu_catalog(R"({"gpus": [{"id": "X", "name": "X", "vendor": "V", "architecture": "A",
      "memory_type": "HBM", "memory_bytes": 85520809984, "bandwidth_bytes_per_s": 1e12, "bf16_dense_tflops": 100, )" +
                           links + R"(, "sources": {"memory": "m", "bandwidth": "b", "bf16": "f")" + extra_sources +
                           "}}]}");
}
const std::string kLink = R"j("interconnect": {"kind": "NVLink 4 (SXM)", "intra_node_bytes_per_s": 450e9,
    "pcie_bytes_per_s": 64e9})j";
const std::string kCited = R"(, "fp8": "datasheet", "interconnect": "datasheet")";
}  // namespace

TEST_CASE("GPU FP8 throughput and interconnect are read, required and cited") {
  const auto ok = gpu_with(R"("fp8_dense_tflops": 200, )" + kLink, kCited);
  REQUIRE(ok.ok());
  CHECK(ok.value()[0].fp8_dense_flops == 200e12);
  CHECK(ok.value()[0].interconnect_kind == "NVLink 4 (SXM)");
  CHECK(ok.value()[0].intra_node_bytes_per_s == 450e9);
  CHECK(ok.value()[0].pcie_bytes_per_s == 64e9);
  const auto no_fp8_cores = gpu_with(R"("fp8_dense_tflops": null, )" + kLink, kCited);
  REQUIRE(no_fp8_cores.ok());
  CHECK_FALSE(no_fp8_cores.value()[0].fp8_dense_flops.has_value());

  const auto missing_fp8 = gpu_with(kLink, kCited);
  REQUIRE_FALSE(missing_fp8.ok());
  CHECK(missing_fp8.error().pointer == "/gpus/0/fp8_dense_tflops");
  const auto missing_link = gpu_with(R"("fp8_dense_tflops": 200)", kCited);
  REQUIRE_FALSE(missing_link.ok());
  CHECK(missing_link.error().pointer == "/gpus/0/interconnect");
  const auto slow_link = gpu_with(R"("fp8_dense_tflops": 200, "interconnect": {"kind": "PCIe", "intra_node_bytes_per_s": 5,
      "pcie_bytes_per_s": 64e9})", kCited);
  REQUIRE_FALSE(slow_link.ok());
  CHECK(slow_link.error().pointer == "/gpus/0/interconnect/intra_node_bytes_per_s");
  const auto uncited = gpu_with(R"("fp8_dense_tflops": 200, )" + kLink, R"(, "fp8": "datasheet")");
  REQUIRE_FALSE(uncited.ok());
  CHECK(uncited.error().pointer == "/gpus/0/sources/interconnect");
}

TEST_CASE("catalog FP8 and link figures follow the vendor datasheets") {
  // NVIDIA H100 datasheet: FP8 3,958 TFLOPS sparse (1,979 dense); NVLink 900 GB/s bidirectional; PCIe Gen5 128 GB/s.
  const GpuSpec* h100 = find_gpu(catalog(), "H100-SXM-80GB");
  REQUIRE(h100->fp8_dense_flops.has_value());
  CHECK(*h100->fp8_dense_flops == 1979e12);
  CHECK(h100->intra_node_bytes_per_s == 450e9);
  CHECK(h100->pcie_bytes_per_s == 64e9);
  // A100 has no FP8 tensor cores; its NVLink 3 carries 600 GB/s bidirectional.
  const GpuSpec* a100 = find_gpu(catalog(), "A100-SXM-80GB");
  CHECK_FALSE(a100->fp8_dense_flops.has_value());
  CHECK(a100->intra_node_bytes_per_s == 300e9);
  // Ada whitepaper, RTX 4090: BF16 with FP32 accumulate 165.2 dense (82.6 is the TF32 rate).
  CHECK(find_gpu(catalog(), "RTX-4090")->bf16_dense_flops == doctest::Approx(165.2e12));
  // PCIe-only cards reach their peers over PCIe.
  const GpuSpec* l40s = find_gpu(catalog(), "L40S");
  CHECK(l40s->intra_node_bytes_per_s == l40s->pcie_bytes_per_s);
}
