// Tests of the commands on a key's time to live (src/commands/expire_commands.cc: the EXPIRE
// and TTL families, PERSIST), run in-process through CommandHarness. Expected replies and error
// texts are Redis 7.0.15's, checked with redis-cli.
#include "commands/expire_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command_test.h"

namespace redoubt::commands {
namespace {

class ExpireCommandsTest : public test_support::CommandTest {};

// ---- EXPIRE family ----

TEST_F(ExpireCommandsTest, ExpireSetsATtlThatTtlReportsInWholeSeconds) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(ExpireCommandsTest, ExpireOfMissingKeyIsZero) {
  EXPECT_EQ(Run({"EXPIRE", "nokey", "100"}), ":0\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "nokey", "100"}), ":0\r\n");
}

TEST_F(ExpireCommandsTest, NegativeOrPastTimesDeleteTheKey) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"EXPIRE", "k", "-1"},
                                             {"PEXPIRE", "k", "0"},
                                             {"EXPIREAT", "k", "1"},
                                             {"PEXPIREAT", "k", "-5"}}) {
    Run({"SET", "k", "v"});

    EXPECT_EQ(Run(cmd), ":1\r\n") << cmd[0];

    EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n") << cmd[0];
  }
}

TEST_F(ExpireCommandsTest, OverflowingTimesAreInvalidExpireTime) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

TEST_F(ExpireCommandsTest, ExpireTimeMustBeAnInteger) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "1.5"}), Err("ERR value is not an integer or out of range"));
}

TEST_F(ExpireCommandsTest, ExpireOptionsAreCheckedBeforeTheTime) {
  EXPECT_EQ(Run({"EXPIRE", "k", "abc", "BAD"}), Err("ERR Unsupported option BAD"));
  EXPECT_EQ(Run({"EXPIRE", "k", "abc", "NX", "XX"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "nx", "gt"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "100", "GT", "LT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
}

TEST_F(ExpireCommandsTest, ExpireNxAppliesOnlyWithoutTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "NX"}), ":0\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(ExpireCommandsTest, ExpireXxAppliesOnlyWithTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "XX"}), ":0\r\n");
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "XX"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":200\r\n");
}

TEST_F(ExpireCommandsTest, ExpireGtTreatsNoTtlAsInfinite) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), ":0\r\n");
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "300", "GT"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":300\r\n");
}

TEST_F(ExpireCommandsTest, ExpireLtTreatsNoTtlAsInfinite) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "LT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "XX", "LT"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":50\r\n");
}

TEST_F(ExpireCommandsTest, ExpireGtWithNegativeTimeDoesNotDeleteAKeyWithoutTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "-1", "GT"}), ":0\r\n");

  EXPECT_EQ(Run({"EXISTS", "k"}), ":1\r\n");
}

// ---- TTL PTTL EXPIRETIME PEXPIRETIME PERSIST ----

TEST_F(ExpireCommandsTest, TtlFamilyIsMinusTwoForMissingAndMinusOneWithoutTtl) {
  Run({"SET", "k", "v"});

  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    EXPECT_EQ(Run({cmd, "nokey"}), ":-2\r\n") << cmd;
    EXPECT_EQ(Run({cmd, "k"}), ":-1\r\n") << cmd;
  }
}

TEST_F(ExpireCommandsTest, ExpireTimeReportsTheAbsoluteTime) {
  Run({"SET", "k", "v"});

  Run({"EXPIREAT", "k", "4000000000"});

  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":4000000000\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":4000000000000\r\n");
}

TEST_F(ExpireCommandsTest, PexpireAtIsReportedToTheMillisecond) {
  Run({"SET", "k", "v"});

  Run({"PEXPIREAT", "k", "4000000000123"});

  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":4000000000123\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":4000000000\r\n");
}

TEST_F(ExpireCommandsTest, PersistRemovesTheTtlOnce) {
  Run({"SET", "k", "v", "EX", "100"});

  EXPECT_EQ(Run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(Run({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"PERSIST", "nokey"}), ":0\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST_F(ExpireCommandsTest, ExpireCountsASetOrDeletingTimeButNotARefusedCondition) {
  Run({"SET", "k", "v"});

  Run({"EXPIRE", "k", "100", "XX"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"EXPIRE", "k", "100", "NX"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"EXPIRE", "k", "50", "GT"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"PERSIST", "k"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"PERSIST", "k"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"EXPIRE", "k", "-1"});
  EXPECT_EQ(h_.dirty(), 1u);  // deleted
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(h_.dirty(), 0u);
}

}  // namespace
}  // namespace redoubt::commands
