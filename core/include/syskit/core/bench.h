// Small helpers shared by the <component>_bench drivers, so every driver
// reports the same header and statistics.
#pragma once

#include <string_view>
#include <vector>

namespace syskit::bench {

// The median of `values` (the mean of the middle two for an even count);
// 0 for an empty vector.
double Median(std::vector<double> values);

// Peak resident set size of this process so far, in MiB (getrusage).
double PeakRssMb();

// Prints the header line every benchmark starts with:
//   # <tool> syskit <version> optimized=yes|no assertions=on|off hw_threads=N <details>
// and a "# WARNING: ..." line when the build is not optimized or has
// assertions on, so unrepresentative numbers are never mistaken for real ones.
void PrintHeader(std::string_view tool, std::string_view details);

}  // namespace syskit::bench
