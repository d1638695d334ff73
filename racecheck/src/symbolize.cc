// Stack symbolisation with addr2line (binutils): one process per module,
// fed every offset of that module at once; inlined frames are expanded
// (addr2line -i), and the runtime's own frames at the top are dropped.
#include "syskit/racecheck/symbolize.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>

namespace syskit::racecheck {
namespace {

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

using Chain = std::vector<std::pair<std::string, std::string>>;  // (function, source)

// Parses one line of `addr2line -p` output: "func at file:line".
std::pair<std::string, std::string> ParsePretty(std::string line) {
  if (size_t cut = line.find(" (discriminator"); cut != std::string::npos) line.resize(cut);
  std::string function = line, source;
  if (size_t at = line.rfind(" at "); at != std::string::npos) {
    function = line.substr(0, at);
    source = line.substr(at + 4);
  }
  if (function == "??") function.clear();
  if (source.rfind("??", 0) == 0) source.clear();
  return {function, source};
}

std::map<uint64_t, Chain> Resolve(const std::string& module, const std::set<uint64_t>& offsets) {
  std::map<uint64_t, Chain> chains;
  std::string command = "addr2line -a -f -C -i -p -e " + ShellQuote(module);
  for (uint64_t offset : offsets) {
    // A return address points after the call; step back into it.
    char text[32];
    std::snprintf(text, sizeof(text), " 0x%llx",
                  static_cast<unsigned long long>(offset > 0 ? offset - 1 : 0));
    command += text;
  }
  command += " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return chains;
  char buffer[8192];
  Chain* current = nullptr;
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    std::string line = buffer;
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.rfind("0x", 0) == 0) {
      const size_t colon = line.find(": ");
      if (colon == std::string::npos) continue;
      const uint64_t address = std::stoull(line.substr(0, colon), nullptr, 16) + 1;
      current = &chains[address];
      current->clear();
      current->push_back(ParsePretty(line.substr(colon + 2)));
    } else if (current != nullptr && line.find("(inlined by) ") != std::string::npos) {
      current->push_back(ParsePretty(line.substr(line.find("(inlined by) ") + 13)));
    }
  }
  ::pclose(pipe);
  return chains;
}

bool IsRuntimeFrame(const Frame& frame) {
  return frame.source.find("racecheck/src/") != std::string::npos;
}

}  // namespace

void Symbolize(std::vector<Report>* reports) {
  std::map<std::string, std::set<uint64_t>> by_module;
  for (Report& report : *reports) {
    for (ReportSide* side : {&report.trapped, &report.arriving}) {
      for (const Frame& frame : side->stack) {
        if (frame.module != "?" && frame.source.empty()) {
          by_module[frame.module].insert(frame.offset);
        }
      }
    }
  }
  std::map<std::string, std::map<uint64_t, Chain>> resolved;
  for (const auto& [module, offsets] : by_module) resolved[module] = Resolve(module, offsets);
  for (Report& report : *reports) {
    for (ReportSide* side : {&report.trapped, &report.arriving}) {
      std::vector<Frame> expanded;
      for (const Frame& frame : side->stack) {
        auto module = resolved.find(frame.module);
        if (module == resolved.end() || !frame.source.empty()) {
          expanded.push_back(frame);
          continue;
        }
        auto chain = module->second.find(frame.offset);
        if (chain == module->second.end() || chain->second.empty()) {
          expanded.push_back(frame);
          continue;
        }
        for (const auto& [function, source] : chain->second) {
          Frame inlined = frame;
          if (!function.empty()) inlined.function = function;
          inlined.source = source;
          expanded.push_back(std::move(inlined));
        }
      }
      size_t first = 0;
      while (first + 1 < expanded.size() && IsRuntimeFrame(expanded[first])) ++first;
      side->stack.assign(expanded.begin() + static_cast<long>(first), expanded.end());
    }
  }
}

}  // namespace syskit::racecheck
