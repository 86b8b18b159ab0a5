// An AOF base in command form; see aof_base_encoder.h.
#include "persistence/aof_base_encoder.h"

#include <algorithm>
#include <string>
#include <vector>

#include "commands/command_log.h"
#include "commands/hash_operations.h"
#include "commands/set_operations.h"
#include "commands/zset_operations.h"
#include "persistence/rdb_encoder.h"
#include "storage/list_value.h"
#include "storage/stream_value.h"

namespace redoubt::persistence {
namespace {

// Redis's AOF_REWRITE_ITEMS_PER_CMD.
constexpr size_t kItemsPerCommand = 64;

// `items` items of `per_item` arguments each, written straight into out as commands of at
// most kItemsPerCommand items ("command key item…"), as Redis's rewrite does: the count of
// each command is known before its items are, so nothing is copied or collected first.
class BatchedCommands {
 public:
  BatchedCommands(std::string* out, std::string_view command, std::string_view key, size_t items,
                  size_t per_item)
      : out_(out), command_(command), key_(key), items_left_(items), per_item_(per_item) {}

  // Called before each item's arguments: starts a new command when the last one is full.
  void NextItem() {
    if (left_in_command_ == 0) {
      left_in_command_ = std::min(kItemsPerCommand, items_left_);
      commands::AppendRespArrayHeader(out_, 2 + left_in_command_ * per_item_);
      commands::AppendRespBulk(out_, command_);
      commands::AppendRespBulk(out_, key_);
    }
    --left_in_command_;
    --items_left_;
  }
  void Arg(std::string_view arg) { commands::AppendRespBulk(out_, arg); }

 private:
  std::string* out_;
  std::string_view command_;
  std::string_view key_;
  size_t items_left_;
  size_t per_item_;
  size_t left_in_command_ = 0;
};

void AppendExpire(std::string* out, std::string_view key, int64_t expire_ms) {
  if (expire_ms == storage::kNoExpire) {
    return;
  }
  const std::string at = std::to_string(expire_ms);
  commands::AppendRespCommand(out, {"PEXPIREAT", key, at});
}

// A stream as Redis's rewriteStreamObject writes it: an XADD per entry (an empty stream as
// XADD MAXLEN 0 of a placeholder), then XSETID with its last id and counters, then its
// consumer groups.
void AppendStreamCommands(std::string* out, std::string_view key,
                          const storage::StreamValue& stream) {
  std::vector<std::string_view> args;
  if (stream.length() > 0) {
    stream.Range(storage::StreamId::Min(), storage::StreamId::Max(), /*reverse=*/false,
                 [&](const storage::StreamEntry& entry) {
                   const std::string id = entry.id.ToString();
                   args.assign({"XADD", key, id});
                   entry.ForEachPair([&](std::string_view field, std::string_view value) {
                     args.push_back(field);
                     args.push_back(value);
                   });
                   commands::AppendRespCommand(out, args);
                   return true;
                 });
  } else {
    commands::AppendRespCommand(out, {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  const std::string last = stream.last_id().ToString();
  const std::string added = std::to_string(stream.entries_added());
  const std::string max_deleted = stream.max_deleted_id().ToString();
  commands::AppendRespCommand(
      out, {"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", max_deleted});
  // Each group, then its consumers: XCLAIM ... FORCE per pending entry, or XGROUP
  // CREATECONSUMER for one with none.
  stream.ForEachGroup([&](std::string_view group_name, const storage::StreamGroup& group) {
    const std::string group_last = group.last_id.ToString();
    const std::string read = std::to_string(group.entries_read);
    commands::AppendRespCommand(
        out, {"XGROUP", "CREATE", key, group_name, group_last, "ENTRIESREAD", read});
    group.ForEachConsumer([&](const storage::StreamConsumer& consumer) {
      if (consumer.pending.empty()) {
        commands::AppendRespCommand(out,
                                    {"XGROUP", "CREATECONSUMER", key, group_name, consumer.name});
        return;
      }
      for (storage::StreamId id : consumer.pending) {
        const storage::StreamPending& p = group.pel.find(id)->second;
        const std::string id_text = id.ToString();
        const std::string time = std::to_string(p.delivery_time_ms);
        const std::string count = std::to_string(p.delivery_count);
        commands::AppendRespCommand(out, {"XCLAIM", key, group_name, consumer.name, "0", id_text,
                                          "TIME", time, "RETRYCOUNT", count, "JUSTID", "FORCE"});
      }
    });
  });
}

}  // namespace

void AppendStringCommands(std::string* out, std::string_view key, std::string_view value,
                          int64_t expire_ms) {
  commands::AppendRespCommand(out, {"SET", key, value});
  AppendExpire(out, key, expire_ms);
}

void AppendEntryCommands(std::string* out, const storage::Entry& e) {
  const std::string_view key = e.key();
  switch (e.type()) {
    case storage::ValueType::kString:
      return AppendStringCommands(out, key, e.value(), e.expire_ms());
    case storage::ValueType::kList: {
      BatchedCommands b(out, "RPUSH", key, e.list().size(), 1);
      for (auto c = e.list().CursorAt(0); !c.done(); c.Next()) {
        b.NextItem();
        b.Arg(*c);
      }
      break;
    }
    case storage::ValueType::kSet: {
      commands::SetReader set(e);
      BatchedCommands b(out, "SADD", key, set.size(), 1);
      set.ForEach([&](std::string_view m) {
        b.NextItem();
        b.Arg(m);
      });
      break;
    }
    case storage::ValueType::kHash: {
      commands::HashReader hash(e);
      BatchedCommands b(out, "HMSET", key, hash.size(), 2);
      hash.ForEach([&](std::string_view f, std::string_view v) {
        b.NextItem();
        b.Arg(f);
        b.Arg(v);
      });
      break;
    }
    case storage::ValueType::kZset: {
      commands::ZsetReader zset(e);
      BatchedCommands b(out, "ZADD", key, zset.size(), 2);
      zset.ForEach([&](const commands::ZsetElement& el) {
        b.NextItem();
        b.Arg(ScoreString(el.score));
        b.Arg(el.member);
      });
      break;
    }
    case storage::ValueType::kStream:
      AppendStreamCommands(out, key, e.stream());
      break;
  }
  AppendExpire(out, key, e.expire_ms());
}

}  // namespace redoubt::persistence
