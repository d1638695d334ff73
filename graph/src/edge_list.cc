// Parallel text edge-list parser.
//
// The buffer is cut into one slice per thread at line ends. A first pass
// counts line ends per slice (memchr speed), which bounds each slice's edge
// count, so every thread writes its edges straight into its own region of the
// output arrays; a final in-order compaction closes the gaps left by comment
// and blank lines. Edge order is input order whatever the thread count, and an
// error reports the first bad line of the file, numbered from 1.
#include "syskit/graph/edge_list.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "syskit/core/parallel.h"

namespace syskit::graph {
namespace {

inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Where a line failed, within one slice.
struct LineError {
  uint64_t line_in_slice = 0;  // 0-based
  const char* line_begin = nullptr;
  std::string what;
};

// The text of the line starting at `begin`, without the line end, shortened
// for messages.
std::string LineText(const char* begin, const char* end) {
  const char* stop = static_cast<const char*>(std::memchr(begin, '\n', end - begin));
  if (stop == nullptr) stop = end;
  while (stop > begin && IsBlank(stop[-1])) --stop;
  std::string text(begin, stop);
  constexpr size_t kMaxShown = 80;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

enum class FieldResult { kOk, kMissing, kNotNumber, kNegative, kOverflow };

// Parses an unsigned decimal field at *p (after skipping blanks); the field
// must end at a blank, a line end or the end of the buffer.
inline FieldResult ParseUnsigned(const char*& p, const char* end, uint64_t* value) {
  while (p < end && IsBlank(*p)) ++p;
  if (p == end || *p == '\n') return FieldResult::kMissing;
  if (*p == '-') return FieldResult::kNegative;
  if (*p == '+') ++p;
  if (p == end || !IsDigit(*p)) return FieldResult::kNotNumber;
  uint64_t x = 0;
  do {
    uint64_t digit = static_cast<uint64_t>(*p - '0');
    if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, digit, &x)) {
      return FieldResult::kOverflow;
    }
    ++p;
  } while (p < end && IsDigit(*p));
  if (p < end && !IsBlank(*p) && *p != '\n') return FieldResult::kNotNumber;
  *value = x;
  return FieldResult::kOk;
}

// Parses a floating-point weight field at *p.
inline FieldResult ParseWeight(const char*& p, const char* end, float* value) {
  while (p < end && IsBlank(*p)) ++p;
  if (p == end || *p == '\n') return FieldResult::kMissing;
  const char* start = *p == '+' ? p + 1 : p;
  auto [stop, error] = std::from_chars(start, end, *value);
  if (error != std::errc() || (stop < end && !IsBlank(*stop) && *stop != '\n') ||
      !std::isfinite(*value)) {
    return error == std::errc::result_out_of_range ? FieldResult::kOverflow
                                                   : FieldResult::kNotNumber;
  }
  p = stop;
  return FieldResult::kOk;
}

std::string IdError(FieldResult result, const std::string& line) {
  switch (result) {
    case FieldResult::kNegative:
      return "vertex ids must be non-negative, got \"" + line + "\"";
    case FieldResult::kOverflow:
      return "vertex id out of range (max 18446744073709551615) in \"" + line + "\"";
    default:
      return "expected two vertex ids, got \"" + line + "\"";
  }
}

struct Slice {
  const char* begin = nullptr;
  const char* end = nullptr;
  uint64_t line_ends = 0;   // '\n' count, an upper bound on its edges minus one
  uint64_t first_slot = 0;  // where its edges start in the output arrays
  uint64_t edges = 0;       // edges parsed
  uint64_t lines = 0;       // lines seen (for numbering errors)
  bool failed = false;
  LineError error;
};

// Parses one slice into the output arrays starting at slice->first_slot.
void ParseSlice(Slice* slice, const ParseOptions& options, EdgeList* out) {
  const char* p = slice->begin;
  const char* const end = slice->end;
  OriginalId* sources = out->sources.data() + slice->first_slot;
  OriginalId* targets = out->targets.data() + slice->first_slot;
  float* weights = options.weighted ? out->weights.data() + slice->first_slot : nullptr;
  EdgeType* types = options.typed ? out->types.data() + slice->first_slot : nullptr;
  uint64_t edges = 0;
  uint64_t line = 0;
  constexpr uint64_t kProgressBytes = 1 << 20;
  const char* reported = p;
  auto fail = [&](const char* line_begin, std::string what) {
    slice->failed = true;
    slice->error = {line, line_begin, std::move(what)};
  };
  while (p < end) {
    const char* line_begin = p;
    while (p < end && IsBlank(*p)) ++p;
    if (p == end) break;
    if (*p == '\n' || *p == '#' || *p == '%') {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      p = nl == nullptr ? end : nl + 1;
      ++line;
      continue;
    }
    uint64_t u = 0, v = 0;
    if (FieldResult r = ParseUnsigned(p, end, &u); r != FieldResult::kOk) {
      return fail(line_begin, IdError(r, LineText(line_begin, end)));
    }
    if (FieldResult r = ParseUnsigned(p, end, &v); r != FieldResult::kOk) {
      return fail(line_begin, IdError(r, LineText(line_begin, end)));
    }
    sources[edges] = u;
    targets[edges] = v;
    if (weights != nullptr) {
      FieldResult r = ParseWeight(p, end, &weights[edges]);
      if (r == FieldResult::kMissing) {
        return fail(line_begin, "expected a weight after the vertex ids, got \"" +
                                    LineText(line_begin, end) + "\"");
      }
      if (r != FieldResult::kOk) {
        return fail(line_begin,
                    "expected a finite numeric weight, got \"" + LineText(line_begin, end) + "\"");
      }
    }
    if (types != nullptr) {
      uint64_t type = 0;
      FieldResult r = ParseUnsigned(p, end, &type);
      if (r == FieldResult::kMissing) {
        return fail(line_begin, "expected an edge type after the " +
                                    std::string(weights ? "weight" : "vertex ids") + ", got \"" +
                                    LineText(line_begin, end) + "\"");
      }
      if (r != FieldResult::kOk || type > std::numeric_limits<EdgeType>::max()) {
        return fail(line_begin, "expected an edge type in 0..4294967295, got \"" +
                                    LineText(line_begin, end) + "\"");
      }
      types[edges] = static_cast<EdgeType>(type);
    }
    while (p < end && IsBlank(*p)) ++p;
    if (p < end && *p != '\n') {
      std::string hint = options.weighted
                             ? (options.typed ? "" : " (pass --typed for a type column)")
                             : " (pass --weighted for a weight column)";
      return fail(line_begin,
                  "unexpected extra field in \"" + LineText(line_begin, end) + "\"" + hint);
    }
    if (p < end) ++p;  // the '\n'
    ++edges;
    ++line;
    if (options.progress != nullptr && static_cast<uint64_t>(p - reported) >= kProgressBytes) {
      options.progress->Add(p - reported);
      reported = p;
    }
  }
  if (options.progress != nullptr) options.progress->Add(p - reported);
  slice->edges = edges;
  slice->lines = line;
}

uint64_t CountLineEnds(const char* begin, const char* end) {
  uint64_t count = 0;
  for (const char* p = begin; p < end;) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) break;
    ++count;
    p = nl + 1;
  }
  return count;
}

}  // namespace

Result<EdgeList> ParseEdgeListText(std::string_view text, std::string_view filename,
                                   const ParseOptions& options) {
  const std::string name(filename);
  if (text.empty()) return InvalidArgumentError(name + ": file is empty");

  // Small inputs are not worth a thread.
  constexpr size_t kMinBytesPerThread = 1 << 20;
  int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  threads = static_cast<int>(
      std::max<size_t>(1, std::min<size_t>(threads, text.size() / kMinBytesPerThread)));

  std::vector<Slice> slices(threads);
  const char* const base = text.data();
  const char* const end = base + text.size();
  for (int t = 0; t < threads; ++t) {
    const char* begin = t == 0 ? base : slices[t - 1].end;
    const char* stop = t + 1 == threads ? end : base + text.size() * (t + 1) / threads;
    if (stop < begin) stop = begin;
    if (stop < end) {
      const char* nl = static_cast<const char*>(std::memchr(stop, '\n', end - stop));
      stop = nl == nullptr ? end : nl + 1;
    }
    slices[t].begin = begin;
    slices[t].end = stop;
  }
  ParallelForSlices(threads, 0, threads, [&](int, uint64_t lo, uint64_t hi) {
    for (uint64_t t = lo; t < hi; ++t) {
      slices[t].line_ends = CountLineEnds(slices[t].begin, slices[t].end);
    }
  });
  uint64_t capacity = 0;
  for (Slice& slice : slices) {
    slice.first_slot = capacity;
    capacity += slice.line_ends + 1;  // +1: a last line without '\n'
  }

  EdgeList out;
  out.sources.resize(capacity);
  out.targets.resize(capacity);
  if (options.weighted) out.weights.resize(capacity);
  if (options.typed) out.types.resize(capacity);
  ParallelForSlices(threads, 0, threads, [&](int, uint64_t lo, uint64_t hi) {
    for (uint64_t t = lo; t < hi; ++t) ParseSlice(&slices[t], options, &out);
  });

  uint64_t lines_before = 0;
  for (const Slice& slice : slices) {
    if (slice.failed) {
      return InvalidArgumentError(name + ":" +
                                  std::to_string(lines_before + slice.error.line_in_slice + 1) +
                                  ": " + slice.error.what);
    }
    lines_before += slice.lines;
  }

  // Close the gaps between slices, in order (each move goes left).
  uint64_t total = 0;
  for (const Slice& slice : slices) {
    if (slice.first_slot != total) {
      auto move = [&](auto& array) {
        if (array.empty()) return;
        std::memmove(array.data() + total, array.data() + slice.first_slot,
                     slice.edges * sizeof(array[0]));
      };
      move(out.sources);
      move(out.targets);
      move(out.weights);
      move(out.types);
    }
    total += slice.edges;
  }
  if (total == 0) return InvalidArgumentError(name + ": no edges found");
  out.sources.resize(total);
  out.targets.resize(total);
  if (options.weighted) out.weights.resize(total);
  if (options.typed) out.types.resize(total);
  return out;
}

}  // namespace syskit::graph
