#include "syskit/core/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "syskit/core/log.h"

namespace syskit::flags {
namespace {

struct ToolFlags {
  int threads = 0;
  double stop_prob = 0.15;
  std::string output = "none";
  CommonFlags common;
};

std::unique_ptr<CLI::App> MakeTool(ToolFlags* flags) {
  auto app = NewApp("syskit demo-tool", "a tool for tests");
  AddCommonFlags(*app, &flags->common);
  app->add_option("--threads", flags->threads, "worker threads (0 = all cores)");
  app->add_option("--stop_prob", flags->stop_prob, "termination probability")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--output", flags->output, "where paths go");
  return app;
}

std::optional<int> ParseArgs(CLI::App& app, std::vector<const char*> args,
                             const CommonFlags* common) {
  args.insert(args.begin(), "tool");
  return Parse(app, static_cast<int>(args.size()), args.data(), common);
}

TEST(Flags, ParsesEqualsAndSpaceForms) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  EXPECT_EQ(ParseArgs(*app, {"--threads=2", "--stop_prob", "0.3"}, &flags.common), std::nullopt);
  EXPECT_EQ(flags.threads, 2);
  EXPECT_DOUBLE_EQ(flags.stop_prob, 0.3);
  EXPECT_EQ(flags.output, "none");
}

TEST(Flags, UnknownFlagIsUsageError) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  testing::internal::CaptureStderr();
  EXPECT_EQ(ParseArgs(*app, {"--no-such-flag"}, nullptr), kExitUsageError);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("syskit demo-tool: error: "), std::string::npos) << err;
  EXPECT_NE(err.find("--no-such-flag"), std::string::npos) << err;
}

TEST(Flags, BadValueIsUsageError) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  testing::internal::CaptureStderr();
  EXPECT_EQ(ParseArgs(*app, {"--threads=two"}, nullptr), kExitUsageError);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--threads"), std::string::npos) << err;
  EXPECT_NE(err.find("two"), std::string::npos) << err;
}

TEST(Flags, OutOfRangeValueIsUsageError) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  testing::internal::CaptureStderr();
  EXPECT_EQ(ParseArgs(*app, {"--stop_prob=1.5"}, nullptr), kExitUsageError);
  testing::internal::GetCapturedStderr();
}

TEST(Flags, HelpListsFlagsWithDefaultsAndExitsZero) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  testing::internal::CaptureStdout();
  EXPECT_EQ(ParseArgs(*app, {"--help"}, nullptr), kExitOk);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("--stop_prob"), std::string::npos) << out;
  EXPECT_NE(out.find("0.15"), std::string::npos) << out;
  EXPECT_NE(out.find("--quiet"), std::string::npos) << out;
  EXPECT_NE(out.find("--version"), std::string::npos) << out;
}

TEST(Flags, VersionPrintsProjectVersion) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  testing::internal::CaptureStdout();
  EXPECT_EQ(ParseArgs(*app, {"--version"}, nullptr), kExitOk);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "syskit " + std::string(Version()) + "\n");
}

TEST(Flags, LogLevelIsAppliedAndValidated) {
  ToolFlags flags;
  auto app = MakeTool(&flags);
  EXPECT_EQ(ParseArgs(*app, {"--log_level=error"}, &flags.common), std::nullopt);
  EXPECT_EQ(MinLogLevel(), LogLevel::kError);
  SetMinLogLevel(LogLevel::kInfo);

  ToolFlags again;
  auto app2 = MakeTool(&again);
  testing::internal::CaptureStderr();
  EXPECT_EQ(ParseArgs(*app2, {"--log_level=loud"}, &again.common), kExitUsageError);
  testing::internal::GetCapturedStderr();
}

TEST(Flags, ReportErrorFormatsToolPrefix) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(ReportError("syskit graph", NotFoundError("g.txt: No such file or directory")),
            kExitRuntimeError);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "syskit graph: error: g.txt: No such file or directory\n");
}

}  // namespace
}  // namespace syskit::flags
