#include "http_request.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace syskit::route::internal {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool HopByHop(const std::string& name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "te" || name == "trailer" || name == "transfer-encoding" || name == "upgrade" ||
         name == "content-length" || name == "expect";
}

namespace {

// RFC 9110 5.6.2 token: method and field names.
bool IsToken(const std::string& s) {
  static const std::string kSpecials = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && kSpecials.find(static_cast<char>(c)) == std::string::npos) return false;
  }
  return true;
}

// Control bytes (a bare CR or LF, NUL, DEL, ...); a field value may hold
// HTAB. A proxy that forwarded them could frame a request differently from
// the DC behind it, and a pooled upstream connection would carry the
// mismatch into another client's request.
bool HasControl(const std::string& s, bool allow_tab) {
  for (unsigned char c : s) {
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

// Parses the head of the request at the front of `buffer` into *parser and
// removes it from the buffer.
Parse ParseHead(std::string* buffer, RequestParser* parser) {
  const size_t head_end = buffer->find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return buffer->size() > kMaxHead ? Parse::kTooLarge : Parse::kNeedMore;
  }
  if (head_end > kMaxHead) return Parse::kTooLarge;
  const std::string head = buffer->substr(0, head_end + 2);  // lines ending in \r\n
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || sp1 == 0) return Parse::kBad;
  if (HasControl(request_line, false)) return Parse::kBad;
  Request* request = &parser->request;
  *request = Request{};
  request->method = request_line.substr(0, sp1);
  request->target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  request->version = request_line.substr(sp2 + 1);
  if (!IsToken(request->method) || request->target.empty() ||
      request->target.find(' ') != std::string::npos) {
    return Parse::kBad;
  }
  if (request->version != "HTTP/1.1" && request->version != "HTTP/1.0") return Parse::kBad;
  bool close = false, keep_alive_token = false;
  size_t content_length = 0;
  bool seen_content_length = false;
  std::vector<std::string> codings;  // Transfer-Encoding, all fields in order
  for (size_t start = line_end + 2; start < head.size();) {
    const size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end - start);
    start = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return Parse::kBad;
    // A field name is a token: no whitespace before the colon (RFC 9112 5.1
    // says a server MUST reject it), no obsolete line folding (a line that
    // starts with SP/HTAB), and no control bytes anywhere in the line.
    if (!IsToken(line.substr(0, colon)) || HasControl(line, true)) return Parse::kBad;
    const std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (name == "connection") {
      const std::string lowered = Lower(value);
      close = close || lowered.find("close") != std::string::npos;
      keep_alive_token = keep_alive_token || lowered.find("keep-alive") != std::string::npos;
    } else if (name == "transfer-encoding") {
      std::stringstream list(Lower(value));
      for (std::string coding; std::getline(list, coding, ',');) {
        coding.erase(0, coding.find_first_not_of(" \t"));
        coding.erase(coding.find_last_not_of(" \t") + 1);
        if (!coding.empty()) codings.push_back(coding.substr(0, coding.find(';')));
      }
      if (codings.empty()) return Parse::kBad;
    } else if (name == "content-length") {
      char* end_ptr = nullptr;
      if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0]))) return Parse::kBad;
      const unsigned long long parsed = std::strtoull(value.c_str(), &end_ptr, 10);
      if (*end_ptr != '\0') return Parse::kBad;
      if (parsed > kMaxBody) return Parse::kTooLarge;
      // Repeated Content-Length headers that disagree make the body's
      // framing ambiguous (RFC 9112 6.3): reject.
      if (seen_content_length && parsed != content_length) return Parse::kBad;
      seen_content_length = true;
      content_length = parsed;
    } else if (name == "cookie") {
      const size_t at = value.find("taiji_bucket=");
      if (at != std::string::npos) {
        const size_t begin = at + 13;
        const size_t stop = value.find(';', begin);
        request->cookie_bucket =
            value.substr(begin, stop == std::string::npos ? stop : stop - begin);
      }
    }
    if (!HopByHop(name)) request->head_lines += line + "\r\n";
  }
  if (!codings.empty()) {
    // RFC 9112 6.1/6.3: Transfer-Encoding with Content-Length, in HTTP/1.0,
    // or without chunked as the one final coding makes the framing faulty;
    // any other coding is refused with 501 (RFC 9112 6.1: only chunked is
    // required of a recipient).
    if (seen_content_length || request->version == "HTTP/1.0") return Parse::kBad;
    for (const auto& coding : codings) {
      if (coding != "chunked") return Parse::kUnsupported;
    }
    if (codings.size() != 1) return Parse::kBad;  // chunked applied twice
    parser->chunked = true;
  }
  request->has_body = seen_content_length || parser->chunked;
  parser->content_length = content_length;
  request->keep_alive = request->version == "HTTP/1.1" ? !close : keep_alive_token && !close;
  buffer->erase(0, head_end + 4);
  parser->head_done = true;
  return Parse::kOk;
}

}  // namespace

Parse ParseRequest(std::string* buffer, RequestParser* parser) {
  if (!parser->head_done) {
    const Parse head = ParseHead(buffer, parser);
    if (head != Parse::kOk) return head;
  }
  if (parser->chunked) {
    switch (parser->chunks.Consume(buffer, &parser->request.body, kMaxBody)) {
      case ChunkDecoder::Step::kDone:
        return Parse::kOk;
      case ChunkDecoder::Step::kNeedMore:
        return Parse::kNeedMore;
      case ChunkDecoder::Step::kTooLarge:
        return Parse::kTooLarge;
      case ChunkDecoder::Step::kBad:
        return Parse::kBad;
    }
  }
  if (buffer->size() < parser->content_length) return Parse::kNeedMore;
  parser->request.body = buffer->substr(0, parser->content_length);
  buffer->erase(0, parser->content_length);
  return Parse::kOk;
}

}  // namespace syskit::route::internal
