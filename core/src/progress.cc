// Progress (progress.h): a rate-limited, TTY-aware progress line.
//
// Key invariant: Add() never blocks on drawing. At most one thread wins the
// compare-and-swap on next_draw_nanos_ for each interval and draws; the others
// return at once. Drawing is serialised by draw_mu_, and nothing is drawn
// after Finish().

#include "syskit/core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iterator>
#include <utility>

namespace syskit {
namespace {

uint64_t SteadyNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool ShouldDraw(const ProgressOptions& options) {
  if (options.quiet || options.out == nullptr) return false;
  switch (options.mode) {
    case ProgressMode::kAlways:
      return true;
    case ProgressMode::kNever:
      return false;
    case ProgressMode::kAuto:
      return ::isatty(::fileno(options.out)) == 1;
  }
  return false;
}

// 1234567 -> "1.2M"; keeps the line short for any rate.
std::string HumanCount(double value) {
  static constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T", "P"};
  size_t suffix = 0;
  while (value >= 1000.0 && suffix + 1 < std::size(kSuffixes)) {
    value /= 1000.0;
    ++suffix;
  }
  if (suffix == 0) return fmt::format("{:.0f}", value);
  return fmt::format("{:.1f}{}", value, kSuffixes[suffix]);
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, ProgressOptions options)
    : label_(std::move(label)),
      total_(total),
      out_(options.out),
      enabled_(ShouldDraw(options)),
      interval_nanos_(options.redraw_interval_ms * 1000000),
      start_nanos_(SteadyNanos()),
      next_draw_nanos_(start_nanos_ + interval_nanos_) {}

Progress::~Progress() { Finish(); }

void Progress::MaybeDraw() {
  uint64_t next = next_draw_nanos_.load(std::memory_order_relaxed);
  const uint64_t now = SteadyNanos();
  if (now < next) return;
  if (!next_draw_nanos_.compare_exchange_strong(next, now + interval_nanos_,
                                                std::memory_order_relaxed)) {
    return;  // another thread draws this interval
  }
  std::lock_guard<std::mutex> guard(draw_mu_);
  if (!finished_) Draw(/*final=*/false);
}

void Progress::Finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> guard(draw_mu_);
  if (finished_) return;
  finished_ = true;
  if (drew_) Draw(/*final=*/true);
}

void Progress::Draw(bool final) {
  const uint64_t done = done_.load(std::memory_order_relaxed);
  const double seconds = static_cast<double>(SteadyNanos() - start_nanos_) * 1e-9;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string line = fmt::format("{} {}", label_, done);
  if (total_ > 0) {
    const auto percent =
        static_cast<uint64_t>(100.0 * static_cast<double>(done) / static_cast<double>(total_));
    line += fmt::format("/{} ({}%)", total_, percent);
  }
  line += fmt::format(" {}/s", HumanCount(rate));
  if (total_ > 0 && !final) {
    if (done >= total_) {
      line += " eta 0s";
    } else if (rate > 0) {
      line += fmt::format(" eta {:.0f}s", static_cast<double>(total_ - done) / rate);
    } else {
      line += " eta ?";
    }
  }
  const size_t width = line.size();
  // Blank out what is left of a longer previous line.
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  line.insert(line.begin(), '\r');
  if (final) line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
  drew_ = true;
}

}  // namespace syskit
