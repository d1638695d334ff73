// `syskit racecheck instrument` on a small program: the hooks land before
// each member call on a std container, and the rewritten file still
// compiles against the runtime's header (checked with g++ -fsyntax-only).
#include <gtest/gtest.h>

#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

using testing::ReadWholeFile;
using testing::RunCommand;

const std::string kSyskit = SYSKIT_BINARY;

// Writes a compile_commands.json for dir/prog.cc and runs `syskit racecheck
// instrument` over it into dir/out.
testing::CommandOutcome InstrumentProg(const testing::TempDir& dir) {
  dir.Write("compile_commands.json", "[{\"directory\": \"" + dir.path() +
                                         "\", \"command\": \"g++ -std=c++20 -c prog.cc\", "
                                         "\"file\": \"prog.cc\"}]");
  return RunCommand(kSyskit + " racecheck instrument --build_dir=" + dir.path() +
                    " --out_dir=" + dir.File("out"));
}

constexpr const char* kProgram = R"(#include <map>
#include <vector>
#define CLEAR(x) (x).clear()
int main() {
  std::vector<int> v;
  v.push_back(1);
  std::map<int, int> m;
  m[1] = 2;
  std::vector<int>* p = &v;
  p->push_back(2);
  int n = static_cast<int>(v.size());
  CLEAR(m);
  int plain = 3;
  return n + static_cast<int>(m.count(1)) + plain;
}
)";

TEST(Instrument, HooksMemberCallsAndTheResultCompiles) {
  testing::TempDir dir;
  dir.Write("prog.cc", kProgram);
  auto run = InstrumentProg(dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // push_back, operator[], p->push_back, size, count; CLEAR is a macro.
  EXPECT_NE(run.out.find("hooks=5 skipped=1"), std::string::npos) << run.out;
  const std::string text = ReadWholeFile(dir.File("out/prog.cc"));
  EXPECT_NE(text.find("(::syskit::racecheck::OnCall(static_cast<const void*>(&(v)), "
                      "::syskit::racecheck::RegisterOp(\"std::vector\", \"push_back\")), "
                      "v.push_back(1));"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("RegisterOp(\"std::map\", \"operator[]\")), m[1]) = 2;"), std::string::npos)
      << text;
  EXPECT_NE(text.find("static_cast<const void*>((p))"), std::string::npos) << text;
  EXPECT_NE(text.find("CLEAR(m);"), std::string::npos);
  auto compile = RunCommand("g++ -std=c++20 -fsyntax-only -I" RACECHECK_INCLUDE_DIR
                            " -I" CORE_INCLUDE_DIR " " +
                            dir.File("out/prog.cc"));
  EXPECT_EQ(compile.exit_code, 0) << compile.err;
}

// The rewritten-source mode gets thread creation and join as happens-before
// edges too: the instrumented program is linked with the runtime library,
// whose pthread_create/pthread_join the program's std::thread calls reach.
// The parent's set-up push_back, the child's push_back and the parent's
// size() after the join are ordered: no near miss. RACECHECK_THREAD_HB=0
// ignores the edges, and the same run has near misses.
constexpr const char* kThreadProgram = R"(#include <thread>
#include <vector>
int main() {
  std::vector<int> v;
  v.push_back(1);
  std::thread child([&v] { v.push_back(2); });
  child.join();
  return v.size() == 2 ? 0 : 1;
}
)";

TEST(Instrument, InstrumentedProgramOrdersThreadCreateAndJoin) {
  testing::TempDir dir;
  dir.Write("prog.cc", kThreadProgram);
  auto run = InstrumentProg(dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("hooks=3 skipped=0"), std::string::npos) << run.out;
  auto build = RunCommand("g++ -std=c++20 -O1 -I" RACECHECK_INCLUDE_DIR " -I" CORE_INCLUDE_DIR " " +
                          dir.File("out/prog.cc") + " -o " + dir.File("prog") +
                          " " RACECHECK_LIB " " CORE_LIB " " FMT_LIB " -ldl -pthread");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  for (int thread_hb : {1, 0}) {
    const std::string stats = dir.File("stats" + std::to_string(thread_hb) + ".json");
    auto result = RunCommand(
        "RACECHECK_MODE=tsvd RACECHECK_DELAY_MS=2 RACECHECK_WINDOW_US=5000000 "
        "RACECHECK_THREAD_HB=" +
        std::to_string(thread_hb) + " RACECHECK_STATS_FILE=" + stats + " " + dir.File("prog"));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const std::string text = ReadWholeFile(stats);
    if (thread_hb == 1) {
      EXPECT_NE(text.find("\"near_misses\":0,"), std::string::npos) << text;
      EXPECT_NE(text.find("\"delays\":0,"), std::string::npos) << text;
    } else {
      EXPECT_EQ(text.find("\"near_misses\":0,"), std::string::npos) << text;
      EXPECT_NE(text.find("\"near_misses\":"), std::string::npos) << text;
    }
  }
}

TEST(Instrument, MissingDatabaseIsAUsageError) {
  testing::TempDir dir;
  auto run = RunCommand(kSyskit + " racecheck instrument --build_dir=" + dir.path() +
                        " --out_dir=" + dir.File("out"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("syskit racecheck: error: " + dir.path() + "/compile_commands.json"),
            std::string::npos)
      << run.err;
}

TEST(Instrument, SourceNotInDatabaseIsAUsageError) {
  testing::TempDir dir;
  dir.Write("compile_commands.json", "[]");
  auto run = RunCommand(kSyskit + " racecheck instrument --build_dir=" + dir.path() +
                        " --out_dir=" + dir.File("out") + " " + dir.File("x.cc"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("x.cc: not in"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace syskit::racecheck
