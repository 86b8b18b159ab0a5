// Tests of ConfigAppliers (src/server/config_appliers.cc): only the appliers whose directives
// changed run, in order; a refusal undoes the ones that ran, in reverse, and skips every
// `then`; a kVolatile directive named by the command runs its applier even unchanged.
#include "server/config_appliers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::server {
namespace {

class ConfigAppliersTest : public ::testing::Test {
 protected:
  // An applier that logs "apply <name>", "undo <name>" and "then <name>", refusing when asked.
  ConfigApplier Recording(std::string_view name, std::vector<std::string_view> directives,
                          bool refuse = false) {
    return {.name = name,
            .directives = std::move(directives),
            .apply = [this, name, refuse](const ConfigChange&) -> absl::StatusOr<AppliedChange> {
              events_.push_back("apply " + std::string(name));
              if (refuse) {
                return absl::InvalidArgumentError("refused by " + std::string(name));
              }
              return AppliedChange{
                  .undo = [this, name] { events_.push_back("undo " + std::string(name)); },
                  .then = [this, name] { events_.push_back("then " + std::string(name)); }};
            }};
  }

  Config old_;
  std::vector<std::string> events_;
};

TEST_F(ConfigAppliersTest, OnlyAppliersOfChangedDirectivesRunInOrderThenTheirThens) {
  ConfigAppliers appliers;
  appliers.Add(Recording("ports", {"port"}));
  appliers.Add(Recording("memory", {"maxmemory"}));
  appliers.Add(Recording("timeout", {"timeout"}));
  Config next = old_;
  next.timeout = 30;
  next.port = 7000;

  ASSERT_TRUE(appliers.Apply({.old = old_, .next = next, .named = {}}).ok());

  EXPECT_EQ(events_, (std::vector<std::string>{"apply ports", "apply timeout", "then ports",
                                               "then timeout"}));
}

TEST_F(ConfigAppliersTest, ARefusalUndoesWhatRanInReverseAndSkipsTheThens) {
  ConfigAppliers appliers;
  appliers.Add(Recording("ports", {"port"}));
  appliers.Add(Recording("memory", {"maxmemory"}));
  appliers.Add(Recording("audit", {"audit-log-file"}, /*refuse=*/true));
  appliers.Add(Recording("timeout", {"timeout"}));
  Config next = old_;
  next.port = 7000;
  next.maxmemory = 1 << 20;
  next.audit_log_file = "/nowhere/audit.log";
  next.timeout = 30;

  absl::Status st = appliers.Apply({.old = old_, .next = next, .named = {}});

  EXPECT_EQ(st.message(), "refused by audit");
  EXPECT_EQ(events_, (std::vector<std::string>{"apply ports", "apply memory", "apply audit",
                                               "undo memory", "undo ports"}));
}

TEST_F(ConfigAppliersTest, AVolatileDirectiveNamedByTheCommandRunsItsApplierUnchanged) {
  ConfigAppliers appliers;
  appliers.Add(Recording("tls", {"tls-cert-file"}));
  appliers.Add(Recording("ports", {"port"}));
  std::vector<std::string> named = {"TLS-CERT-FILE", "port"};

  ASSERT_TRUE(appliers.Apply({.old = old_, .next = old_, .named = named}).ok());

  // port is not volatile: named with its own value, nothing to do.
  EXPECT_EQ(events_, (std::vector<std::string>{"apply tls", "then tls"}));
}

TEST_F(ConfigAppliersTest, PublishRunsOnlyPublishersAndUndoPublishesTheOldValues) {
  ConfigAppliers appliers;
  std::vector<int> published;
  appliers.AddPublisher("timeout", {"timeout"},
                        [&](const Config& c) { published.push_back(c.timeout); });
  appliers.Add(Recording("audit", {"audit-log-file"}, /*refuse=*/true));
  appliers.Publish(old_);
  EXPECT_EQ(published, (std::vector<int>{0}));
  EXPECT_TRUE(events_.empty());

  Config next = old_;
  next.timeout = 30;
  next.audit_log_file = "/nowhere/audit.log";
  EXPECT_FALSE(appliers.Apply({.old = old_, .next = next, .named = {}}).ok());

  EXPECT_EQ(published, (std::vector<int>{0, 30, 0}));
}

}  // namespace
}  // namespace redoubt::server
