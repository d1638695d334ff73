// HTTP/1.1 request parsing for the edge balancer and frontend
// (edge_balancer.cc): the request head, Content-Length bodies and the
// chunked transfer coding (RFC 9112), strict enough that a DC behind the
// edge cannot frame a forwarded request differently (no request smuggling
// through pooled upstream connections).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace syskit::route::internal {

inline constexpr size_t kMaxHead = 64 * 1024;
inline constexpr size_t kMaxBody = 16 * 1024 * 1024;

std::string Lower(std::string text);

// Decodes the chunked transfer coding (RFC 9112 7.1) incrementally: each
// call consumes what it can from the front of the input (so a body that
// arrives over many reads is scanned once) and appends chunk data to the
// body. Chunk extensions are ignored, the trailer section is read and
// dropped. Bare CR or LF in a framing line is malformed (no request
// smuggling through lenient line ends).
class ChunkDecoder {
 public:
  enum class Step { kDone, kNeedMore, kBad, kTooLarge };

  Step Consume(std::string* in, std::string* body, size_t max_body) {
    size_t pos = 0;
    const Step step = Run(*in, &pos, body, max_body);
    in->erase(0, pos);
    return step;
  }

 private:
  static constexpr size_t kMaxLine = 4096;  // a chunk-size line or a trailer line

  enum class Phase { kSize, kData, kDataEnd, kTrailer };

  // The next CRLF-terminated line at *pos: kDone with *line set, kNeedMore,
  // or kBad (bare CR/LF, or longer than kMaxLine).
  static Step NextLine(const std::string& in, size_t* pos, std::string_view* line) {
    const size_t lf = in.find('\n', *pos);
    if (lf == std::string::npos) {
      return in.size() - *pos > kMaxLine ? Step::kBad : Step::kNeedMore;
    }
    if (lf == *pos || in[lf - 1] != '\r' || lf - *pos - 1 > kMaxLine) return Step::kBad;
    *line = std::string_view(in).substr(*pos, lf - 1 - *pos);
    if (line->find('\r') != std::string_view::npos) return Step::kBad;
    *pos = lf + 1;
    return Step::kDone;
  }

  Step Run(const std::string& in, size_t* pos, std::string* body, size_t max_body) {
    for (;;) {
      switch (phase_) {
        case Phase::kSize: {
          std::string_view line;
          const size_t line_start = *pos;
          const Step got = NextLine(in, pos, &line);
          if (got != Step::kDone) return got;
          // Framing (size lines and their CRLFs) may not outgrow the data by
          // more than a head's worth: 1-byte chunks with long extensions
          // would otherwise stream unbounded input within the body limit.
          framing_bytes_ += line.size() + 4;
          if (framing_bytes_ > kMaxHead + body->size()) return Step::kTooLarge;
          // chunk-size = 1*HEXDIG, then optional BWS ";" chunk-ext (ignored).
          size_t digits = 0;
          uint64_t size = 0;
          bool too_large = false;
          for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]));
               ++digits) {
            const char c =
                static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
            const int value = c <= '9' ? c - '0' : c - 'a' + 10;
            if (size > (uint64_t{1} << 59)) too_large = true;  // saturate instead of wrapping
            if (!too_large) size = size * 16 + static_cast<uint64_t>(value);
          }
          if (digits == 0) return Step::kBad;
          size_t rest = digits;
          while (rest < line.size() && (line[rest] == ' ' || line[rest] == '\t')) ++rest;
          if (rest < line.size() && line[rest] != ';') return Step::kBad;
          if (too_large || size > max_body || body->size() + size > max_body) {
            *pos = line_start;  // leave the offending line unconsumed
            return Step::kTooLarge;
          }
          if (size == 0) {
            phase_ = Phase::kTrailer;
          } else {
            left_ = static_cast<size_t>(size);
            phase_ = Phase::kData;
          }
          break;
        }
        case Phase::kData: {
          const size_t take = std::min(left_, in.size() - *pos);
          if (take == 0) return Step::kNeedMore;
          body->append(in, *pos, take);
          *pos += take;
          left_ -= take;
          if (left_ == 0) phase_ = Phase::kDataEnd;
          break;
        }
        case Phase::kDataEnd: {
          if (in.size() - *pos < 2) {
            return in.size() == *pos || in[*pos] == '\r' ? Step::kNeedMore : Step::kBad;
          }
          if (in.compare(*pos, 2, "\r\n") != 0) return Step::kBad;
          *pos += 2;
          phase_ = Phase::kSize;
          break;
        }
        case Phase::kTrailer: {
          std::string_view line;
          const Step got = NextLine(in, pos, &line);
          if (got != Step::kDone) return got;
          if (line.empty()) return Step::kDone;  // end of the trailer section
          trailer_bytes_ += line.size() + 2;
          if (trailer_bytes_ > kMaxHead) return Step::kTooLarge;
          const size_t colon = line.find(':');
          if (colon == 0 || colon == std::string_view::npos || line[0] == ' ' || line[0] == '\t') {
            return Step::kBad;
          }
          break;  // a trailer field: dropped
        }
      }
    }
  }

  Phase phase_ = Phase::kSize;
  size_t left_ = 0;
  size_t trailer_bytes_ = 0;
  size_t framing_bytes_ = 0;
};

struct Request {
  std::string method, target, version;
  std::string head_lines;  // end-to-end header lines after the request line, each ending \r\n
  std::string body;
  std::string cookie_bucket;  // value of taiji_bucket, if any
  bool keep_alive = true;
  bool has_body = false;  // framed by Content-Length or Transfer-Encoding (forward a length)
};

enum class Parse { kOk, kNeedMore, kBad, kTooLarge, kUnsupported };

// The parse state of the request at the front of a connection's buffer:
// the head is parsed (and removed from the buffer) once, then the body is
// taken by Content-Length or decoded chunk by chunk as it arrives.
struct RequestParser {
  bool head_done = false;
  bool chunked = false;
  size_t content_length = 0;
  ChunkDecoder chunks;
  Request request;
};

// Headers that describe this hop only: not forwarded (the edge frames the
// body with its own Content-Length and speaks for its own connection).
bool HopByHop(const std::string& name);

// Parses one request at the front of `buffer`, removing what it consumed;
// call again with the same parser after kNeedMore once more bytes arrived.
Parse ParseRequest(std::string* buffer, RequestParser* parser);

}  // namespace syskit::route::internal
