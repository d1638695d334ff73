// Shared benchmark-driver helpers: median, peak RSS and the common header.
#include "syskit/core/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"

namespace syskit::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double PeakRssMb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void PrintHeader(std::string_view tool, std::string_view details) {
#ifdef __OPTIMIZE__
  const bool optimized = true;
#else
  const bool optimized = false;
#endif
#ifdef NDEBUG
  const bool assertions = false;
#else
  const bool assertions = true;
#endif
  std::printf("# %.*s syskit %s optimized=%s assertions=%s hw_threads=%d %.*s\n",
              static_cast<int>(tool.size()), tool.data(), std::string(flags::Version()).c_str(),
              optimized ? "yes" : "no", assertions ? "on" : "off", DefaultThreadCount(),
              static_cast<int>(details.size()), details.data());
  if (!optimized || assertions) {
    std::printf("# WARNING: not an optimized release build; numbers are not representative\n");
  }
}

}  // namespace syskit::bench
