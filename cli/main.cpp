// vramplan: will this LLM job fit, on which GPUs, and with what settings?
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"

namespace {

constexpr const char* kUsage = R"(vramplan: GPU-memory estimates for LLM training, RL post-training and serving

usage:
  vramplan estimate [--json] FILE           memory per GPU, step time, run time and cost for a scenario
                                            (FILE, or - for stdin)
  vramplan recommend [--json] [--sort cost|time|gpus] FILE
                                            every catalog GPU: verdict, minimum GPUs, largest batch,
                                            time and cost at the minimum; fitting options ranked by
                                            cost per run (default), time per run or GPU count
  vramplan params [--json] FILE             parameter counts of a Hugging Face config.json
  vramplan params [--json] --model ID       parameter counts of a catalog model
  vramplan config --format F FILE           example config: nemo-rl, nemo-automodel, verl, trl
  vramplan import --format F [--json] [--gpu ID] [--fix] FILE [overrides...]
                                            read a verl / nemo-rl / nemo-automodel / trl config or
                                            launch script: the scenario, warnings, estimate, key edits;
                                            --fix prints the config with the first fitting suggestion
  vramplan estimate|recommend --from F [--json] [--gpu ID] FILE [overrides...]
  vramplan estimate [--json] --sweep KEY=V1,V2,... FILE
                                            one estimate per value of KEY (e.g. training.micro_batch=1,2,4)
  vramplan models [--json]                  the model catalog
  vramplan gpus [--json]                    the GPU catalog
  vramplan schema [--json]                  every scenario key: type, default, accepted values, workloads
  vramplan validate DIR                     estimates against the measured records in DIR

exit status: 0 success, 2 invalid input (one line on stderr: error: <JSON pointer>: ...).
The scenario format is documented in docs/scenario.md.
)";

// Not an input error (2): the output could not be written.
constexpr int kExitWriteFailed = 1;

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>&);
};

constexpr Command kCommands[] = {
    {"estimate", vramplan::cli::run_estimate}, {"recommend", vramplan::cli::run_recommend},
    {"params", vramplan::cli::run_params},     {"config", vramplan::cli::run_config},
    {"models", vramplan::cli::run_models},     {"gpus", vramplan::cli::run_gpus},
    {"validate", vramplan::cli::run_validate}, {"import", vramplan::cli::run_import},
    {"schema", vramplan::cli::run_schema},
};

// A full disk or closed pipe (`> /dev/full`) must not look like success: buffered output is only
// written at exit, so flush here and report the failure.
int flushed(int status) {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return status;
  std::fprintf(stderr, "error: stdout: cannot write the output (%s)\n", std::strerror(errno));
  return status == vramplan::cli::kExitOk ? kExitWriteFailed : status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? vramplan::cli::kExitInvalid : vramplan::cli::kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::puts("vramplan " VRAMPLAN_VERSION);
    return vramplan::cli::kExitOk;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& command : kCommands) {
    if (std::strcmp(argv[1], command.name) == 0) return flushed(command.run(args));
  }
  std::fprintf(stderr, "error: %s: unknown command; one of estimate, recommend, params, config, import, models, gpus, schema, validate\n",
               argv[1]);
  return vramplan::cli::kExitInvalid;
}
