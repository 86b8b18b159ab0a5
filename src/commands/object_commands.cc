// OBJECT and its subcommands (ENCODING FREQ IDLETIME REFCOUNT HELP): what Redis 7.0's object.c
// reports about a key's representation and access state, with its reply types and error texts.
// The command and its subcommand rows are at the end of the file.
//
// Nothing here changes a key: lookups leave the key's LRU/LFU state as it was.
#include "commands/object_commands.h"

#include <climits>
#include <iterator>
#include <string_view>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "storage/access_tracking.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Encoding;
using storage::Entry;
using storage::EvictionPolicy;

inline constexpr std::string_view kErrLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kErrLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";

// As OBJECT ENCODING names them.
std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kRaw:
      return "raw";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kInt:
      return "int";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kSkiplist:
      return "skiplist";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kStream:
      return "stream";
  }
  return "unknown";
}

// The key named by OBJECT <sub> key, without touching its access state; a missing key is a
// null reply, before any policy check (Redis's objectCommandLookupOrReply).
const Entry* FindForObjectOrReply(CommandContext& ctx) {
  // Redis looks OBJECT's key up with LOOKUP_NONOTIFY: a miss counts, but is no "keymiss".
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[2], Access::kReadNoTouchSilent);
  if (e == nullptr) {
    ctx.reply.Null();
  }
  return e;
}

bool LfuPolicy(const CommandContext& ctx) {
  return storage::IsLfu(ctx.settings.maxmemory_policy.load(std::memory_order_relaxed));
}

void CmdObjectEncoding(CommandContext& ctx) {
  if (const Entry* e = FindForObjectOrReply(ctx)) {
    ctx.reply.Bulk(EncodingName(e->encoding()));
  }
}

// Redis shares one object per integer 0..9999 (OBJ_SHARED_INTEGERS) and reports INT_MAX as its
// refcount; with maxmemory set and an LRU/LFU policy it stops sharing them, because a shared
// object cannot hold per-key access state (MAXMEMORY_FLAG_NO_SHARED_INTEGERS). We store no
// shared objects, so we report what Redis would under the current settings.
bool WouldBeSharedInteger(const CommandContext& ctx, const Entry& e) {
  if (e.encoding() != Encoding::kInt || e.value().empty() || e.value().size() > 4 ||
      e.value()[0] == '-') {
    return false;
  }
  EvictionPolicy policy = ctx.settings.maxmemory_policy.load(std::memory_order_relaxed);
  bool lru_or_lfu = policy == EvictionPolicy::kAllKeysLru ||
                    policy == EvictionPolicy::kVolatileLru || storage::IsLfu(policy);
  return ctx.settings.maxmemory.load(std::memory_order_relaxed) == 0 || !lru_or_lfu;
}

void CmdObjectRefCount(CommandContext& ctx) {
  if (const Entry* e = FindForObjectOrReply(ctx)) {
    ctx.reply.Integer(WouldBeSharedInteger(ctx, *e) ? INT_MAX : 1);
  }
}

void CmdObjectIdleTime(CommandContext& ctx) {
  const Entry* e = FindForObjectOrReply(ctx);
  if (e == nullptr) {
    return;
  }
  if (LfuPolicy(ctx)) {
    return ctx.reply.Error(kErrLfuSelected);
  }
  ctx.reply.Integer(storage::IdleSeconds(e->access(), ctx.keyspace.clock_seconds()));
}

void CmdObjectFreq(CommandContext& ctx) {
  const Entry* e = FindForObjectOrReply(ctx);
  if (e == nullptr) {
    return;
  }
  if (!LfuPolicy(ctx)) {
    return ctx.reply.Error(kErrLfuNotSelected);
  }
  ctx.reply.Integer(storage::LfuCounter(e->access(), ctx.keyspace.clock_seconds()));
}

// Redis 7.0's text, including its "Prints this help." (later versions say "Print").
void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) {
    ctx.reply.SimpleString(line);
  }
}

// The dispatcher routes OBJECT <sub> to the subcommand's row and rejects a bare OBJECT by
// arity, so this runs only if a caller bypasses that routing.
void CmdObject(CommandContext& ctx) {
  ctx.reply.Error(UnknownSubcommandText("object", ctx.args[1]));
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterObjectCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  constexpr uint64_t kObjectAcl = kKs | kAclRead | kAclSlow;
  table.Add({
      .name = "object",
      .arity = -2,
      .acl = kAclSlow,
      .handler = CmdObject,
      .summary = "A container for object introspection commands",
      .since = "2.2.3",
      .group = "generic",
      .subcommands =
          {
              {.name = "object|encoding",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectEncoding,
               .summary = "Inspect the internal encoding of a Redis object",
               .since = "2.2.3",
               .group = "generic"},
              {.name = "object|freq",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectFreq,
               .summary = "Get the logarithmic access frequency counter of a Redis object",
               .since = "4.0.0",
               .group = "generic"},
              {.name = "object|help",
               .arity = 2,
               .flags = kLoading | kStale,
               .acl = kKs | kAclSlow,
               .handler = CmdObjectHelp,
               .summary = "Show helpful text about the different subcommands",
               .since = "6.2.0",
               .group = "generic"},
              {.name = "object|idletime",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectIdleTime,
               .summary = "Get the time since a Redis object was last accessed",
               .since = "2.2.3",
               .group = "generic"},
              {.name = "object|refcount",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectRefCount,
               .summary = "Get the number of references to the value of the key",
               .since = "2.2.3",
               .group = "generic"},
          },
  });
}

}  // namespace redoubt::commands
