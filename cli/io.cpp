#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "commands.hpp"
#include "vramplan/api.hpp"

namespace vramplan::cli {
namespace {

// A scenario or config.json is a few kilobytes; 64 MiB bounds what a mistaken path can make us read.
constexpr std::streamsize kMaxInputBytes = std::streamsize{64} << 20;

bool is_option(const std::string& arg) { return arg.size() > 1 && arg[0] == '-' && arg != "-"; }

}  // namespace

Expected<Args> parse_args(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                          std::size_t max_positional) {
  Args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      out.json = true;
    } else if (is_option(arg)) {
      std::string name = arg;
      std::string value;
      const std::size_t eq = arg.find('=');
      bool has_value = false;
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        has_value = true;
      }
      bool known = false;
      for (const auto& v : valued) known = known || v == name;
      if (!known) return Error{name, "unknown option (see `vramplan --help`)"};
      if (!has_value) {
        if (i + 1 >= args.size()) return Error{name, "needs a value"};
        value = args[++i];
      }
      out.values[name] = value;
    } else {
      out.positional.push_back(arg);
    }
  }
  if (out.positional.size() > max_positional) {
    return Error{out.positional[max_positional], "unexpected argument (see `vramplan --help`)"};
  }
  return out;
}

Expected<std::string> read_input(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) return Error{path, "is a directory; give a file"};
    file.open(path, std::ios::binary);
    if (!file) return Error{path, "cannot open the file"};
    in = &file;
  }
  // Read in chunks and stop past the limit: an endless input (/dev/zero, `yes |`) must fail at
  // 64 MiB, not exhaust memory.
  std::string text;
  char chunk[65536];
  while (*in) {
    in->read(chunk, sizeof chunk);
    text.append(chunk, static_cast<std::size_t>(in->gcount()));
    if (static_cast<std::streamsize>(text.size()) > kMaxInputBytes) {
      return Error{path, "is larger than 64 MiB; a scenario or config.json is a few kilobytes"};
    }
  }
  return text;
}

Expected<Json> read_json_input(const std::string& path) {
  auto text = read_input(path);
  if (!text.ok()) return text.error();
  return api::parse_json_text(text.value());
}

int report(const Error& error) {
  // The contract's one stderr line: control characters that reach an error from the command line
  // (a file name or option with a line break) are written escaped. The core's own messages never
  // hold any (describe_value escapes echoed JSON values; tests/fuzz checks it).
  std::string line;
  for (const char c : error.line()) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      line += escaped;
    } else {
      line.push_back(c);
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  return kExitInvalid;
}

void print_text(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void print_json(const Json& document) {
  const std::string text = document.dump(2, ' ', false, Json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace vramplan::cli
