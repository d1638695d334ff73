#include "compression.h"

#include <lz4.h>
#include <snappy.h>
#include <zstd.h>

#include <limits>

#include "format.h"

namespace syskit::kv {
namespace {

// LZ4's block format does not store the uncompressed size: a varint32 of it
// precedes the LZ4 data. Blocks above this are rejected as corrupt.
constexpr uint32_t kMaxBlockBytes = 256u << 20;
// A header may claim at most what its codec can expand the stored bytes to
// (Snappy: a 3-byte copy yields at most 64 bytes; LZ4: at most 255x), so a
// damaged or crafted header cannot make a tiny block allocate 256 MiB.
constexpr uint64_t kSnappyMaxExpansion = 22, kLz4MaxExpansion = 255;
constexpr int kZstdLevel = 3;  // zstd's default level

// ZSTD_compress/ZSTD_decompress allocate a context per call; keep one per
// thread instead (a block is a few KiB, so the allocation would dominate).
struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};
ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

}  // namespace

Result<CompressionType> ParseCompressionType(std::string_view name) {
  for (CompressionType type : {CompressionType::kNone, CompressionType::kSnappy,
                               CompressionType::kLz4, CompressionType::kZstd}) {
    if (name == CompressionTypeName(type)) return type;
  }
  return InvalidArgumentError("unknown compression '" + std::string(name) +
                              "' (expected none, snappy, lz4 or zstd)");
}

std::string_view CompressionTypeName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kSnappy:
      return "snappy";
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kZstd:
      return "zstd";
  }
  return "unknown";
}

bool CompressBlock(CompressionType type, std::string_view raw, std::string* out) {
  out->clear();
  if (raw.size() > kMaxBlockBytes) return false;  // the reader would refuse it
  switch (type) {
    case CompressionType::kNone:
      return false;
    case CompressionType::kSnappy:
      snappy::Compress(raw.data(), raw.size(), out);
      break;
    case CompressionType::kLz4: {
      if (raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return false;
      PutVarint32(out, static_cast<uint32_t>(raw.size()));
      const size_t header = out->size();
      const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      out->resize(header + static_cast<size_t>(bound));
      const int n = LZ4_compress_default(raw.data(), out->data() + header,
                                         static_cast<int>(raw.size()), bound);
      if (n <= 0) return false;
      out->resize(header + static_cast<size_t>(n));
      break;
    }
    case CompressionType::kZstd: {
      out->resize(ZSTD_compressBound(raw.size()));
      const size_t n = ZSTD_compressCCtx(ThreadZstd().cctx, out->data(), out->size(), raw.data(),
                                         raw.size(), kZstdLevel);
      if (ZSTD_isError(n)) return false;
      out->resize(n);
      break;
    }
  }
  return out->size() < raw.size() - raw.size() / 8;
}

Result<std::string> UncompressBlock(uint8_t type, std::string_view stored,
                                    const std::string& where) {
  std::string raw;
  switch (static_cast<CompressionType>(type)) {
    case CompressionType::kSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(stored.data(), stored.size(), &n) || n > kMaxBlockBytes ||
          n > stored.size() * kSnappyMaxExpansion + 64) {
        return CorruptionError(where + ": bad snappy block header");
      }
      raw.resize(n);
      if (!snappy::RawUncompress(stored.data(), stored.size(), raw.data())) {
        return CorruptionError(where + ": snappy data does not decompress");
      }
      return raw;
    }
    case CompressionType::kLz4: {
      uint32_t n = 0;
      if (!GetVarint32(&stored, &n) || n > kMaxBlockBytes ||
          n > stored.size() * kLz4MaxExpansion + 64 ||
          stored.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return CorruptionError(where + ": bad lz4 block header");
      }
      raw.resize(n);
      const int got = LZ4_decompress_safe(stored.data(), raw.data(),
                                          static_cast<int>(stored.size()), static_cast<int>(n));
      if (got < 0 || static_cast<uint32_t>(got) != n) {
        return CorruptionError(where + ": lz4 data does not decompress");
      }
      return raw;
    }
    case CompressionType::kZstd: {
      const unsigned long long n = ZSTD_getFrameContentSize(stored.data(), stored.size());
      // Zstandard's RLE blocks can legitimately expand thousands of times,
      // so only the 256 MiB cap applies (ZSTD_decompressBound is not in the
      // library's stable API).
      if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > kMaxBlockBytes) {
        return CorruptionError(where + ": bad zstd frame header");
      }
      raw.resize(static_cast<size_t>(n));
      const size_t got = ZSTD_decompressDCtx(ThreadZstd().dctx, raw.data(), raw.size(),
                                             stored.data(), stored.size());
      if (ZSTD_isError(got) || got != n) {
        return CorruptionError(where + ": zstd data does not decompress");
      }
      return raw;
    }
    case CompressionType::kNone:
      break;
  }
  return CorruptionError(where + ": unknown compression type " + std::to_string(type));
}

}  // namespace syskit::kv
