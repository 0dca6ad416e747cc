#pragma once
// Plain-text tables and number formatting for the human-readable output.
#include <cstdint>
#include <string>
#include <vector>

namespace vramplan::cli {

enum class Align { left, right };

class Table {
 public:
  explicit Table(std::vector<std::string> headers, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  std::string render() const;  // header, a rule, rows; columns padded to their widest cell

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

std::string format_gib(double bytes);        // "15.23 GiB"
std::string format_params(std::int64_t n);   // "7.62B", "494.0M"
std::string format_grouped(std::int64_t n);  // "7,615,616,512"

}  // namespace vramplan::cli
