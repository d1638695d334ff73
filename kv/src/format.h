// Encodings shared by the WAL, tables and manifest: little-endian fixed-width
// and varint integers, internal keys, and checksums.
//
// Internal key = user key + fixed64 tag, tag = (sequence << 8) | type.
// Internal keys order by user key ascending, then by tag descending, so the
// newest version of a key comes first and a lookup key (seq, kTypeValue)
// finds the newest version visible at seq.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace syskit::kv {

enum ValueType : uint8_t { kTypeDeletion = 0, kTypeValue = 1 };
inline constexpr uint64_t kMaxSequence = (uint64_t{1} << 56) - 1;

inline void PutFixed32(std::string* dst, uint32_t v) {
  dst->append(reinterpret_cast<char*>(&v), 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  dst->append(reinterpret_cast<char*>(&v), 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
void PutVarint64(std::string* dst, uint64_t v);
inline void PutVarint32(std::string* dst, uint32_t v) { PutVarint64(dst, v); }
void PutLengthPrefixed(std::string* dst, std::string_view value);
// Decoders advance `in`; false on malformed/short input. One-byte values
// (every key and value length under 128 bytes) take the inline path.
bool GetVarint64Slow(std::string_view* in, uint64_t* v);
inline bool GetVarint64(std::string_view* in, uint64_t* v) {
  if (!in->empty() && static_cast<unsigned char>(in->front()) < 128) {
    *v = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    return true;
  }
  return GetVarint64Slow(in, v);
}
inline bool GetVarint32(std::string_view* in, uint32_t* v) {
  if (!in->empty() && static_cast<unsigned char>(in->front()) < 128) {
    *v = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    return true;
  }
  uint64_t wide;
  if (!GetVarint64Slow(in, &wide) || wide > 0xffffffffu) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}
bool GetLengthPrefixed(std::string_view* in, std::string_view* value);
bool GetFixed64(std::string_view* in, uint64_t* v);

inline uint64_t PackTag(uint64_t seq, ValueType type) { return (seq << 8) | type; }
inline void AppendInternalKey(std::string* dst, std::string_view user_key, uint64_t seq,
                              ValueType type) {
  dst->append(user_key);
  PutFixed64(dst, PackTag(seq, type));
}
inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - 8);
}
inline uint64_t ExtractTag(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - 8);
}
inline uint64_t ExtractSequence(std::string_view ikey) { return ExtractTag(ikey) >> 8; }
inline ValueType ExtractType(std::string_view ikey) {
  return static_cast<ValueType>(ExtractTag(ikey) & 0xff);
}

// Orders internal keys (see above).
inline int CompareInternalKey(std::string_view a, std::string_view b) {
  const int r = ExtractUserKey(a).compare(ExtractUserKey(b));
  if (r != 0) return r;
  const uint64_t ta = ExtractTag(a), tb = ExtractTag(b);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

// 32-bit checksum (low half of XXH3-64) used for WAL records, blocks, footers.
uint32_t Checksum32(std::string_view data);
uint64_t Hash64(std::string_view data);

// File names inside the DB directory.
std::string TableFileName(const std::string& dir, uint64_t number);     // 000012.sst
std::string LogFileName(const std::string& dir, uint64_t number);       // 000011.log
std::string ManifestFileName(const std::string& dir, uint64_t number);  // MANIFEST-000010
std::string CurrentFileName(const std::string& dir);
std::string LockFileName(const std::string& dir);
enum class FileType { kLog, kTable, kManifest, kCurrent, kLock, kTemp, kOther };
// Parses a directory entry name.
FileType ParseFileName(const std::string& name, uint64_t* number);

}  // namespace syskit::kv
