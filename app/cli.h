// Cli: the `rapport` command line: commands, their options, help text and parsing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace rapport::app {

struct OptionSpec {
  const char* name;   // "--config"
  const char* value;  // "FILE", or nullptr for a flag
  const char* help;
};

struct CommandSpec {
  const char* name;
  const char* summary;
  const char* usage;  // what follows "rapport NAME"
  std::vector<OptionSpec> options;
  const char* details;  // a paragraph after the options; may be empty
  int arguments = 0;    // how many positional arguments it takes
};

const std::vector<CommandSpec>& commands();
const CommandSpec* find_command(const std::string& name);

struct Invocation {
  std::string command;                         // empty for `rapport` with no command
  std::map<std::string, std::string> options;  // "--config" -> "FILE"; flags -> ""
  std::vector<std::string> arguments;
  bool help = false;
  bool version = false;

  bool has(const std::string& option) const { return options.count(option) > 0; }
  std::string get(const std::string& option, const std::string& fallback = {}) const;
};

// Parses argv. Fails with kUsage (an unknown command or option, a missing value), with a
// hint naming the closest valid spelling.
Result<Invocation> parse_command_line(int argc, char** argv);

std::string general_help();
std::string command_help(const CommandSpec& command);

}  // namespace rapport::app
