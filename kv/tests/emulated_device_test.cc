// The emulated device model: calibration of QD1 reads against the configured
// latency, channel queueing, page accounting of writes, Sync waiting for
// write-back, the write-IOPS cap, endurance arithmetic, and the config file.
#include "syskit/kv/emulated_device.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

DeviceSpec Simple(double read_us, double write_us, double mb_per_s, int channels) {
  return DeviceSpec{"test", read_us, write_us, mb_per_s, mb_per_s, channels, 0, 1, 1};
}

void WriteFile(Env* env, const std::string& path, size_t bytes) {
  auto file = std::move(env->NewWritableFile(path)).value();
  ASSERT_TRUE(file->Append(std::string(bytes, 'x')).ok());
  ASSERT_TRUE(file->Close().ok());
}

// QD1 4 KiB reads through DeviceEnv take the configured latency plus the
// page's transfer time. The median read is within 10 % (the median, because
// on this shared 2-core machine another process can preempt a read; the mean
// is printed next to it).
TEST(EmulatedDevice, Qd1ReadsMatchTheConfiguredLatencyWithinTenPercent) {
  testing::TempDir dir;
  WriteFile(Env::Default(), dir.path() + "/data", 1 << 20);
  for (const char* preset : {"optane", "tlc", "qlc"}) {
    EmulatedDevice device(DevicePreset(preset).value());
    DeviceEnv env(Env::Default(), {{dir.path(), &device}});
    auto file = std::move(env.NewRandomAccessFile(dir.path() + "/data")).value();
    const double expected_us = device.spec().read_latency_us + 4096.0 / device.spec().read_mb_per_s;
    const int reads = 8000 / static_cast<int>(expected_us / 10 + 1) + 200;
    std::vector<double> us;
    char buf[4096];
    for (int i = 0; i < reads; ++i) {
      const uint64_t start = SteadyNowNanos();
      ASSERT_TRUE(file->ReadAt(static_cast<uint64_t>(i % 256) * 4096, buf).ok());
      us.push_back(static_cast<double>(SteadyNowNanos() - start) / 1000.0);
    }
    double mean = 0;
    for (double v : us) mean += v / reads;
    std::sort(us.begin(), us.end());
    const double median = us[us.size() / 2], p99 = us[us.size() * 99 / 100];
    std::printf("calibration %s: expected %.2f us, median %.2f us, mean %.2f us, p99 %.2f us\n",
                preset, expected_us, median, mean, p99);
    EXPECT_NEAR(median, expected_us, expected_us * 0.10) << preset;
    EXPECT_GE(us.front(), expected_us * 0.99) << "no read may finish early";
    EXPECT_EQ(device.stats().pages_read, static_cast<uint64_t>(reads));
  }
}

// Four reads issued at the same instant: on one channel they queue behind
// each other (3, 6, 9 and 12 ms), on four they run in parallel (3 ms each).
// The schedule is exact because every read names the same issue time.
TEST(EmulatedDevice, ReadsQueueForChannels) {
  for (int channels : {1, 4}) {
    EmulatedDevice device(Simple(2000, 0, 4.096, channels));  // 2 ms + 1 ms per page
    const uint64_t t0 = SteadyNowNanos();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([&] { device.Read(4096, t0); });
    for (auto& t : threads) t.join();
    const double ms = static_cast<double>(SteadyNowNanos() - t0) / 1e6;
    const DeviceStats st = device.stats();
    EXPECT_EQ(st.reads, 4u);
    if (channels == 1) {
      EXPECT_GE(ms, 12.0);
      EXPECT_EQ(st.read_queue_ns, 18000000u);  // 3 + 6 + 9 ms waiting for the channel
      EXPECT_EQ(st.read_wait_ns, 30000000u);   // 3 + 6 + 9 + 12 ms
    } else {
      EXPECT_GE(ms, 3.0);
      EXPECT_EQ(st.read_queue_ns, 0u);
      EXPECT_EQ(st.read_wait_ns, 12000000u);
    }
  }
}

// Whole pages are charged as they fill, the partial last page at Sync and
// Close (again if it grew since), and Sync waits for write-back.
TEST(EmulatedDevice, WritesAreChargedInPagesAndSyncWaits) {
  testing::TempDir dir;
  EmulatedDevice device(Simple(0, 0, 1, 1));  // 1 MB/s: 4.1 ms per page
  DeviceEnv env(Env::Default(), {{dir.path(), &device}});
  auto file = std::move(env.NewWritableFile(dir.path() + "/wal")).value();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(file->Append(std::string(1000, 'a')).ok());
  EXPECT_EQ(device.stats().pages_written, 2u);  // 10000 bytes: two full pages
  const uint64_t start = SteadyNowNanos();
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_GE(static_cast<double>(SteadyNowNanos() - start) / 1e6, 3 * 4.096 - 1.0);
  EXPECT_EQ(device.stats().pages_written, 3u);  // + the 1808-byte tail
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(device.stats().pages_written, 3u);  // nothing new
  ASSERT_TRUE(file->Append(std::string(3000, 'b')).ok());
  EXPECT_EQ(device.stats().pages_written, 4u);  // the third page filled: rewritten whole
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(device.stats().pages_written, 5u);  // 13000 bytes: 712-byte tail
  EXPECT_EQ(device.stats().bytes_written, 8192u + 1808u + 4096u + 712u);
  // Files outside the tier directory are not charged.
  testing::TempDir other;
  WriteFile(&env, other.path() + "/x", 100000);
  EXPECT_EQ(device.stats().pages_written, 5u);
}

TEST(EmulatedDevice, WriteIopsCapBoundsPagesPerSecond) {
  DeviceSpec spec = Simple(0, 0, 100000, 4);
  spec.max_write_iops = 2000;  // 0.5 ms per page over the device
  EmulatedDevice device(spec);
  uint64_t done = 0;
  const uint64_t start = SteadyNowNanos();
  for (int i = 0; i < 40; ++i) done = std::max(done, device.QueueWrite(4096));
  EmulatedDevice::WaitUntil(done);
  EXPECT_GE(static_cast<double>(SteadyNowNanos() - start) / 1e6, 40 * 0.5 - 1.0);
}

TEST(EmulatedDevice, EnduranceIsDriveWritesPerDayAgainstTheRating) {
  DeviceSpec spec = Simple(0, 0, 1e6, 8);
  spec.capacity_gb = 0.004096;  // 1000 pages
  spec.rated_dwpd = 5;
  EmulatedDevice device(spec);
  for (int i = 0; i < 250; ++i) device.QueueWrite(4096);
  // A quarter of the drive written in 1/100 of a day: 25 drive writes/day.
  EXPECT_NEAR(device.DriveWritesPerDay(864), 25.0, 1e-9);
  EXPECT_NEAR(device.EnduranceUse(864), 5.0, 1e-9);
}

TEST(EmulatedDevice, ConfigFileParsesPresetsAndOverrides) {
  auto devices = ParseDeviceConfig(
      "# two tiers\n"
      "[fast]\n"
      "preset = optane\n"
      "channels = 4   # fewer\n"
      "[slow]\n"
      "read_latency_us = 200\nwrite_latency_us = 50\n"
      "read_mb_per_s = 1000\nwrite_mb_per_s = 500\n"
      "max_write_iops = 10000\nrated_dwpd = 0.1\ncapacity_gb = 8000\n");
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[0].name, "fast");
  EXPECT_EQ((*devices)[0].read_latency_us, 10);
  EXPECT_EQ((*devices)[0].channels, 4);
  EXPECT_EQ((*devices)[1].read_latency_us, 200);
  EXPECT_EQ((*devices)[1].channels, 1);
  EXPECT_NE((*devices)[1].Describe().find("write_iops<=10000"), std::string::npos);
  EXPECT_EQ(DevicePreset("qlc").value().max_write_iops, 36000);
}

TEST(EmulatedDevice, BadConfigIsAClearError) {
  const std::pair<const char*, const char*> cases[] = {
      {"[a]\npreset = optane\nspeed = 3\n", "line 3: unknown key 'speed'"},
      {"[a]\npreset = optane\nchannels = lots\n", "line 3: 'lots' is not a number"},
      {"[a]\npreset = optane\nchannels = 2.5\n", "line 3: channels must be an integer"},
      {"read_latency_us = 1\n", "line 1: key outside a [device] section"},
      {"[a]\npreset = optane\n[a]\n", "line 3: duplicate device a"},
      {"[a]\npreset = floppy\n", "unknown device preset 'floppy'"},
      {"[a]\nread_latency_us = 5\n", "device 'a': bandwidths must be > 0"},
      {"# nothing\n", "defines no [device] section"},
      {"[a\n", "line 1: bad section header"},
  };
  for (const auto& [text, message] : cases) {
    auto parsed = ParseDeviceConfig(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(message), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace syskit::kv
