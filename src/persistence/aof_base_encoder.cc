// An AOF base in command form; see aof_base_encoder.h.
#include "persistence/aof_base_encoder.h"

#include <deque>
#include <vector>

#include "commands/command_log.h"
#include "commands/hash_operations.h"
#include "commands/set_operations.h"
#include "commands/zset_operations.h"
#include "persistence/rdb_encoder.h"
#include "storage/list_value.h"

namespace redoubt::persistence {
namespace {

// Redis's AOF_REWRITE_ITEMS_PER_CMD.
constexpr size_t kItemsPerCommand = 64;

// Collects one command's arguments (views into the entry or into `owned`) and writes it as
// RESP when it holds kItemsPerCommand items, and once more at the end.
class Batcher {
 public:
  Batcher(std::string* out, std::string_view command, std::string_view key, size_t per_item)
      : out_(out), command_(command), key_(key), per_item_(per_item) {}
  ~Batcher() { Flush(); }

  void Add(std::string_view a) { args_.push_back(a); }
  void Add(std::string_view a, std::string_view b) {
    args_.push_back(a);
    args_.push_back(b);
  }
  // After each item: flushes a full command.
  void EndItem() {
    if (args_.size() >= kItemsPerCommand * per_item_) {
      Flush();
    }
  }
  // Keeps a formatted value alive until the command is written.
  std::string_view Own(std::string value) {
    owned_.push_back(std::move(value));
    return owned_.back();
  }

 private:
  void Flush() {
    if (args_.empty()) {
      return;
    }
    std::vector<std::string_view> argv;
    argv.reserve(args_.size() + 2);
    argv.push_back(command_);
    argv.push_back(key_);
    argv.insert(argv.end(), args_.begin(), args_.end());
    commands::AppendRespCommand(out_, argv);
    args_.clear();
    owned_.clear();
  }

  std::string* out_;
  std::string_view command_;
  std::string_view key_;
  size_t per_item_;
  std::vector<std::string_view> args_;
  std::deque<std::string> owned_;  // stable addresses
};

void AppendExpire(std::string* out, std::string_view key, int64_t expire_ms) {
  if (expire_ms == storage::kNoExpire) {
    return;
  }
  const std::string at = std::to_string(expire_ms);
  commands::AppendRespCommand(out, {"PEXPIREAT", key, at});
}

}  // namespace

void AppendSelectCommand(std::string* out, int db) {
  const std::string n = std::to_string(db);
  commands::AppendRespCommand(out, {"SELECT", n});
}

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
      Batcher b(out, "RPUSH", key, 1);
      for (auto c = e.list().CursorAt(0); !c.done(); c.Next()) {
        b.Add(b.Own(std::string(*c)));
        b.EndItem();
      }
      break;
    }
    case storage::ValueType::kSet: {
      Batcher b(out, "SADD", key, 1);
      commands::SetReader(e).ForEach([&](std::string_view m) {
        b.Add(b.Own(std::string(m)));
        b.EndItem();
      });
      break;
    }
    case storage::ValueType::kHash: {
      Batcher b(out, "HMSET", key, 2);
      commands::HashReader(e).ForEach([&](std::string_view f, std::string_view v) {
        b.Add(b.Own(std::string(f)), b.Own(std::string(v)));
        b.EndItem();
      });
      break;
    }
    case storage::ValueType::kZset: {
      Batcher b(out, "ZADD", key, 2);
      commands::ZsetReader(e).ForEach([&](const commands::ZsetElement& el) {
        b.Add(b.Own(ScoreString(el.score)), b.Own(std::string(el.member)));
        b.EndItem();
      });
      break;
    }
  }
  AppendExpire(out, key, e.expire_ms());
}

}  // namespace redoubt::persistence
