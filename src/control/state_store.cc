// The SQLite state store; see state_store.h.
#include "control/state_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <string_view>

namespace redoubt::control {
namespace {

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(std::string(what) + ": " + sqlite3_errmsg(db));
}

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }
  void Bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // The file holds node addresses and, later, credentials: created readable by us only.
  const mode_t old_mask = umask(077);
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  umask(old_mask);
  if (rc != SQLITE_OK) {
    absl::Status error = SqliteError(db, "cannot open " + path);
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<StateStore> store(new StateStore(db));
  sqlite3_busy_timeout(db, 5000);
  // WAL: a reader never waits for a writer; synchronous=NORMAL keeps every committed change
  // across a crash of the process (a power cut may lose the last ones, which the nodes survive).
  // secure_delete: a replaced or deleted record is overwritten, not left in a free page (old
  // tokens and passwords, sealed values under a retired key).
  absl::Status s = store->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
      "CREATE TABLE IF NOT EXISTS replication_groups (id TEXT PRIMARY KEY, record TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, id TEXT NOT NULL,"
      " record TEXT NOT NULL, PRIMARY KEY (kind, id));"
      "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
      " time_ms INTEGER NOT NULL, source_type TEXT NOT NULL, source_id TEXT NOT NULL,"
      " message TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS events_by_time ON events (time_ms);");
  if (!s.ok()) {
    return s;
  }
  return store;
}

StateStore::~StateStore() {
  sqlite3_close(db_);
}

absl::Status StateStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    absl::Status error =
        absl::InternalError(std::string("state store: ") + (message ? message : "unknown error"));
    sqlite3_free(message);
    return error;
  }
  return absl::OkStatus();
}

absl::Status StateStore::SaveGroup(const GroupRecord& group) {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "INSERT OR REPLACE INTO replication_groups (id, record) VALUES (?, ?)");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, RecordKey(group));
  stmt.Bind(2, GroupToJson(group));
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    return SqliteError(db_, "cannot save replication group " + group.id);
  }
  return absl::OkStatus();
}

absl::Status StateStore::DeleteGroup(const std::string& id) {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "DELETE FROM replication_groups WHERE id = ?");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, id);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    return SqliteError(db_, "cannot delete replication group " + id);
  }
  return absl::OkStatus();
}

absl::Status StateStore::ReplaceGroup(const std::string& key, const GroupRecord& replacement) {
  std::lock_guard lock(mu_);
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) {
    return s;
  }
  Statement remove(db_, "DELETE FROM replication_groups WHERE id = ?");
  Statement insert(db_, "INSERT OR REPLACE INTO replication_groups (id, record) VALUES (?, ?)");
  bool ok = remove.ok() && insert.ok();
  if (ok) {
    remove.Bind(1, key);
    insert.Bind(1, RecordKey(replacement));
    insert.Bind(2, GroupToJson(replacement));
    ok = sqlite3_step(remove.get()) == SQLITE_DONE && sqlite3_step(insert.get()) == SQLITE_DONE;
  }
  if (!ok) {
    absl::Status error = SqliteError(db_, "cannot replace replication group " + key);
    (void)Exec("ROLLBACK");
    return error;
  }
  if (absl::Status s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");  // or the transaction would stay open under every later write
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<GroupRecord>> StateStore::LoadGroups() {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "SELECT record FROM replication_groups ORDER BY id");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  std::vector<GroupRecord> groups;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    absl::StatusOr<GroupRecord> group = ParseGroupJson(stmt.Text(0));
    if (!group.ok()) {
      return group.status();
    }
    groups.push_back(*std::move(group));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_, "cannot read the replication groups");
  }
  return groups;
}

absl::Status StateStore::SaveResource(std::string_view kind, std::string_view id,
                                      std::string_view json) {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "INSERT OR REPLACE INTO resources (kind, id, record) VALUES (?, ?, ?)");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, kind);
  stmt.Bind(2, id);
  stmt.Bind(3, json);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    return SqliteError(db_, "cannot save " + std::string(kind) + " " + std::string(id));
  }
  return absl::OkStatus();
}

absl::Status StateStore::DeleteResource(std::string_view kind, std::string_view id) {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "DELETE FROM resources WHERE kind = ? AND id = ?");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, kind);
  stmt.Bind(2, id);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    return SqliteError(db_, "cannot delete " + std::string(kind) + " " + std::string(id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> StateStore::LoadResources(std::string_view kind) {
  std::lock_guard lock(mu_);
  Statement stmt(db_, "SELECT record FROM resources WHERE kind = ? ORDER BY id");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, kind);
  std::vector<std::string> records;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    records.push_back(stmt.Text(0));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_, "cannot read the " + std::string(kind) + " records");
  }
  return records;
}

absl::Status StateStore::AppendEvent(const EventRecord& event) {
  std::lock_guard lock(mu_);
  Statement stmt(db_,
                 "INSERT INTO events (time_ms, source_type, source_id, message) VALUES (?,?,?,?)");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, event.time_ms);
  stmt.Bind(2, event.source_type);
  stmt.Bind(3, event.source_id);
  stmt.Bind(4, event.message);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    return SqliteError(db_, "cannot record an event");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventRecord>> StateStore::Events(const EventFilter& filter) {
  std::lock_guard lock(mu_);
  Statement stmt(db_,
                 "SELECT time_ms, source_type, source_id, message FROM events"
                 " WHERE time_ms BETWEEN ?1 AND ?2 AND (?3 IS NULL OR source_type = ?3)"
                 " AND (?4 IS NULL OR source_id = ?4) ORDER BY time_ms DESC, seq DESC");
  if (!stmt.ok()) {
    return SqliteError(db_, "state store");
  }
  stmt.Bind(1, filter.start_ms);
  stmt.Bind(2, filter.end_ms);
  if (filter.source_type) {
    stmt.Bind(3, *filter.source_type);
  }
  if (filter.source_id) {
    stmt.Bind(4, *filter.source_id);
  }
  std::vector<EventRecord> events;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    events.push_back(
        {sqlite3_column_int64(stmt.get(), 0), stmt.Text(1), stmt.Text(2), stmt.Text(3)});
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_, "cannot read the events");
  }
  return events;
}

}  // namespace redoubt::control
