// Release keys (docs/scenario.md): inference.vllm_version, rl.rollout.vllm_version and
// train.transformers_version name the framework release whose memory behaviour the estimate follows.
#include "scenario_enum.hpp"

namespace vramplan {

// "latest", or a release written major.minor[.patch] ("0.16", "4.48.1"): every digit group at most 4
// digits, so the numbers stay small.
ReleaseVersion read_release_version(ObjectReader& r, const char* key, const char* what) {
  ReleaseVersion v;
  if (r.schema_recorder()) {  // the schema's entry, built only when the schema is being written
    r.describe(key, Json{{"type", "version"}, {"default", "latest"}, {"pattern", "latest | major.minor[.patch]"}});
  }
  v.text = r.string(key, "latest", 32);
  if (v.text == "latest") return v;
  int parts[3] = {0, 0, 0};
  int count = 0;
  std::size_t digits = 0;
  bool ok = !v.text.empty();
  for (const char c : v.text) {
    if (c >= '0' && c <= '9' && digits < 4) {
      parts[count] = parts[count] * 10 + (c - '0');
      ++digits;
    } else if (c == '.' && digits > 0 && count < 2) {
      ++count;
      digits = 0;
    } else {
      ok = false;
      break;
    }
  }
  if (!ok || digits == 0 || count < 1) {
    fail(r.pointer_of(key), std::string("must be ") + what + ", or \"latest\", got " + describe_value(Json(v.text)));
  }
  v.major = parts[0];
  v.minor = parts[1];
  return v;
}

}  // namespace vramplan
