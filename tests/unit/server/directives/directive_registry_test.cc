// Tests of the directive table's builder (server/directives/directive_registry.cc): rows keep
// the order they were added in, and a name or alias registered twice, in any case and by any
// component, stops the build with a message naming it.
#include "server/directives/directive_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::server {
namespace {

void AddReplicaOf(DirectiveRegistry& registry) {
  registry.Add(BoolDirective({.name = "replicaof", .alias = "slaveof"}, false));
}

// Builds a table of replicaof (alias slaveof), from component "replication", then add's rows
// from component "other".
void AddAfterReplicaOf(void (*add)(DirectiveRegistry&)) {
  DirectiveRegistry registry;
  registry.AddComponent({"replication", AddReplicaOf});
  registry.AddComponent({"other", add});
}

std::vector<std::string> Names(const std::vector<DirectiveSpec>& rows) {
  std::vector<std::string> names;
  for (const DirectiveSpec& d : rows) {
    names.emplace_back(d.name);
  }
  return names;
}

class DirectiveRegistryTest : public testing::Test {
 protected:
  // The unit test binary may have threads running; re-executing the binary for the death
  // test does not depend on them.
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(DirectiveRegistryTest, RowsKeepTheOrderOfTheirComponentsAndOfAdding) {
  DirectiveRegistry registry;

  registry.AddComponent({"first", [](DirectiveRegistry& r) {
                           r.Add(BoolDirective({.name = "b"}, false));
                           r.Add(BoolDirective({.name = "a"}, false));
                         }});
  registry.AddComponent({"second", AddReplicaOf});

  EXPECT_EQ(Names(registry.TakeRows()), (std::vector<std::string>{"b", "a", "replicaof"}));
}

TEST_F(DirectiveRegistryTest, ANameRegisteredByTwoComponentsStopsTheBuild) {
  EXPECT_DEATH(AddAfterReplicaOf([](DirectiveRegistry& r) {
                 r.Add(BoolDirective({.name = "replicaof"}, false));
               }),
               "\"replicaof\" is registered twice: as the name by component replication, and "
               "as the name by component other");
}

TEST_F(DirectiveRegistryTest, ANameTakenAsAnotherRowsAliasStopsTheBuild) {
  EXPECT_DEATH(AddAfterReplicaOf(
                   [](DirectiveRegistry& r) { r.Add(BoolDirective({.name = "slaveof"}, false)); }),
               "\"slaveof\" is registered twice: as the alias of \"replicaof\" by component "
               "replication, and as the name by component other");
}

TEST_F(DirectiveRegistryTest, AnAliasTakenAsAnotherRowsNameStopsTheBuild) {
  EXPECT_DEATH(AddAfterReplicaOf([](DirectiveRegistry& r) {
                 r.Add(BoolDirective({.name = "master-of", .alias = "replicaof"}, false));
               }),
               "as the name by component replication, and as the alias of \"master-of\"");
}

TEST_F(DirectiveRegistryTest, NamesAreComparedIgnoringCaseAsFindDirectiveDoes) {
  EXPECT_DEATH(AddAfterReplicaOf(
                   [](DirectiveRegistry& r) { r.Add(BoolDirective({.name = "SlaveOf"}, false)); }),
               "\"SlaveOf\" is registered twice");
}

TEST_F(DirectiveRegistryTest, ARowWithoutItsFunctionsStopsTheBuild) {
  DirectiveRegistry registry;

  EXPECT_DEATH(
      registry.AddComponent(
          {"other", [](DirectiveRegistry& r) { r.Add(NewDirective({.name = "half-written"})); }}),
      "component other adds a row \"half-written\" without a name or without set, get "
      "or rewrite");
}

TEST_F(DirectiveRegistryTest, ARowAddedOutsideAComponentStopsTheBuild) {
  DirectiveRegistry registry;

  EXPECT_DEATH(registry.Add(BoolDirective({.name = "orphan"}, false)),
               "a row \"orphan\" is added outside a component");
}

}  // namespace
}  // namespace redoubt::server
