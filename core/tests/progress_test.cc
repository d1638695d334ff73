// Tests for Progress (progress.cc): when it draws, what it draws, and that
// concurrent Add() calls are all counted.

#include "syskit/core/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "syskit/core/check.h"

namespace syskit {
namespace {

// An anonymous temporary file (never a terminal) and what was written to it.
class CapturedOutput {
 public:
  CapturedOutput() : file_(std::tmpfile()) { SYSKIT_CHECK(file_ != nullptr) << "tmpfile"; }
  ~CapturedOutput() { std::fclose(file_); }
  FILE* file() const { return file_; }
  std::string Contents() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string contents;
    char buffer[256];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file_)) > 0) contents.append(buffer, n);
    return contents;
  }

 private:
  FILE* const file_;
};

ProgressOptions Options(FILE* out, ProgressMode mode, bool quiet = false) {
  ProgressOptions options;
  options.out = out;
  options.mode = mode;
  options.quiet = quiet;
  options.redraw_interval_ms = 0;  // draw on every Add, so output needs no waiting
  return options;
}

TEST(Progress, AutoModeWritesNothingWhenNotATerminal) {
  CapturedOutput output;
  {
    Progress progress("loading", 10, Options(output.file(), ProgressMode::kAuto));
    EXPECT_FALSE(progress.enabled());
    progress.Add(4);
    progress.Add(6);
    EXPECT_EQ(progress.done(), 10u);
  }
  EXPECT_EQ(output.Contents(), "");
}

TEST(Progress, QuietWritesNothingEvenInAlwaysMode) {
  CapturedOutput output;
  {
    Progress progress("loading", 10, Options(output.file(), ProgressMode::kAlways, true));
    EXPECT_FALSE(progress.enabled());
    progress.Add(10);
    progress.Finish();
  }
  EXPECT_EQ(output.Contents(), "");
}

TEST(Progress, NeverModeWritesNothing) {
  CapturedOutput output;
  {
    Progress progress("loading", 10, Options(output.file(), ProgressMode::kNever));
    progress.Add(10);
  }
  EXPECT_EQ(output.Contents(), "");
}

TEST(Progress, AlwaysModeDrawsLabelDoneTotalAndFinalNewline) {
  CapturedOutput output;
  {
    Progress progress("loading", 10, Options(output.file(), ProgressMode::kAlways));
    EXPECT_TRUE(progress.enabled());
    progress.Add(3);
    const std::string partial = output.Contents();
    EXPECT_EQ(partial.rfind("\rloading 3/10 (30%) ", 0), 0u) << partial;
    EXPECT_NE(partial.find("/s eta "), std::string::npos) << partial;
    progress.Add(7);
    progress.Finish();
    progress.Finish();  // idempotent
  }
  const std::string contents = output.Contents();
  const std::string final_line = contents.substr(contents.rfind('\r'));
  EXPECT_EQ(final_line.rfind("\rloading 10/10 (100%) ", 0), 0u) << contents;
  EXPECT_EQ(final_line.back(), '\n');
  EXPECT_EQ(final_line.find("eta"), std::string::npos) << final_line;
  EXPECT_EQ(std::count(contents.begin(), contents.end(), '\n'), 1) << contents;
}

TEST(Progress, UnknownTotalShowsCountOnly) {
  CapturedOutput output;
  {
    Progress progress("scanning", 0, Options(output.file(), ProgressMode::kAlways));
    progress.Add(42);
  }
  const std::string contents = output.Contents();
  EXPECT_EQ(contents.rfind("\rscanning 42 ", 0), 0u) << contents;
  EXPECT_EQ(contents.find('%'), std::string::npos) << contents;
  EXPECT_EQ(contents.back(), '\n');
}

TEST(Progress, FinishPrintsNothingIfNothingWasDrawn) {
  CapturedOutput output;
  ProgressOptions options = Options(output.file(), ProgressMode::kAlways);
  options.redraw_interval_ms = 3600 * 1000;  // first draw due in an hour
  {
    Progress progress("quick", 10, options);
    progress.Add(10);
  }
  EXPECT_EQ(output.Contents(), "");
}

TEST(Progress, ConcurrentAddsAreAllCounted) {
  CapturedOutput output;
  constexpr uint64_t kAddsPerThread = 100000;
  Progress progress("adding", 2 * kAddsPerThread, Options(output.file(), ProgressMode::kNever));
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 2; ++thread) {
    threads.emplace_back([&progress] {
      for (uint64_t add = 0; add < kAddsPerThread; ++add) progress.Add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(progress.done(), 2 * kAddsPerThread);
}

TEST(Progress, ConcurrentAddsWhileDrawingAreAllCounted) {
  CapturedOutput output;
  constexpr uint64_t kAddsPerThread = 2000;
  Progress progress("adding", 0, Options(output.file(), ProgressMode::kAlways));
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 2; ++thread) {
    threads.emplace_back([&progress] {
      for (uint64_t add = 0; add < kAddsPerThread; ++add) progress.Add(3);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(progress.done(), 2 * 3 * kAddsPerThread);
  progress.Finish();
  const std::string contents = output.Contents();
  EXPECT_EQ(contents.substr(contents.rfind('\r')).rfind("\radding 12000 ", 0), 0u) << contents;
}

}  // namespace
}  // namespace syskit
