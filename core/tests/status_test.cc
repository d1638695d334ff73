#include "syskit/core/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "syskit/core/result.h"

namespace syskit {
namespace {

TEST(Status, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status status = CorruptionError("g.skg: checksum mismatch");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.message(), "g.skg: checksum mismatch");
  EXPECT_EQ(status.ToString(), "Corruption: g.skg: checksum mismatch");
}

TEST(Status, OkCodeDropsMessage) {
  Status status(StatusCode::kOk, "ignored");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(Status, WithContextPrefixesMessageAndKeepsCode) {
  Status status = NotFoundError("no such key").WithContext("db/000001.sst");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "db/000001.sst: no such key");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(Status, ErrnoErrorMapsEnoentToNotFound) {
  EXPECT_EQ(ErrnoError("a.txt", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoError("a.txt", ENOENT).message(), "a.txt: No such file or directory");
  EXPECT_EQ(ErrnoError("a.txt", EACCES).code(), StatusCode::kIOError);
}

Status FailIfNegative(int x) {
  if (x < 0) return InvalidArgumentError("negative: " + std::to_string(x));
  return Status::OK();
}

Status Chain(int x, int* calls) {
  SYSKIT_RETURN_IF_ERROR(FailIfNegative(x));
  ++*calls;
  return Status::OK();
}

TEST(Status, ReturnIfErrorPropagatesFirstFailure) {
  int calls = 0;
  EXPECT_TRUE(Chain(1, &calls).ok());
  EXPECT_EQ(calls, 1);
  Status status = Chain(-3, &calls);
  EXPECT_EQ(status.message(), "negative: -3");
  EXPECT_EQ(calls, 1);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  SYSKIT_ASSIGN_OR_RETURN(int half, Half(x));
  SYSKIT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Result, AssignOrReturnChainsValuesAndErrors) {
  Result<int> ok = Quarter(12);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd: 3");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> owned = std::move(result).value();
  EXPECT_EQ(*owned, 7);
}

TEST(ResultDeathTest, ValueOnErrorAborts) {
  Result<int> bad = NotFoundError("gone");
  EXPECT_DEATH((void)bad.value(), "value\\(\\) on an error Result: NotFound: gone");
}

TEST(CheckDeathTest, FailingCheckAbortsWithMessage) {
  int offset = 9;
  EXPECT_DEATH(SYSKIT_CHECK(offset < 4) << "offset " << offset, "offset < 4: offset 9");
}

TEST(Check, PassingCheckDoesNotEvaluateMessage) {
  int evaluated = 0;
  auto side_effect = [&] { return ++evaluated; };
  SYSKIT_CHECK(true) << side_effect();
  EXPECT_EQ(evaluated, 0);
}

}  // namespace
}  // namespace syskit
