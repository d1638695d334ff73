// Progress: a one-line progress reporter for long work on a terminal.
//
//   Progress progress("loading", total_edges);   // stderr, only if a TTY
//   ParallelFor(..., [&](...) { ...; progress.Add(chunk_edges); });
//   progress.Finish();                           // or let the destructor do it
//
// The line is redrawn in place ("\r") at most every redraw_interval_ms:
//   loading 1200000/5000000 (24%) 3.1M/s eta 2s
// and with an unknown total (0):
//   loading 1200000 3.1M/s
// Nothing is drawn for work that finishes within the first interval, and
// Finish() prints the final line and a newline only if a line was drawn.
//
// Thread-safety: Add() and done() may be called from any thread; Add() is one
// atomic add when drawing is off, plus one clock read when it is on.
// Construct, Finish() and destroy from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace syskit {

enum class ProgressMode {
  kAuto,    // draw when `out` is a terminal
  kAlways,  // draw even into a file or pipe
  kNever,   // never draw
};

struct ProgressOptions {
  // Suppresses all output, whatever the mode (the --quiet flag).
  bool quiet = false;
  // Where to draw; not owned, must outlive the Progress.
  FILE* out = stderr;
  ProgressMode mode = ProgressMode::kAuto;
  // Minimum time between redraws; also the delay before the first one.
  uint64_t redraw_interval_ms = 100;
};

class Progress {
 public:
  // `total` is the amount of work expected; 0 means unknown.
  Progress(std::string label, uint64_t total, ProgressOptions options = {});
  ~Progress();  // calls Finish()

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Counts `n` more units of work done; redraws if the interval has passed.
  void Add(uint64_t n = 1) {
    done_.fetch_add(n, std::memory_order_relaxed);
    if (enabled_) MaybeDraw();
  }
  // Draws the final state and a newline if anything was drawn. Idempotent.
  void Finish();

  // Units of work counted so far.
  uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  uint64_t total() const { return total_; }
  // Whether this Progress draws at all (mode, quiet and TTY resolved).
  bool enabled() const { return enabled_; }

 private:
  void MaybeDraw();
  // Writes the line for the current state; `final` appends a newline.
  void Draw(bool final);  // requires draw_mu_

  const std::string label_;
  const uint64_t total_;
  FILE* const out_;
  const bool enabled_;
  const uint64_t interval_nanos_;
  const uint64_t start_nanos_;
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> next_draw_nanos_;

  std::mutex draw_mu_;
  bool drew_ = false;      // guarded by draw_mu_
  bool finished_ = false;  // guarded by draw_mu_
  size_t last_width_ = 0;  // guarded by draw_mu_; for blanking a longer line
};

}  // namespace syskit
