#include "format.h"

#include <xxhash.h>

#include <cstdio>

namespace syskit::kv {

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 128) {
    buf[n++] = static_cast<char>(v | 128);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value);
}

bool GetVarint64Slow(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; shift <= 63 && i < static_cast<int>(in->size()); shift += 7, ++i) {
    const uint64_t byte = static_cast<unsigned char>((*in)[i]);
    result |= (byte & 127) << shift;
    if (byte < 128) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

bool GetLengthPrefixed(std::string_view* in, std::string_view* value) {
  uint64_t len;
  if (!GetVarint64(in, &len) || len > in->size()) return false;
  *value = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

uint32_t Checksum32(std::string_view data) {
  return static_cast<uint32_t>(XXH3_64bits(data.data(), data.size()));
}
uint64_t Hash64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

static std::string Numbered(const std::string& dir, uint64_t number, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/%06llu.%s", static_cast<unsigned long long>(number), suffix);
  return dir + buf;
}
std::string TableFileName(const std::string& dir, uint64_t number) {
  return Numbered(dir, number, "sst");
}
std::string LogFileName(const std::string& dir, uint64_t number) {
  return Numbered(dir, number, "log");
}
std::string ManifestFileName(const std::string& dir, uint64_t number) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/MANIFEST-%06llu", static_cast<unsigned long long>(number));
  return dir + buf;
}
std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }
std::string LockFileName(const std::string& dir) { return dir + "/LOCK"; }

FileType ParseFileName(const std::string& name, uint64_t* number) {
  if (name == "CURRENT") return FileType::kCurrent;
  if (name == "LOCK") return FileType::kLock;
  if (name.ends_with(".tmp")) return FileType::kTemp;
  auto parse_number = [&](std::string_view digits) {
    if (digits.empty()) return false;
    uint64_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    *number = n;
    return true;
  };
  if (name.starts_with("MANIFEST-")) {
    return parse_number(std::string_view(name).substr(9)) ? FileType::kManifest : FileType::kOther;
  }
  const size_t dot = name.find('.');
  if (dot == std::string::npos || !parse_number(std::string_view(name).substr(0, dot))) {
    return FileType::kOther;
  }
  const std::string_view suffix = std::string_view(name).substr(dot + 1);
  if (suffix == "sst") return FileType::kTable;
  if (suffix == "log") return FileType::kLog;
  return FileType::kOther;
}

}  // namespace syskit::kv
