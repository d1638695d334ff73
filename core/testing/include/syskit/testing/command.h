// Test support: run a command line through /bin/sh with stdin from
// /dev/null and capture its exit code, stdout and stderr. Used by the CLI
// tests that drive the real `syskit` binary.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "syskit/testing/temp_dir.h"

namespace syskit::testing {

struct CommandOutcome {
  int exit_code;  // 128 + signal number if the command was killed
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline CommandOutcome RunCommand(const std::string& command_line) {
  TempDir dir;
  const std::string command =
      command_line + " >" + dir.File("out") + " 2>" + dir.File("err") + " </dev/null";
  const int status = std::system(command.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, ReadWholeFile(dir.File("out")), ReadWholeFile(dir.File("err"))};
}

}  // namespace syskit::testing
