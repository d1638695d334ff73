// Per-block compression of table data blocks (Snappy, LZ4, Zstandard; the
// Debian-packaged libraries). The block trailer's type byte records which
// codec wrote a block, so files written with different options stay readable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "syskit/core/result.h"
#include "syskit/kv/db.h"

namespace syskit::kv {

// Compresses `raw` with `type` into *out. False when the codec fails or does
// not save at least 1/8 of the block (the block is then stored raw, as
// LevelDB and RocksDB do).
bool CompressBlock(CompressionType type, std::string_view raw, std::string* out);

// Decompresses a stored block whose trailer type byte is `type` (not 0).
// Corruption for an unknown type or data the codec rejects; `where` names
// the block in the message.
Result<std::string> UncompressBlock(uint8_t type, std::string_view stored,
                                    const std::string& where);

}  // namespace syskit::kv
