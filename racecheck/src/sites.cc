// Call sites and ops: process-wide tables that survive Start/Stop, and stack
// capture for reports.
#include <dlfcn.h>
#include <execinfo.h>

#include <map>
#include <tuple>

#include "runtime_internal.h"

namespace syskit::racecheck {
namespace internal {
namespace {

struct SiteTable {
  std::mutex mu;
  std::map<std::tuple<const char*, uint32_t, uint32_t>, uint32_t> by_location;
  std::unordered_map<std::string, uint32_t> by_key;
  std::vector<std::unique_ptr<CallSite>> sites;
  std::array<std::atomic<const CallSite*>, kMaxSites> ptr{};
};

SiteTable& Sites() {
  static auto* table = new SiteTable;
  return *table;
}

struct OpTable {
  std::mutex mu;
  std::unordered_map<std::string, OpId> by_name;
  std::vector<std::pair<std::string, std::string>> names;
  std::array<std::atomic<int8_t>, kMaxOps> is_write;  // -1 unknown
  Contract contract = Contract::Defaults();
  OpTable() {
    for (auto& w : is_write) w.store(-1);
  }
};

OpTable& Ops() {
  static auto* table = new OpTable;
  return *table;
}

}  // namespace

uint32_t LookupSite(const SiteRef& location) {
  const auto key = std::make_tuple(location.file, location.line, location.column);
  SiteTable& table = Sites();
  std::lock_guard<std::mutex> lock(table.mu);
  auto it = table.by_location.find(key);
  if (it != table.by_location.end()) return it->second;
  std::string text = std::string(location.file) + ":" + std::to_string(location.line) + ":" +
                     std::to_string(location.column);
  uint32_t id;
  auto by_key = table.by_key.find(text);
  if (by_key != table.by_key.end()) {
    id = by_key->second;  // same site through another copy of the file name
  } else {
    id = static_cast<uint32_t>(table.sites.size());
    if (id >= kMaxSites) {
      id = kMaxSites - 1;  // saturate; shares the last slot
    } else {
      table.sites.push_back(std::make_unique<CallSite>(CallSite{text, location.function}));
      table.ptr[id].store(table.sites.back().get(), std::memory_order_release);
      table.by_key.emplace(text, id);
    }
  }
  table.by_location.emplace(key, id);
  return id;
}

const CallSite& SiteOf(uint32_t id) { return *Sites().ptr[id].load(std::memory_order_acquire); }

std::vector<std::pair<uint32_t, std::string>> AllSiteKeys() {
  SiteTable& table = Sites();
  std::lock_guard<std::mutex> lock(table.mu);
  std::vector<std::pair<uint32_t, std::string>> keys;
  keys.reserve(table.sites.size());
  for (size_t id = 0; id < table.sites.size(); ++id) {
    keys.emplace_back(static_cast<uint32_t>(id), table.sites[id]->key);
  }
  return keys;
}

std::string OpName(OpId op) {
  OpTable& ops = Ops();
  std::lock_guard<std::mutex> lock(ops.mu);
  if (op >= ops.names.size()) return "op#" + std::to_string(op);
  return ops.names[op].first + "::" + ops.names[op].second;
}

void InstallContract(const Contract& contract) {
  OpTable& ops = Ops();
  std::lock_guard<std::mutex> lock(ops.mu);
  ops.contract = contract;
  for (auto& w : ops.is_write) w.store(-1);
}

std::vector<Frame> CaptureStack(int skip) {
  void* addresses[kStackDepth];
  const int depth = backtrace(addresses, kStackDepth);
  std::vector<Frame> frames;
  for (int f = skip; f < depth; ++f) {
    Dl_info dl{};
    Frame frame;
    if (dladdr(addresses[f], &dl) != 0 && dl.dli_fname != nullptr) {
      frame.module = dl.dli_fname;
      frame.offset =
          reinterpret_cast<uintptr_t>(addresses[f]) - reinterpret_cast<uintptr_t>(dl.dli_fbase);
      if (dl.dli_sname != nullptr) frame.function = dl.dli_sname;
    } else {
      frame.module = "?";
      frame.offset = reinterpret_cast<uintptr_t>(addresses[f]);
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

}  // namespace internal

OpId RegisterOp(std::string_view type, std::string_view method) {
  internal::OpTable& ops = internal::Ops();
  std::string name = std::string(type) + "::" + std::string(method);
  std::lock_guard<std::mutex> lock(ops.mu);
  auto it = ops.by_name.find(name);
  if (it != ops.by_name.end()) return it->second;
  const OpId id = static_cast<OpId>(std::min<size_t>(ops.names.size(), internal::kMaxOps - 1));
  if (ops.names.size() < internal::kMaxOps) {
    ops.names.emplace_back(std::string(type), std::string(method));
  }
  ops.by_name.emplace(std::move(name), id);
  return id;
}

bool IsWriteOp(OpId op) {
  internal::OpTable& ops = internal::Ops();
  const int8_t cached = ops.is_write[op].load(std::memory_order_relaxed);
  if (cached >= 0) return cached == 1;
  std::lock_guard<std::mutex> lock(ops.mu);
  bool write = true;
  if (op < ops.names.size()) {
    Result<Access> access = ops.contract.Classify(ops.names[op].first, ops.names[op].second);
    write = !access.ok() || *access == Access::kWrite;
  }
  ops.is_write[op].store(write ? 1 : 0, std::memory_order_relaxed);
  return write;
}

}  // namespace syskit::racecheck
