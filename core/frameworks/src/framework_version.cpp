// config.framework_version: the framework release a generated config is written for (docs/configs.md
// "Framework versions"). Each format accepts the release lines whose keys, scripts and presets the
// emitters know; the newest is the default: the release the snapshot in data/frameworks/<format>/ was taken
// from (its PROVENANCE.md gives the commit). What changed between the lines, with the upstream commit, is
// written next to each switch in the emitters (core/frameworks/src/<format>/emit.cpp).
#include <string>
#include <vector>

#include "vramplan/framework_config.hpp"

namespace vramplan::config {

namespace {

std::vector<Version> lines(int major, int first_minor, int last_minor) {
  std::vector<Version> out;
  for (int minor = first_minor; minor <= last_minor; ++minor) out.push_back({major, minor});
  return out;
}

// "0.6", "0.6.1", "v0.6.0" -> 0.6; anything else -> false. The scenario parser already checked that the text
// holds only digits, dots and a leading v.
bool parse_line(std::string text, Version& out) {
  if (!text.empty() && text.front() == 'v') text.erase(0, 1);
  std::vector<std::string> parts(1);
  for (const char c : text) {
    if (c == '.') {
      parts.emplace_back();
    } else if (c >= '0' && c <= '9' && parts.back().size() < 4) {
      parts.back() += c;
    } else {
      return false;
    }
  }
  if (parts.size() < 2 || parts.size() > 3) return false;
  for (const auto& part : parts) {
    if (part.empty()) return false;
  }
  out = Version{std::stoi(parts[0]), std::stoi(parts[1])};
  return true;
}

}  // namespace

const std::vector<Version>& accepted_versions(Format format) {
  // verl: v0.5.0 (2025-07-23) to v0.7.0 (2026-01-05), snapshot b178a3cd after v0.7.0. Before 0.5 verl had no
  // generated ppo_trainer.yaml to check keys against.
  static const std::vector<Version> verl = lines(0, 5, 7);
  // NeMo RL: v0.4.0 (2025-11-20) to v0.7.0 (2026-07-29), snapshot 7ea279ab after v0.7.0. v0.3 lacks the
  // megatron_cfg keys the pipeline-parallel config writes.
  static const std::vector<Version> nemo_rl = lines(0, 4, 7);
  // Automodel: v0.3.0 (2026-02-27, distributed.strategy, #1225) to v0.5.0 (2026-06-29), snapshot 36044ad3 after
  // v0.5.0. v0.2 configured distributed with a _target_ manager class instead of `strategy`.
  static const std::vector<Version> automodel = lines(0, 3, 5);
  // TRL: v0.18.0 (the CLI's --accelerate_config presets, zero2 among them: 1954c02d8 #3409, 2025-05-06) to
  // v1.9.0 (2026-07-21), snapshot f2cd5771 after v1.9.0. 0.29 was followed by 1.0.
  static const std::vector<Version> trl = [] {
    std::vector<Version> out = lines(0, 18, 29);
    for (const Version& v : lines(1, 0, 9)) out.push_back(v);
    return out;
  }();
  switch (format) {
    case Format::verl: return verl;
    case Format::nemo_rl: return nemo_rl;
    case Format::nemo_automodel: return automodel;
    case Format::trl: return trl;
  }
  return verl;
}

std::string version_text(Version v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

const char* framework_name(Format format) {
  switch (format) {
    case Format::verl: return "verl";
    case Format::nemo_rl: return "NeMo RL";
    case Format::nemo_automodel: return "NeMo Automodel";
    case Format::trl: return "TRL";
  }
  return "verl";
}

// "0.4 to 0.7", "0.18 to 0.29, 1.0 to 1.9": runs of consecutive minors within a major.
std::string accepted_text(Format format) {
  const auto& accepted = accepted_versions(format);
  std::string out;
  for (std::size_t i = 0; i < accepted.size();) {
    std::size_t j = i;
    while (j + 1 < accepted.size() && accepted[j + 1].major == accepted[i].major &&
           accepted[j + 1].minor == accepted[j].minor + 1) {
      ++j;
    }
    out += (out.empty() ? "" : ", ") + version_text(accepted[i]) + (j > i ? " to " + version_text(accepted[j]) : "");
    i = j + 1;
  }
  return out;
}

Expected<Version> resolve_version(const Scenario& s, Format format) {
  const auto& accepted = accepted_versions(format);
  if (!s.config.framework_version) return accepted.back();
  Version v;
  if (parse_line(*s.config.framework_version, v)) {
    for (const Version& known : accepted) {
      if (known.major == v.major && known.minor == v.minor) return v;
    }
  }
  return Error{"/config/framework_version", std::string("--format ") + to_string(format) + " writes for " +
                                                framework_name(format) + " " + accepted_text(format) +
                                                " (a release line, \"" + version_text(accepted.back()) +
                                                "\" or \"v" + version_text(accepted.back()) +
                                                ".0\"; default " + version_text(accepted.back()) + "), got " +
                                                describe_value(Json(*s.config.framework_version))};
}

std::string version_line(Format format, Version v) {
  return "Written for " + std::string(framework_name(format)) + " " + version_text(v) +
         " (config.framework_version; accepted: " + accepted_text(format) + "; default " +
         version_text(accepted_versions(format).back()) + ").";
}

}  // namespace vramplan::config
