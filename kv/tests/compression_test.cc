// Block compression: every codec round-trips through flush, compaction and
// reopen, shrinks compressible data, stores incompressible blocks raw, and
// files written with one codec stay readable under another.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "syskit/core/random.h"
#include "syskit/kv/db.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

using Model = std::map<std::string, std::string>;

constexpr CompressionType kAll[] = {CompressionType::kNone, CompressionType::kSnappy,
                                    CompressionType::kLz4, CompressionType::kZstd};

Options OptionsWith(CompressionType compression) {
  Options options;
  options.compression = compression;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.block_cache_bytes = 32 << 10;
  return options;
}

// Values of 200 bytes: `random_bytes` random bytes, then that prefix repeated.
std::string ValueOf(Random& rng, size_t random_bytes) {
  std::string value(200, '\0');
  for (size_t i = 0; i < random_bytes; ++i) value[i] = static_cast<char>(rng.Next());
  for (size_t i = random_bytes; i < value.size(); ++i) value[i] = value[i - random_bytes];
  return value;
}

void Fill(DB* db, Model* model, uint64_t seed, int count, size_t random_bytes) {
  Random rng(seed);
  for (int n = 0; n < count; ++n) {
    char key[32];
    std::snprintf(key, sizeof(key), "key%07llu",
                  static_cast<unsigned long long>(rng.Uniform(20000)));
    const std::string value = ValueOf(rng, random_bytes);
    ASSERT_TRUE(db->Put({}, key, value).ok());
    (*model)[key] = value;
  }
}

void ExpectEquals(DB* db, const Model& model) {
  auto it = db->NewIterator({});
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_NE(expected, model.end());
    ASSERT_EQ(it->key(), expected->first);
    ASSERT_EQ(it->value(), expected->second);
  }
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(expected, model.end());
  for (const auto& [key, value] : model) {
    std::string got;
    ASSERT_TRUE(db->Get({}, key, &got).ok()) << key;
    ASSERT_EQ(got, value) << key;
  }
}

uint64_t TableBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst") bytes += entry.file_size();
  }
  return bytes;
}

// Writes the same data with `compression`, compacts it into one sorted run,
// checks it, reopens and checks again; returns the table bytes.
uint64_t RoundTrip(CompressionType compression, size_t random_bytes) {
  testing::TempDir dir;
  Model model;
  {
    auto db = std::move(DB::Open(OptionsWith(compression), dir.path())).value();
    Fill(db.get(), &model, 11, 8000, random_bytes);
    EXPECT_TRUE(db->CompactRange("", "").ok());
    ExpectEquals(db.get(), model);
  }
  auto db = std::move(DB::Open(OptionsWith(compression), dir.path())).value();
  ExpectEquals(db.get(), model);
  return TableBytes(dir.path());
}

TEST(Compression, EveryCodecRoundTripsAndShrinksCompressibleBlocks) {
  const uint64_t raw = RoundTrip(CompressionType::kNone, 40);
  ASSERT_GT(raw, 0u);
  for (CompressionType type : kAll) {
    if (type == CompressionType::kNone) continue;
    const uint64_t bytes = RoundTrip(type, 40);
    // Values are 20 % random: every codec must at least halve the tables.
    EXPECT_LT(bytes * 2, raw) << CompressionTypeName(type) << ": " << bytes << " vs " << raw;
  }
}

TEST(Compression, IncompressibleBlocksAreStoredRaw) {
  const uint64_t raw = RoundTrip(CompressionType::kNone, 200);
  for (CompressionType type : kAll) {
    const uint64_t bytes = RoundTrip(type, 200);
    // Random values do not shrink by 1/8, so blocks stay raw: the same size
    // (within 0.5 %, in case background compaction split files differently).
    EXPECT_NEAR(static_cast<double>(bytes), static_cast<double>(raw), raw * 0.005)
        << CompressionTypeName(type);
  }
}

TEST(Compression, FilesOfEveryCodecStayReadableUnderAnother) {
  testing::TempDir dir;
  Model model;
  uint64_t seed = 1;
  for (CompressionType type : kAll) {
    auto db = std::move(DB::Open(OptionsWith(type), dir.path())).value();
    ExpectEquals(db.get(), model);
    Fill(db.get(), &model, seed++, 3000, 30);
    ASSERT_TRUE(db->Flush().ok());
    ExpectEquals(db.get(), model);
  }
  // Compaction rewrites blocks of all four codecs into zstd ones.
  auto db = std::move(DB::Open(OptionsWith(CompressionType::kZstd), dir.path())).value();
  ASSERT_TRUE(db->CompactRange("", "").ok());
  ExpectEquals(db.get(), model);
}

TEST(Compression, NamesParseAndBadValuesAreRejected) {
  for (CompressionType type : kAll) {
    auto parsed = ParseCompressionType(CompressionTypeName(type));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, type);
  }
  auto bad = ParseCompressionType("lzma");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("snappy"), std::string::npos);
  testing::TempDir dir;
  Options options;
  options.compression = static_cast<CompressionType>(9);
  EXPECT_EQ(DB::Open(options, dir.path()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace syskit::kv
