#include "syskit/kv/emulated_device.h"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>

namespace syskit::kv {
namespace {

uint64_t Pages(uint64_t bytes) { return (bytes + kDevicePageBytes - 1) / kDevicePageBytes; }

// Pages an access of `len` bytes at `offset` touches (devices read whole pages).
uint64_t PagesSpanned(uint64_t offset, uint64_t len) {
  if (len == 0) return 0;
  return (offset + len - 1) / kDevicePageBytes - offset / kDevicePageBytes + 1;
}

// Waits sleep until this much before the deadline and spin the rest. It
// follows clock_nanosleep's measured lateness (settling at about twice the
// typical lateness, so overshoots past the deadline stay rare).
std::atomic<uint64_t> g_wake_margin_ns{20000};
constexpr uint64_t kMinMarginNs = 2000, kMaxMarginNs = 200000;

class DeviceReadFile final : public RandomAccessFile {
 public:
  DeviceReadFile(std::unique_ptr<RandomAccessFile> base, EmulatedDevice* device)
      : base_(std::move(base)), device_(device) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> dst) const override {
    // The modelled I/O starts when the call does, so the real read from the
    // backing medium (tmpfs: about a microsecond) is part of it.
    const uint64_t issued = SteadyNowNanos();
    auto got = base_->ReadAt(offset, dst);
    if (got.ok() && *got > 0) device_->ReadRange(offset, *got, issued);
    return got;
  }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  EmulatedDevice* device_;
};

class DeviceWritableFile final : public WritableFile {
 public:
  DeviceWritableFile(std::unique_ptr<WritableFile> base, EmulatedDevice* device, uint64_t size)
      : base_(std::move(base)), tracker_(device, size) {}
  ~DeviceWritableFile() override { tracker_.Closed(); }
  Status Append(std::string_view data) override {
    SYSKIT_RETURN_IF_ERROR(base_->Append(data));
    tracker_.Appended(data.size());
    return Status::OK();
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    SYSKIT_RETURN_IF_ERROR(base_->Sync());
    tracker_.Synced();
    return Status::OK();
  }
  Status Close() override {
    tracker_.Closed();
    return base_->Close();
  }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  DeviceWriteTracker tracker_;
};

Status BadLine(int line, const std::string& what) {
  return InvalidArgumentError("device config line " + std::to_string(line) + ": " + what);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status Validate(const DeviceSpec& d) {
  const auto bad = [&](const std::string& what) {
    return InvalidArgumentError("device '" + d.name + "': " + what);
  };
  if (d.name.empty()) return InvalidArgumentError("device without a name");
  if (!(d.read_latency_us >= 0) || !(d.write_latency_us >= 0)) {
    return bad("latencies must be >= 0");
  }
  if (!(d.read_mb_per_s > 0) || !(d.write_mb_per_s > 0)) return bad("bandwidths must be > 0");
  if (d.channels < 1 || d.channels > 1024) return bad("channels must be in [1, 1024]");
  if (!(d.max_write_iops >= 0)) return bad("max_write_iops must be >= 0");
  if (!(d.rated_dwpd > 0) || !(d.capacity_gb > 0)) return bad("rated_dwpd and capacity_gb > 0");
  return Status::OK();
}

}  // namespace

uint64_t SteadyNowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::string DeviceSpec::Describe() const {
  char buf[256];
  std::snprintf(
      buf, sizeof(buf), "%s read=%gus write=%gus %g/%g MB/s %d ch write_iops<=%s %g DWPD of %g GB",
      name.c_str(), read_latency_us, write_latency_us, read_mb_per_s, write_mb_per_s, channels,
      max_write_iops > 0 ? std::to_string(static_cast<long long>(max_write_iops)).c_str() : "inf",
      rated_dwpd, capacity_gb);
  return buf;
}

Result<DeviceSpec> DevicePreset(std::string_view name) {
  // Figures from ../shared/papers/prismdb.md, sections 3 and 4.
  if (name == "optane") return DeviceSpec{"optane", 10, 10, 2400, 2000, 8, 0, 30, 375};
  if (name == "tlc") return DeviceSpec{"tlc", 85, 20, 3200, 1000, 8, 0, 1, 2000};
  if (name == "qlc") return DeviceSpec{"qlc", 130, 40, 3200, 1000, 8, 36000, 0.2, 7680};
  return InvalidArgumentError("unknown device preset '" + std::string(name) +
                              "' (expected optane, tlc or qlc)");
}

Result<std::vector<DeviceSpec>> ParseDeviceConfig(std::string_view text) {
  std::vector<DeviceSpec> devices;
  int line_number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = Trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) return BadLine(line_number, "bad section header");
      DeviceSpec spec;
      spec.name = std::string(Trim(line.substr(1, line.size() - 2)));
      for (const DeviceSpec& d : devices) {
        if (d.name == spec.name) return BadLine(line_number, "duplicate device " + spec.name);
      }
      devices.push_back(spec);
      continue;
    }
    if (devices.empty()) return BadLine(line_number, "key outside a [device] section");
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return BadLine(line_number, "expected key = value");
    const std::string key(Trim(line.substr(0, eq)));
    const std::string value(Trim(line.substr(eq + 1)));
    DeviceSpec& d = devices.back();
    if (key == "preset") {
      auto preset = DevicePreset(value);
      if (!preset.ok()) return BadLine(line_number, preset.status().message());
      const std::string name = d.name;
      d = *preset;
      d.name = name;
      continue;
    }
    double number = 0;
    size_t used = 0;
    try {
      number = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size() || !std::isfinite(number)) {
      return BadLine(line_number, "'" + value + "' is not a number");
    }
    static const std::map<std::string, double DeviceSpec::*> kFields = {
        {"read_latency_us", &DeviceSpec::read_latency_us},
        {"write_latency_us", &DeviceSpec::write_latency_us},
        {"read_mb_per_s", &DeviceSpec::read_mb_per_s},
        {"write_mb_per_s", &DeviceSpec::write_mb_per_s},
        {"max_write_iops", &DeviceSpec::max_write_iops},
        {"rated_dwpd", &DeviceSpec::rated_dwpd},
        {"capacity_gb", &DeviceSpec::capacity_gb}};
    if (key == "channels") {
      if (number != std::floor(number)) return BadLine(line_number, "channels must be an integer");
      d.channels = static_cast<int>(std::clamp(number, -1.0, 1e6));
    } else if (auto it = kFields.find(key); it != kFields.end()) {
      d.*(it->second) = number;
    } else {
      return BadLine(line_number, "unknown key '" + key + "'");
    }
  }
  if (devices.empty()) return InvalidArgumentError("device config defines no [device] section");
  for (const DeviceSpec& d : devices) SYSKIT_RETURN_IF_ERROR(Validate(d));
  return devices;
}

EmulatedDevice::EmulatedDevice(DeviceSpec spec)
    : spec_(std::move(spec)), channel_free_ns_(static_cast<size_t>(std::max(spec_.channels, 1))) {}

std::pair<uint64_t, uint64_t> EmulatedDevice::Schedule(uint64_t now, uint64_t service_ns) {
  auto channel = std::min_element(channel_free_ns_.begin(), channel_free_ns_.end());
  const uint64_t start = std::max(now, *channel);
  *channel = start + service_ns;
  return {start, *channel};
}

void EmulatedDevice::Read(uint64_t bytes, uint64_t issued_ns) {
  const uint64_t pages = Pages(bytes);
  const uint64_t service = static_cast<uint64_t>(spec_.read_latency_us * 1000 +
                                                 static_cast<double>(pages * kDevicePageBytes) *
                                                     1000 / spec_.read_mb_per_s);
  const uint64_t now = issued_ns != 0 ? issued_ns : SteadyNowNanos();
  uint64_t start, done;
  {
    std::lock_guard<std::mutex> guard(mu_);
    std::tie(start, done) = Schedule(now, service);
    ++stats_.reads;
    stats_.bytes_read += bytes;
    stats_.pages_read += pages;
    stats_.read_wait_ns += done - now;
    stats_.read_queue_ns += start - now;
  }
  WaitUntil(done);
}

uint64_t EmulatedDevice::QueueWrite(uint64_t bytes) {
  const uint64_t pages = Pages(bytes);
  double service_ns = spec_.write_latency_us * 1000 +
                      static_cast<double>(pages * kDevicePageBytes) * 1000 / spec_.write_mb_per_s;
  if (spec_.max_write_iops > 0) {
    // The device completes at most max_write_iops pages per second over all
    // channels, so one channel takes channels / max_write_iops per page.
    service_ns = std::max(service_ns,
                          static_cast<double>(pages) * spec_.channels * 1e9 / spec_.max_write_iops);
  }
  std::lock_guard<std::mutex> guard(mu_);
  ++stats_.writes;
  stats_.bytes_written += bytes;
  stats_.pages_written += pages;
  return Schedule(SteadyNowNanos(), static_cast<uint64_t>(service_ns)).second;
}

void EmulatedDevice::WaitUntil(uint64_t deadline_ns) {
  thread_local const bool slack_lowered = prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == 0;
  (void)slack_lowered;
  uint64_t now = SteadyNowNanos();
  if (now >= deadline_ns) return;
  const uint64_t margin = g_wake_margin_ns.load(std::memory_order_relaxed);
  if (deadline_ns - now > margin) {
    const uint64_t wake = deadline_ns - margin;
    timespec ts{static_cast<time_t>(wake / 1000000000ULL), static_cast<long>(wake % 1000000000ULL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    now = SteadyNowNanos();
    // Track how late the wake-up was.
    const uint64_t late = now > wake ? now - wake : 0;
    const uint64_t next =
        std::clamp<uint64_t>((margin * 7 + late * 2) / 8, kMinMarginNs, kMaxMarginNs);
    g_wake_margin_ns.store(next, std::memory_order_relaxed);
  }
  while (SteadyNowNanos() < deadline_ns) {
    __builtin_ia32_pause();
  }
}

void EmulatedDevice::ReadRange(uint64_t offset, uint64_t len, uint64_t issued_ns) {
  if (len > 0) Read(PagesSpanned(offset, len) * kDevicePageBytes, issued_ns);
}

DeviceWriteTracker::DeviceWriteTracker(EmulatedDevice* device, uint64_t existing_bytes)
    : device_(device),
      size_(existing_bytes),
      charged_(existing_bytes / kDevicePageBytes * kDevicePageBytes) {}

void DeviceWriteTracker::Appended(uint64_t bytes) {
  size_ += bytes;
  const uint64_t full_end = size_ / kDevicePageBytes * kDevicePageBytes;
  if (full_end > charged_) {
    last_done_ = std::max(last_done_, device_->QueueWrite(full_end - charged_));
    charged_ = full_end;
  }
}

void DeviceWriteTracker::ChargeTail() {
  if (size_ == charged_ || size_ == tail_charged_to_) return;
  last_done_ = std::max(last_done_, device_->QueueWrite(size_ - charged_));
  tail_charged_to_ = size_;
}

void DeviceWriteTracker::Synced() {
  ChargeTail();
  EmulatedDevice::WaitUntil(last_done_);
}

void DeviceWriteTracker::Closed() { ChargeTail(); }

DeviceStats EmulatedDevice::stats() const {
  std::lock_guard<std::mutex> guard(mu_);
  return stats_;
}

double EmulatedDevice::DriveWritesPerDay(double seconds) const {
  if (seconds <= 0) return 0;
  const double written = static_cast<double>(stats().pages_written * kDevicePageBytes);
  return written / (spec_.capacity_gb * 1e9) * (86400.0 / seconds);
}

double EmulatedDevice::EnduranceUse(double seconds) const {
  return DriveWritesPerDay(seconds) / spec_.rated_dwpd;
}

DeviceEnv::DeviceEnv(Env* target, std::vector<std::pair<std::string, EmulatedDevice*>> tiers)
    : EnvWrapper(target), tiers_(std::move(tiers)) {
  for (auto& [dir, device] : tiers_) {
    if (!dir.empty() && dir.back() != '/') dir += '/';
  }
}

EmulatedDevice* DeviceEnv::DeviceFor(const std::string& path) const {
  for (const auto& [dir, device] : tiers_) {
    if (path.starts_with(dir)) return device;
  }
  return nullptr;
}

Result<std::unique_ptr<RandomAccessFile>> DeviceEnv::NewRandomAccessFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, target()->NewRandomAccessFile(path));
  EmulatedDevice* device = DeviceFor(path);
  if (device == nullptr) return file;
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<DeviceReadFile>(std::move(file), device));
}

Result<std::unique_ptr<WritableFile>> DeviceEnv::NewWritableFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, target()->NewWritableFile(path));
  EmulatedDevice* device = DeviceFor(path);
  if (device == nullptr) return file;
  return std::unique_ptr<WritableFile>(
      std::make_unique<DeviceWritableFile>(std::move(file), device, 0));
}

Result<std::unique_ptr<WritableFile>> DeviceEnv::NewAppendableFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, target()->NewAppendableFile(path));
  EmulatedDevice* device = DeviceFor(path);
  if (device == nullptr) return file;
  SYSKIT_ASSIGN_OR_RETURN(uint64_t size, target()->GetFileSize(path));
  return std::unique_ptr<WritableFile>(
      std::make_unique<DeviceWritableFile>(std::move(file), device, size));
}

Result<std::unique_ptr<MappedFile>> DeviceEnv::MapFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, target()->MapFile(path));
  EmulatedDevice* device = DeviceFor(path);
  if (device == nullptr) return file;
  device->Read(file->data().size());
  return file;
}

}  // namespace syskit::kv
