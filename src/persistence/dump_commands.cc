// DUMP and RESTORE; see dump_commands.h. Redis 7.0's cluster.c has the originals.
#include "persistence/dump_commands.h"

#include <memory>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "persistence/crc64.h"
#include "persistence/rdb_decoder.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_format.h"
#include "storage/access_tracking.h"

namespace redoubt::persistence {

using commands::CommandContext;

namespace {

// RESTORE decodes into a keyspace of its own, one per thread, so that a payload that turns out
// bad leaves the real key as it was; the value is then moved over in O(1).
storage::Keyspace& Scratch() {
  thread_local std::unique_ptr<storage::Keyspace> scratch = std::make_unique<storage::Keyspace>(1);
  return *scratch;
}

void CmdDump(CommandContext& ctx) {
  storage::Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1]);
  if (e == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(DumpPayload(*e, ctx.settings.rdbcompression.load(std::memory_order_relaxed)));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void CmdRestore(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  int64_t idle = -1;
  int64_t freq = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - j - 1;
    std::string_view a = ctx.args[j];
    if (common::EqualsIgnoreCase(a, "replace")) {
      replace = true;
    } else if (common::EqualsIgnoreCase(a, "absttl")) {
      absttl = true;
    } else if (common::EqualsIgnoreCase(a, "idletime") && more >= 1 && freq == -1) {
      if (!commands::ParseInt64OrReply(ctx, ctx.args[++j], &idle)) {
        return;
      }
      if (idle < 0) {
        return ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
      }
    } else if (common::EqualsIgnoreCase(a, "freq") && more >= 1 && idle == -1) {
      if (!commands::ParseInt64OrReply(ctx, ctx.args[++j], &freq)) {
        return;
      }
      if (freq < 0 || freq > 255) {
        return ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  }
  const std::string_view key = ctx.args[1];
  if (!replace && ctx.keyspace.Find(ctx.db(), key, storage::Access::kWrite) != nullptr) {
    return ctx.reply.Error("BUSYKEY Target key name already exists.");
  }
  int64_t ttl;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &ttl)) {
    return;
  }
  if (ttl < 0) {
    return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
  }
  std::string_view payload = ctx.args[3];
  if (!DumpPayloadValid(payload)) {
    return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
  }
  storage::Keyspace& scratch = Scratch();
  RdbInput in(payload.substr(0, payload.size() - 10));
  RdbDecoder dec(in);
  uint8_t type;
  if (!dec.Byte(&type) || type > kRdbStreamListpacks2 ||
      !dec.LoadObject(type, scratch, 0, key, ctx.settings)) {
    scratch.FlushAll();
    return ctx.reply.Error("ERR Bad data format");
  }
  storage::Entry* value = scratch.Extract(0, key);
  bool deleted = replace && ctx.keyspace.Delete(ctx.db(), key);
  if (ttl > 0 && !absttl) {
    ttl += common::UnixMillis();
  }
  if (ttl > 0 && ctx.keyspace.ExpiredNow(ttl)) {
    // Already expired: as Redis, nothing is stored (and a replaced key is gone).
    storage::Entry::Destroy(value);
    if (deleted) {
      commands::NotifyKeyspaceEvent(ctx, commands::kNotifyGeneric, "del", key);
      ctx.PropagateAs({"DEL", key});
      ++ctx.dirty;
    }
    return ctx.reply.Ok();
  }
  if (ttl > 0 && !absttl && ctx.propagating) {
    // The TTL made absolute, as Redis 7.0 propagates RESTORE: a replay must not restart it.
    ctx.propagate_as.assign(ctx.args.begin(), ctx.args.end());
    ctx.propagate_as[2] = std::to_string(ttl);
    ctx.propagate_as.emplace_back("ABSTTL");
  }
  storage::Entry* e = ctx.keyspace.Insert(ctx.db(), key, value);
  if (ttl > 0) {
    ctx.keyspace.SetExpire(ctx.db(), key, ttl);
    e = ctx.keyspace.Find(ctx.db(), key, storage::Access::kNoTouch);
  }
  uint32_t now = ctx.keyspace.clock_seconds();
  if (ctx.keyspace.lfu() && freq >= 0) {
    e->set_access((storage::InitialAccess(true, now) & ~0xFFu) | static_cast<uint32_t>(freq));
  } else if (!ctx.keyspace.lfu() && idle >= 0) {
    e->set_access((now - static_cast<uint32_t>(idle)) & storage::kLruClockMax);
  }
  commands::NotifyKeyspaceEvent(ctx, commands::kNotifyGeneric, "restore", key);
  ++ctx.dirty;
  ctx.reply.Ok();
}

}  // namespace

std::string DumpPayload(const storage::Entry& e, bool compress) {
  std::string out;
  RdbEncoder enc(&out, compress);
  enc.ObjectType(e);
  enc.Object(e);
  AppendDumpFooter(&out);
  return out;
}

void AppendDumpFooter(std::string* payload) {
  RdbEncoder enc(payload, /*compress=*/false);
  enc.Byte(kRdbVersion & 0xFF);
  enc.Byte((kRdbVersion >> 8) & 0xFF);
  enc.Int64Le(static_cast<int64_t>(Crc64(0, payload->data(), payload->size())));
}

// Redis's verifyDumpPayload: an RDB version we can read, and the CRC64 of all but the last
// eight bytes equal to them (little endian).
bool DumpPayloadValid(std::string_view p) {
  if (p.size() < kDumpFooterBytes) {
    return false;
  }
  const auto* footer = reinterpret_cast<const uint8_t*>(p.data() + p.size() - kDumpFooterBytes);
  int version = footer[0] | (footer[1] << 8);
  if (version > kRdbVersion) {
    return false;
  }
  uint64_t stored = 0;
  for (int i = 9; i >= 2; --i) {
    stored = (stored << 8) | footer[i];
  }
  return Crc64(0, p.data(), p.size() - 8) == stored;
}

void RegisterDumpCommands(commands::CommandTable& table) {
  using namespace commands;  // NOLINT(google-build-using-namespace): flag and category names
  table.Add({.name = "dump",
             .arity = 2,
             .flags = kReadOnly,
             .keys = {1, 1, 1},
             .acl = kAclKeyspace | kAclRead | kAclSlow,
             .handler = CmdDump,
             .summary = "Return a serialized version of the value stored at the specified key.",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "restore",
             .arity = -4,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdRestore,
             .summary = "Create a key using the provided serialized value, previously obtained "
                        "using DUMP.",
             .since = "2.6.0",
             .group = "generic"});
  // MIGRATE's own RESTORE: the same command, flagged `asking` so that a node importing the
  // key's slot accepts it without a preceding ASKING (cluster/slot_router.h).
  table.Add({.name = "restore-asking",
             .arity = -4,
             .flags = kWrite | kDenyOom | kAsking,
             .keys = {1, 1, 1},
             .acl = kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdRestore,
             .summary = "An internal command for migrating keys in a cluster",
             .since = "3.0.0",
             .group = "server"});
}

}  // namespace redoubt::persistence
