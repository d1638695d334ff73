#include "syskit/core/demo.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace syskit {

Status FindDataDir(const std::string& override_dir, std::string* data_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (!override_dir.empty()) {
    candidates.emplace_back(override_dir);
  } else {
    if (const char* env_dir = std::getenv("SYSKIT_DATA_DIR"); env_dir != nullptr && *env_dir) {
      candidates.emplace_back(env_dir);
    }
    std::error_code error;
    fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
      fs::path bin = exe.parent_path();
      candidates.push_back(bin / "../../../data");         // build/<preset>/bin/syskit
      candidates.push_back(bin / "../share/syskit/data");  // <prefix>/bin/syskit
    }
    candidates.emplace_back("data");
  }
  std::string tried;
  for (const fs::path& dir : candidates) {
    std::error_code error;
    if (fs::is_directory(dir / "graphs", error)) {
      *data_dir = fs::weakly_canonical(dir, error).string();
      if (error) *data_dir = dir.string();
      return Status::OK();
    }
    if (!tried.empty()) tried += ", ";
    tried += dir.string();
  }
  return NotFoundError("bundled data directory not found (tried " + tried +
                       "); pass --data_dir or set SYSKIT_DATA_DIR");
}

}  // namespace syskit
