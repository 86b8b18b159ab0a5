// Where the effects of commands go once they are applied: the append-only file and, later,
// the replicas. The dispatcher hands each write command (rewritten where its arguments would
// not replay to the same result: a relative TTL, a random pick, a blocking pop) to the log as
// RESP, and the keyspace's expiries and evictions as DEL.
//
// Order: Append is called while the shards of the keys it changes are locked, so two changes
// to one key reach the log in the order they were made; changes to keys of different shards
// may arrive in either order, which is harmless because they commute. A batch (one command, or
// a transaction's commands wrapped in MULTI/EXEC) is appended whole, never interleaved.
//
// Thread: implementations are thread-safe; active() is one relaxed load on the request path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace redoubt::commands {

class CommandLog {
 public:
  virtual ~CommandLog() = default;
  // Whether anything consumes the log; when false, commands skip encoding their effects.
  virtual bool active() const = 0;
  // Appends RESP-encoded commands that run in database `db`; the bytes may SELECT other
  // databases after it, and `end_db` is the one they leave selected.
  virtual void Append(int db, int end_db, std::string_view commands) = 0;
};

// Appends one command as a RESP array of bulk strings.
void AppendRespCommand(std::string* out, std::span<const std::string_view> args);
void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> args);
// The two parts of a RESP command, for a writer that streams a long one: "*<n>\r\n", and one
// argument as a bulk string.
void AppendRespArrayHeader(std::string* out, size_t arguments);
void AppendRespBulk(std::string* out, std::string_view arg);
// Appends SELECT db: what a log writes before commands of another database than the last.
void AppendSelect(std::string* out, int db);

// The commands of one call, collected while it runs and appended to the log as one batch
// (EXEC's queued commands join EXEC's batch). More than one command is wrapped in MULTI/EXEC
// so that a replica or a reload applies them as one unit, as Redis 7.0's propagation does.
//
// Thread: one per dispatcher (one thread).
class PropagationBatch {
 public:
  void Add(int db, std::span<const std::string_view> args);
  bool empty() const { return commands_ == 0; }
  void Clear();
  // Appends the batch to log (nothing when it is empty) and clears it. Requires: the shards of
  // every key the batch changed are still locked.
  void Flush(CommandLog& log);

 private:
  std::string bytes_;
  int first_db_ = -1;
  int current_db_ = -1;
  size_t commands_ = 0;
};

}  // namespace redoubt::commands
