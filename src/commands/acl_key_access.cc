// The per-command key access table (from Redis 7.0's key specs of the same commands).
#include "commands/acl_key_access.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <string>

#include "commands/command_spec.h"
#include "security/acl_selector.h"

namespace redoubt::commands {
namespace {

constexpr uint8_t kNone = 0;
constexpr uint8_t kR = security::kAclKeyRead;
constexpr uint8_t kW = security::kAclKeyWrite;
constexpr uint8_t kRW = security::kAclKeyAll;

struct Override {
  std::string_view name;
  uint8_t first;
  uint8_t rest;
};

// Commands whose keys differ from the default (read-only → read, write → write).
constexpr Override kOverrides[] = {
    // Read-only commands that only look at the name or metadata.
    {"exists", kNone, kNone},
    {"touch", kNone, kNone},
    {"type", kNone, kNone},
    {"strlen", kNone, kNone},
    {"llen", kNone, kNone},
    {"hlen", kNone, kNone},
    {"hexists", kNone, kNone},
    {"hstrlen", kNone, kNone},
    {"sismember", kNone, kNone},
    {"scard", kNone, kNone},
    {"zcard", kNone, kNone},
    {"xlen", kNone, kNone},
    {"watch", kNone, kNone},
    {"object|encoding", kNone, kNone},
    {"object|freq", kNone, kNone},
    {"object|idletime", kNone, kNone},
    {"object|refcount", kNone, kNone},
    {"memory|usage", kNone, kNone},
    // Writes that also return (or use) the old value.
    {"setbit", kRW, kRW},
    {"bitfield", kRW, kRW},
    {"getset", kRW, kRW},
    {"getdel", kRW, kRW},
    {"getex", kRW, kRW},
    {"incr", kRW, kRW},
    {"decr", kRW, kRW},
    {"incrby", kRW, kRW},
    {"decrby", kRW, kRW},
    {"incrbyfloat", kRW, kRW},
    {"lpop", kRW, kRW},
    {"rpop", kRW, kRW},
    {"hincrby", kRW, kRW},
    {"hincrbyfloat", kRW, kRW},
    {"spop", kRW, kRW},
    {"zincrby", kRW, kRW},
    {"zpopmin", kRW, kRW},
    {"zpopmax", kRW, kRW},
    {"zmpop", kRW, kRW},
    {"lmpop", kRW, kRW},
    {"blmpop", kRW, kRW},
    {"blpop", kRW, kRW},
    {"brpop", kRW, kRW},
    {"blmove", kRW, kW},
    {"brpoplpush", kRW, kW},
    {"bzpopmin", kRW, kRW},
    {"bzpopmax", kRW, kRW},
    {"bzmpop", kRW, kRW},
    {"lmove", kRW, kW},
    {"rpoplpush", kRW, kW},
    {"move", kRW, kRW},
    // Source read (and deleted), destination written.
    {"rename", kRW, kW},
    {"renamenx", kRW, kW},
    {"copy", kR, kW},
    {"sort", kR, kW},
    {"smove", kRW, kW},
    // BITOP op destkey key… and the set STOREs: the destination is written, the sources read.
    {"bitop", kW, kR},
    {"sinterstore", kW, kR},
    {"sunionstore", kW, kR},
    {"sdiffstore", kW, kR},
    {"zrangestore", kW, kR},
    {"zunionstore", kW, kR},
    {"zinterstore", kW, kR},
    {"zdiffstore", kW, kR},
    {"geosearchstore", kW, kR},
    // GEORADIUS and GEORADIUSBYMEMBER are write commands for their STORE option: the sorted
    // set is only read, the destination written.
    {"georadius", kR, kW},
    {"georadiusbymember", kR, kW},
    // PFMERGE reads its destination too (it is one of the HLLs merged); PFDEBUG's key spec
    // asks only for read access although it may rewrite the value, as in Redis.
    {"pfmerge", kRW, kR},
    // MIGRATE reads each key (its DUMP) and deletes it once moved.
    {"migrate", kRW, kRW},
    {"pfdebug", kR, kR},
};

// Redis's rule from key-spec flags: ACCESS needs read; INSERT, DELETE or UPDATE need write.
uint8_t FromKeySpecFlags(uint32_t flags) {
  uint8_t access = (flags & kKeyAccess) ? kR : kNone;
  return access | ((flags & (kKeyInsert | kKeyDelete | kKeyUpdate)) ? kW : kNone);
}

}  // namespace

AclKeyAccess::AclKeyAccess(const CommandTable& table) : by_stats_index_(table.stats_slots()) {
  absl::flat_hash_map<std::string, Entry> overrides;
  for (const Override& o : kOverrides) {
    overrides[std::string(o.name)] = {o.first, o.rest};
  }
  for (const CommandSpec* spec : table.by_stats_index()) {
    uint8_t flags = (spec->flags & kWrite) ? kW : kR;
    Entry e{flags, flags};
    if (auto it = overrides.find(std::string(spec->name)); it != overrides.end()) {
      e = it->second;
    }
    // Decided once here, so the per-key lookup compares no command name: the commands whose
    // key flags depend on their options (SET … GET, BITFIELD with only GETs) have a getkeys
    // procedure that says.
    e.depends_on_options = spec->getkeys != nullptr;
    // Redis's ACL check skips not_key specs (the shard channels of SPUBLISH and SSUBSCRIBE,
    // routed as keys in cluster mode but checked as channels).
    e.not_keys =
        !spec->key_specs.empty() &&
        std::all_of(spec->key_specs.begin(), spec->key_specs.end(),
                    [](const KeySpecification& ks) { return (ks.flags & kKeyNotKey) != 0; });
    by_stats_index_[spec->stats_index] = e;
  }
}

uint8_t AclKeyAccess::Flags(const CommandSpec& spec, size_t key_index,
                            std::span<const std::string_view> args) const {
  const Entry& e = by_stats_index_[spec.stats_index];
  if (e.depends_on_options) {
    // Reused per thread: no allocation per checked command.
    thread_local std::vector<KeyReference> keys;
    keys.clear();
    spec.getkeys(args, &keys);
    if (key_index < keys.size()) {
      return FromKeySpecFlags(keys[key_index].flags);
    }
  }
  return key_index == 0 ? e.first : e.rest;
}

security::AclVerdict AclKeyAccess::Check(const security::AclUser& user,
                                         const security::AclCommand* command,
                                         const CommandSpec& spec,
                                         std::span<const std::string_view> args, Scratch* scratch,
                                         size_t* denied_key) const {
  scratch->keys.clear();
  scratch->uses.clear();
  if ((spec.keys.first > 0 || spec.key_finder != nullptr) &&
      !by_stats_index_[spec.stats_index].not_keys) {
    ExtractKeys(spec, args, &scratch->keys);
    for (size_t i = 0; i < scratch->keys.size(); ++i) {
      scratch->uses.push_back({scratch->keys[i], Flags(spec, i, args)});
    }
  }
  scratch->channels.clear();
  if (spec.channels != ChannelArgs::kNone) {
    size_t end =
        spec.channels == ChannelArgs::kFirst ? std::min<size_t>(2, args.size()) : args.size();
    for (size_t i = 1; i < end; ++i) {
      scratch->channels.push_back({args[i], spec.channels == ChannelArgs::kAllPatterns});
    }
  }
  security::AclRequest request{command, args, scratch->uses, scratch->channels};
  return user.Check(request, denied_key);
}

std::shared_ptr<security::AclCommandCatalog> BuildAclCatalog(const CommandTable& table) {
  auto catalog = std::make_shared<security::AclCommandCatalog>();
  for (const auto& spec : table.all()) {
    catalog->Add(spec->name, spec->stats_index, spec->acl);
    for (const CommandSpec& sub : spec->subcommands) {
      catalog->Add(sub.name, sub.stats_index, sub.acl, spec->name);
    }
  }
  catalog->AddReferenceCommands();
  return catalog;
}

}  // namespace redoubt::commands
