// The "time" object's member order (api_time.hpp), shared by both sinks' writers.
#include "api_time.hpp"

namespace vramplan::api {

std::vector<TimeMember> time_members(const time::TimeEstimate& t) {
  std::vector<TimeMember> given;
  given.reserve(t.terms.size() + 4);
  given.push_back({"available", nullptr});
  if (t.available) given.push_back({"utilisation", nullptr});
  for (const time::TimeTerm& term : t.terms) given.push_back({term.id, &term});
  given.push_back({"assumptions", nullptr});
  given.push_back({"warnings", nullptr});
  // An insertion into the sorted list, after its equals, keeping the first given of each key: a dozen
  // members, and no sort template instantiated per sink.
  std::vector<TimeMember> sorted;
  sorted.reserve(given.size());
  for (const TimeMember& m : given) {
    std::size_t at = sorted.size();
    while (at > 0 && m.key < sorted[at - 1].key) --at;
    if (at > 0 && sorted[at - 1].key == m.key) continue;
    sorted.insert(sorted.begin() + static_cast<std::ptrdiff_t>(at), m);
  }
  return sorted;
}

}  // namespace vramplan::api
