// The control plane's durable state: one SQLite file under its data folder, with the replication
// groups and the other resources (one JSON document each, rewritten whole at every change: a group
// is a few kilobytes and changes a few times a minute at most) and the events DescribeEvents reads.
// Restarting the control plane reads the groups back and finds their nodes still serving.
//
// SQLite rather than files of our own: transactions and an index on events' time for free,
// and an operator can look inside with the sqlite3 shell.
//
// Thread: safe; one connection behind a mutex (every call is short).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/group_model.h"

struct sqlite3;

namespace redoubt::control {

struct EventFilter {
  std::optional<std::string> source_type;
  std::optional<std::string> source_id;
  int64_t start_ms = 0;        // inclusive
  int64_t end_ms = INT64_MAX;  // inclusive
};

class StateStore {
 public:
  // Opens (creating when absent) the database at path, mode 0600.
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  absl::Status SaveGroup(const GroupRecord& group);
  // key: RecordKey of the group.
  absl::Status DeleteGroup(const std::string& key);
  // Deletes the record at key and saves replacement in one transaction: a crash leaves one or
  // the other (a deleted group and the cache cluster retained from it).
  absl::Status ReplaceGroup(const std::string& key, const GroupRecord& replacement);
  absl::StatusOr<std::vector<GroupRecord>> LoadGroups();

  // The other resources (security groups, users, user groups): one JSON document per kind and
  // id, which the resource's own class writes and reads.
  absl::Status SaveResource(std::string_view kind, std::string_view id, std::string_view json);
  absl::Status DeleteResource(std::string_view kind, std::string_view id);
  // The documents of kind, ordered by id.
  absl::StatusOr<std::vector<std::string>> LoadResources(std::string_view kind);

  absl::Status AppendEvent(const EventRecord& event);
  // The events that pass filter, newest first.
  absl::StatusOr<std::vector<EventRecord>> Events(const EventFilter& filter);

 private:
  explicit StateStore(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql);

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace redoubt::control
