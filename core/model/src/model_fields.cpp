#include "vramplan/model_fields.hpp"

#include <cstddef>
#include <type_traits>

namespace vramplan::model_fields {
namespace {

// Writes every field of a (const) ModelConfig into a FlatModel: numbers and list lengths as cells, strings in order.
class Flattener {
 public:
  explicit Flattener(FlatModel& out) : out_(out) {}
  void operator()(const std::string& s) { out_.strings.push_back(s); }
  void operator()(const std::vector<std::string>& list) {
    cell(list.size());
    for (const std::string& s : list) out_.strings.push_back(s);
  }
  void operator()(const std::vector<std::int64_t>& list) {
    cell(list.size());
    for (const std::int64_t x : list) out_.cells.push_back(x);
  }
  template <class T>
  void operator()(const T& value) {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "a ModelConfig field of a type FlatModel cannot hold");
    out_.cells.push_back(static_cast<std::int64_t>(value));
  }
  template <class T, class Each>
  void list(const std::vector<T>& items, Each each) {
    cell(items.size());
    for (const T& item : items) each(item);
  }

 private:
  void cell(std::size_t n) { out_.cells.push_back(static_cast<std::int64_t>(n)); }
  FlatModel& out_;
};

// Reads them back, in the same order.
class Unflattener {
 public:
  Unflattener(const long long* cells, const char* const* strings) : cells_(cells), strings_(strings) {}
  void operator()(std::string& s) { s = *strings_++; }
  void operator()(std::vector<std::string>& list) {
    list.resize(count());
    for (std::string& s : list) s = *strings_++;
  }
  void operator()(std::vector<std::int64_t>& list) {
    list.resize(count());
    for (std::int64_t& x : list) x = *cells_++;
  }
  void operator()(bool& value) { value = *cells_++ != 0; }
  template <class T>
  void operator()(T& value) {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "a ModelConfig field of a type FlatModel cannot hold");
    value = static_cast<T>(*cells_++);
  }
  template <class T, class Each>
  void list(std::vector<T>& items, Each each) {
    items.resize(count());
    for (T& item : items) each(item);
  }

 private:
  std::size_t count() { return static_cast<std::size_t>(*cells_++); }
  const long long* cells_;
  const char* const* strings_;
};

}  // namespace

FlatModel flatten(const ModelConfig& model) {
  FlatModel out;
  Flattener writer(out);
  visit_model(writer, model);
  return out;
}

ModelConfig unflatten(const long long* cells, const char* const* strings) {
  ModelConfig model;
  Unflattener reader(cells, strings);
  visit_model(reader, model);
  return model;
}

}  // namespace vramplan::model_fields
