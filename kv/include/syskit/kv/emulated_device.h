// Emulated storage devices for PrismDB-style tiering (kv part 2): this
// machine has no Optane, TLC or QLC drive, so each tier's files live on a
// fast medium (tmpfs by default) and every I/O through DeviceEnv is charged
// the time the modelled device would take. The model (brief section 4):
//
//   pages   = ceil(bytes / 4096)             (charged at 4 KiB granularity)
//   service = latency + pages * 4096 / bandwidth
//             (writes: at least pages * channels / max_write_iops when capped)
//   start   = max(now, earliest free channel); done = start + service
//
// The channel stays busy until `done`. A read waits until `done`; a write is
// queued (the page cache writes back) and Sync waits for the file's last
// queued page, so compaction traffic queues in front of foreground reads.
// Waits sleep on absolute deadlines with the thread's timer slack lowered to
// 1 ns and spin only for the last stretch (see SleepUntilNanos).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/core/result.h"

namespace syskit::kv {

inline constexpr uint64_t kDevicePageBytes = 4096;

struct DeviceSpec {
  std::string name;
  double read_latency_us = 0;
  double write_latency_us = 0;
  double read_mb_per_s = 0;   // 10^6 bytes per second
  double write_mb_per_s = 0;  // 10^6 bytes per second
  int channels = 1;           // I/Os in service at once
  double max_write_iops = 0;  // 4 KiB write pages per second (0 = no cap)
  double rated_dwpd = 0;      // endurance rating: drive writes per day
  double capacity_gb = 0;     // 10^9 bytes, for drive writes per day

  // One line, e.g. "qlc read=130us write=40us 3200/1000 MB/s 8 ch
  // write_iops<=36000 0.2 DWPD of 7680 GB".
  std::string Describe() const;
};

// Presets from the PrismDB brief: "optane" (P4800X), "tlc" (P4510),
// "qlc" (D5-P4320). InvalidArgument for other names.
Result<DeviceSpec> DevicePreset(std::string_view name);

// Parses a device config file: sections `[name]` followed by `key = value`
// lines (read_latency_us, write_latency_us, read_mb_per_s, write_mb_per_s,
// channels, max_write_iops, rated_dwpd, capacity_gb; `#` starts a comment).
// A section may start from a preset with `preset = qlc`. InvalidArgument
// naming the line for unknown keys, bad numbers or missing fields.
Result<std::vector<DeviceSpec>> ParseDeviceConfig(std::string_view text);

struct DeviceStats {
  uint64_t reads = 0, writes = 0;              // I/O calls charged
  uint64_t bytes_read = 0, bytes_written = 0;  // bytes requested
  uint64_t pages_read = 0, pages_written = 0;  // 4 KiB pages charged
  uint64_t read_wait_ns = 0;                   // time readers slept
  uint64_t read_queue_ns = 0;                  // of which waiting for a channel
};

class EmulatedDevice {
 public:
  explicit EmulatedDevice(DeviceSpec spec);
  const DeviceSpec& spec() const { return spec_; }

  // Charges a read of `bytes` issued at `issued_ns` (steady clock; 0 = now)
  // and sleeps until the modelled completion.
  void Read(uint64_t bytes, uint64_t issued_ns = 0);
  // The same for `len` bytes read at `offset` of a file: every 4 KiB page
  // the range touches is charged.
  void ReadRange(uint64_t offset, uint64_t len, uint64_t issued_ns);
  // Queues a write of `bytes` (no wait); returns its completion time on the
  // steady clock in ns, for WaitUntil at Sync.
  uint64_t QueueWrite(uint64_t bytes);
  // Sleeps until the steady clock reaches `deadline_ns`.
  static void WaitUntil(uint64_t deadline_ns);

  DeviceStats stats() const;
  // Drive writes per day implied by the bytes written over `seconds`, and
  // that rate as a fraction of the rated DWPD (1.0 = wears out exactly at
  // the rated lifetime).
  double DriveWritesPerDay(double seconds) const;
  double EnduranceUse(double seconds) const;

 private:
  // Reserves the earliest free channel for `service_ns`; returns (start, done).
  std::pair<uint64_t, uint64_t> Schedule(uint64_t now, uint64_t service_ns);

  const DeviceSpec spec_;
  mutable std::mutex mu_;
  std::vector<uint64_t> channel_free_ns_;  // (mu_)
  DeviceStats stats_;                      // (mu_)
};

// Steady-clock nanoseconds (the clock the device model schedules on).
uint64_t SteadyNowNanos();

// Page accounting of one file being written (for any file API, e.g. the
// RocksDB FileSystem wrapper in kv_bench): whole pages are queued as they
// fill, the partial last page at Sync and Close (again if it grew since),
// and Sync waits for every queued page.
class DeviceWriteTracker {
 public:
  DeviceWriteTracker(EmulatedDevice* device, uint64_t existing_bytes);
  void Appended(uint64_t bytes);
  void Synced();  // charges the tail, then waits
  void Closed();  // charges the tail

 private:
  void ChargeTail();
  EmulatedDevice* device_;
  uint64_t size_;     // bytes in the file
  uint64_t charged_;  // whole pages charged up to here (page-aligned)
  uint64_t tail_charged_to_ = 0;
  uint64_t last_done_ = 0;  // completion of the last queued page
};

// An Env whose files under each tier directory are charged to that tier's
// device; other paths pass through uncharged. Memory-mapping a tier file is
// charged as a read of the whole file.
class DeviceEnv : public EnvWrapper {
 public:
  DeviceEnv(Env* target, std::vector<std::pair<std::string, EmulatedDevice*>> tiers);

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override;

  // The device charged for `path` (nullptr: none).
  EmulatedDevice* DeviceFor(const std::string& path) const;

 private:
  std::vector<std::pair<std::string, EmulatedDevice*>> tiers_;  // directory prefix, device
};

}  // namespace syskit::kv
