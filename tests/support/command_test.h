// A GoogleTest fixture for command tests: a fresh CommandHarness per test, Run() to execute a
// command and get its reply bytes, Err() for the bytes of an error reply, and SetExpiredKey() for
// a key that active expiry has not removed yet. Thread: single-threaded, as the harness.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "storage/keyspace.h"
#include "support/command_harness.h"

namespace redoubt::test_support {

class CommandTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& command) { return h_.Run(command); }

  static std::string Err(std::string_view text) { return test_support::Err(text); }

  // Stores a string whose TTL has already passed in the client's database, as if the active
  // expire cycle had not yet run.
  void SetExpiredKey(std::string_view key) {
    storage::ShardLocks locks(h_.keyspace());
    locks.LockAll();
    h_.keyspace().SetString(h_.client().db, key, "v", common::UnixMillis() - 1, false);
  }

  CommandHarness h_;
};

}  // namespace redoubt::test_support
