#include "syskit/racecheck/contract.h"

#include <gtest/gtest.h>

#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

TEST(Contract, DefaultsClassifyStdContainers) {
  const Contract contract = Contract::Defaults();
  EXPECT_EQ(*contract.Classify("std::vector", "push_back"), Access::kWrite);
  EXPECT_EQ(*contract.Classify("std::vector", "size"), Access::kRead);
  // Element access through vector::operator[] is a read by default (memory
  // races are TSan's), but map::operator[] may insert, so it writes.
  EXPECT_EQ(*contract.Classify("std::vector", "operator[]"), Access::kRead);
  EXPECT_EQ(*contract.Classify("std::map", "operator[]"), Access::kWrite);
  EXPECT_EQ(*contract.Classify("std::unordered_map", "count"), Access::kRead);
  EXPECT_EQ(*contract.Classify("std::unordered_map", "erase"), Access::kWrite);
  EXPECT_EQ(*contract.Classify("std::string", "append"), Access::kWrite);
  EXPECT_EQ(*contract.Classify("std::list", "begin"), Access::kRead);
}

TEST(Contract, EveryWrappedMethodHasARule) {
  const Contract contract = Contract::Defaults();
  for (const char* type : {"std::vector", "std::deque", "std::list", "std::map",
                           "std::unordered_map", "std::set", "std::unordered_set", "std::string"}) {
    const auto* methods = Contract::WrappedMethods(type);
    ASSERT_NE(methods, nullptr) << type;
    for (const std::string& method : *methods) {
      EXPECT_TRUE(contract.Classify(type, method).ok()) << type << "::" << method;
    }
  }
}

TEST(Contract, ConfigOverridesAGroupAndAddsUserTypes) {
  Result<Contract> contract = Contract::Parse(R"({"groups": [
      {"type": "std::vector", "read": ["size", "begin", "end"], "write": ["operator[]", "push*"]},
      {"type": "mylib::Handle", "read": ["get*"], "write": ["*"]}]})",
                                              "test.json");
  ASSERT_TRUE(contract.ok()) << contract.status();
  EXPECT_EQ(*contract->Classify("std::vector", "operator[]"), Access::kWrite);
  EXPECT_EQ(*contract->Classify("std::vector", "push_back"), Access::kWrite);
  // The group replaced the default one: clear has no rule any more.
  EXPECT_EQ(contract->Classify("std::vector", "clear").status().code(), StatusCode::kNotFound);
  // The longer wildcard wins over "*".
  EXPECT_EQ(*contract->Classify("mylib::Handle", "get_name"), Access::kRead);
  EXPECT_EQ(*contract->Classify("mylib::Handle", "close"), Access::kWrite);
  // Other std groups keep their defaults.
  EXPECT_EQ(*contract->Classify("std::map", "find"), Access::kRead);
  EXPECT_EQ(contract->Classify("other::Type", "x").status().code(), StatusCode::kNotFound);
}

TEST(Contract, RejectsUnknownMethodOfWrappedType) {
  Result<Contract> contract =
      Contract::Parse(R"({"groups": [{"type": "std::vector", "write": ["push_bak"]}]})", "c.json");
  ASSERT_FALSE(contract.ok());
  EXPECT_EQ(contract.status().message(),
            "c.json: groups[0]: unknown method \"push_bak\" of std::vector");
}

TEST(Contract, RejectsMalformedConfigs) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "c.json: malformed JSON"},
      {"[1]", "c.json: expected a JSON object"},
      {R"({"group": []})", "c.json: unknown key \"group\" (expected \"groups\")"},
      {R"({})", "c.json: expected \"groups\": [...]"},
      {R"({"groups": [{"read": ["x"]}]})", "c.json: groups[0]: missing \"type\""},
      {R"({"groups": [{"type": "T", "read": "x"}]})",
       "c.json: groups[0].read: expected an array of method names"},
      {R"({"groups": [{"type": "T", "read": ["x"], "write": ["x"]}]})",
       "c.json: groups[0]: method \"x\" is listed as read and write"},
      {R"({"groups": [{"type": "T", "reads": ["x"]}]})",
       "c.json: groups[0]: unknown key \"reads\" (expected type, read, write)"},
  };
  for (const auto& [text, message] : cases) {
    Result<Contract> contract = Contract::Parse(text, "c.json");
    ASSERT_FALSE(contract.ok()) << text;
    EXPECT_EQ(contract.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(contract.status().message(), message) << text;
  }
}

TEST(Contract, LoadReportsMissingFile) {
  testing::TempDir dir;
  Result<Contract> contract = Contract::Load(dir.File("none.json"));
  EXPECT_EQ(contract.status().code(), StatusCode::kNotFound);
  const std::string path = dir.Write("ok.json", R"({"groups": []})");
  EXPECT_TRUE(Contract::Load(path).ok());
}

}  // namespace
}  // namespace syskit::racecheck
