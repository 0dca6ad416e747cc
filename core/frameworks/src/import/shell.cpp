// Launch scripts and command lines as the shell reads them (POSIX "Token Recognition", simplified to what
// the frameworks' published scripts use): quotes, backslash-newline continuations, comments, `NAME=value`
// assignment lines and the expansion of those variables. No command substitution, globbing or arithmetic.
#include <map>
#include <string>

#include "vramplan/framework_import.hpp"

namespace vramplan::config {

namespace {

using Command = std::vector<std::string>;

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// $NAME or ${NAME} at text[i] (text[i] == '$'); unknown variables stay as written.
std::string expand_at(std::string_view text, std::size_t& i, const std::map<std::string, std::string>& vars) {
  std::size_t j = i + 1;
  const bool braced = j < text.size() && text[j] == '{';
  if (braced) ++j;
  const std::size_t start = j;
  while (j < text.size() && name_char(text[j])) ++j;
  const std::string name(text.substr(start, j - start));
  if (braced && (j >= text.size() || text[j] != '}')) return "$";
  const std::size_t end = braced ? j + 1 : j;
  const auto it = vars.find(name);
  if (name.empty() || it == vars.end()) {
    const std::string kept(text.substr(i, end - i));
    i = end - 1;
    return name.empty() ? "$" : kept;
  }
  i = end - 1;
  return it->second;
}

// Splits the text into commands (one per unquoted newline or ';'), each a list of words.
std::vector<Command> split_commands(std::string_view text, std::map<std::string, std::string>& vars) {
  std::vector<Command> commands(1);
  std::string word;
  bool in_word = false;
  char quote = 0;
  const auto end_word = [&] {
    if (in_word) commands.back().push_back(word);
    word.clear();
    in_word = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word += c;
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$')) word += text[++i];
      else if (c == '$') word += expand_at(text, i, vars);
      else word += c;
    } else if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] != '\n') { word += text[i + 1]; in_word = true; }
      ++i;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '#' && !in_word) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '\n' || c == ';') {
      end_word();
      if (!commands.back().empty()) commands.emplace_back();
    } else if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
    } else if (c == '$') {
      word += expand_at(text, i, vars);
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
    // A finished `NAME=value` line defines a variable for the lines after it.
    if ((c == '\n' || c == ';') && commands.size() >= 2) {
      const Command& done = commands[commands.size() - 2];
      const std::size_t eq = done.size() == 1 ? done[0].find('=') : std::string::npos;
      if (eq != std::string::npos && eq > 0 && name_char(done[0][0]) && done[0].substr(0, eq).find('.') == std::string::npos) {
        vars[done[0].substr(0, eq)] = done[0].substr(eq + 1);
      }
    }
  }
  end_word();
  return commands;
}

// The word at which a known launcher starts in `command`, or command.size().
std::size_t launcher_start(const Command& command) {
  for (std::size_t i = 0; i < command.size(); ++i) {
    const std::string& w = command[i];
    const bool python = w == "python" || w == "python3";
    if (python && i + 2 < command.size() && command[i + 1] == "-m") return i;
    if (python && i + 1 < command.size() && command[i + 1].find("trl") != std::string::npos) return i;
    if (w == "trl" || w == "torchrun" || w == "automodel" || w == "accelerate" || w == "uv") return i;
  }
  return command.size();
}

}  // namespace

std::vector<std::string> shell_words(std::string_view text) {
  std::map<std::string, std::string> vars;
  const std::vector<Command> commands = split_commands(text, vars);
  for (const auto& command : commands) {
    const std::size_t start = launcher_start(command);
    if (start < command.size()) return Command(command.begin() + static_cast<std::ptrdiff_t>(start), command.end());
  }
  Command all;
  for (const auto& command : commands) all.insert(all.end(), command.begin(), command.end());
  return all;
}

}  // namespace vramplan::config
