#include <cstdio>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"memgate: does a program's memory plateau under realistic load, and which allocator serves it best?"};
  app.set_version_flag("--version", "memgate " MEMGATE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
