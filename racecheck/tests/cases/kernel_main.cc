// racecheck_kernels: runs one kernel of the suite, for the CLI tests, the
// demo and racecheck_bench (which also builds it with -fsanitize=thread).
//
//   racecheck_kernels <kernel> <buggy|locked|ordered> [iterations] [spacing_us] [seed]
//   racecheck_kernels --list
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kernels.h"

int main(int argc, char** argv) {
  using namespace syskit::racecheck::kernels;
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const Kernel& kernel : AllKernels()) std::printf("%s\t%s\n", kernel.name, kernel.pattern);
    return 0;
  }
  if (argc < 3 || argc > 6) {
    std::fprintf(stderr,
                 "usage: racecheck_kernels <kernel> <buggy|locked|ordered> [iterations] "
                 "[spacing_us] [seed]\n");
    return 2;
  }
  Variant variant;
  syskit::Status status = ParseVariant(argv[2], &variant);
  KernelConfig config;
  if (argc > 3) config.iterations = std::atoi(argv[3]);
  if (argc > 4) config.spacing_us = std::atoll(argv[4]);
  if (argc > 5) config.seed = std::strtoull(argv[5], nullptr, 10);
  if (status.ok()) status = RunKernel(argv[1], variant, config);
  if (!status.ok()) {
    std::fprintf(stderr, "racecheck_kernels: error: %s\n", status.message().c_str());
    return 2;
  }
  return 0;
}
