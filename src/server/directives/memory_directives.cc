// Memory and client limits: how much the keyspace may hold and what happens at the limit
// (maxmemory, maxmemory-policy, maxmemory-samples), and how much one client may send or be
// owed (proto-max-bulk-len, client-query-buffer-limit, client-output-buffer-limit), and when a
// small aggregate leaves its packed encoding (hash-max-listpack-entries/-value,
// set-max-intset-entries, zset-max-listpack-entries/-value, hll-sparse-max-bytes); with
// Redis's rows of the same kind that Redoubt does not act on yet (the LFU counter's
// parameters, maxmemory-eviction-tenacity, maxmemory-clients). A CONFIG SET of them takes
// effect through the server's "command settings" and "client limits" appliers
// (server_config.cc).
#include <optional>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"
#include "storage/access_tracking.h"

namespace redoubt::server {
namespace {

// client-output-buffer-limit <class> <hard> <soft> <seconds> [...]:
// updateClientOutputBufferLimit; every group is checked before any is set.
DirectiveSpec ClientOutputBufferLimitDirective() {
  struct Class {
    const char* name;       // CONFIG GET's name
    const char* rewritten;  // CONFIG REWRITE's name
    OutputBufferLimit Config::*limit;
    OutputBufferLimit def;
  };
  static const Class kClasses[] = {
      {"normal", "normal", &Config::output_limit_normal, {}},
      {"slave", "replica", &Config::output_limit_replica, {256 << 20, 64 << 20, 60}},
      {"pubsub", "pubsub", &Config::output_limit_pubsub, {32 << 20, 8 << 20, 60}},
  };
  DirectiveSpec d = NewDirective({.name = "client-output-buffer-limit", .flags = kMultiArg});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() % 4 != 0) {
      return Invalid("Wrong number of arguments in buffer limit configuration.");
    }
    Config next = c;
    for (size_t j = 0; j < args.size(); j += 4) {
      std::string cls = commands::ToLower(args[j]);
      const Class* target = nullptr;
      for (const Class& k : kClasses) {
        if (cls == k.name || (cls == "replica" && std::string_view(k.name) == "slave")) {
          target = &k;
        }
      }
      if (target == nullptr) {  // "master" is a class, but not one with limits
        return Invalid("Invalid client class specified in buffer limit configuration.");
      }
      uint64_t hard;
      uint64_t soft;
      std::optional<long long> seconds = StrToLL(args[j + 3]);
      // Redis keeps the seconds in an int before checking the sign.
      if (!MemToULL(args[j + 1], &hard) || !MemToULL(args[j + 2], &soft) || !seconds ||
          static_cast<int>(*seconds) < 0) {
        return Invalid(
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      next.*(target->limit) = {hard, soft, static_cast<int>(*seconds)};
    }
    c = next;
    return absl::OkStatus();
  };
  d.get = [](const Config& c) {
    std::string out;
    for (const Class& k : kClasses) {
      const OutputBufferLimit& l = c.*(k.limit);
      out += (out.empty() ? "" : " ") + std::string(k.name) + " " + std::to_string(l.hard_bytes) +
             " " + std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
    }
    return out;
  };
  d.rewrite = [](const Config& c) {
    std::vector<RewriteLine> lines;
    for (const Class& k : kClasses) {
      const OutputBufferLimit& l = c.*(k.limit);
      lines.push_back({std::string(k.rewritten) + " " + FormatMemoryUnits(l.hard_bytes) + " " +
                           FormatMemoryUnits(l.soft_bytes) + " " + std::to_string(l.soft_seconds),
                       !(l == k.def)});
    }
    return lines;
  };
  return d;
}

}  // namespace

void RegisterMemoryDirectives(DirectiveRegistry& registry) {
  registry.Add(NumericDirective({.name = "maxmemory"}, Memory(Unsigned(0, kULLongMax, 0)),
                                Field<int64_t>(&Config::maxmemory)));
  registry.Add(EnumDirective(
      {.name = "maxmemory-policy"},
      {.values = {{"volatile-lru", static_cast<int>(storage::EvictionPolicy::kVolatileLru)},
                  {"volatile-lfu", static_cast<int>(storage::EvictionPolicy::kVolatileLfu)},
                  {"volatile-random", static_cast<int>(storage::EvictionPolicy::kVolatileRandom)},
                  {"volatile-ttl", static_cast<int>(storage::EvictionPolicy::kVolatileTtl)},
                  {"allkeys-lru", static_cast<int>(storage::EvictionPolicy::kAllKeysLru)},
                  {"allkeys-lfu", static_cast<int>(storage::EvictionPolicy::kAllKeysLfu)},
                  {"allkeys-random", static_cast<int>(storage::EvictionPolicy::kAllKeysRandom)},
                  {"noeviction", static_cast<int>(storage::EvictionPolicy::kNoEviction)}},
       .def = static_cast<int>(storage::EvictionPolicy::kNoEviction)},
      Field<int>(&Config::maxmemory_policy)));
  // Each sample takes a shard lock; the limit bounds the work of one eviction.
  registry.Add(NumericDirective(
      {.name = "maxmemory-samples"},
      AtMost(Signed(1, kIntMax, 5), 64, "Redoubt samples at most 64 keys per eviction"),
      Field<int64_t>(&Config::maxmemory_samples)));
  // A stored value keeps its length in 32 bits (storage/entry.h).
  registry.Add(NumericDirective({.name = "proto-max-bulk-len"},
                                AtMost(Memory(Signed(kMb, kLongMax, 512 * kMb)), UINT32_MAX,
                                       "Redoubt stores values of at most 4294967295 bytes "
                                       "(32-bit lengths)"),
                                Field<int64_t>(&Config::proto_max_bulk_len)));
  registry.Add(NumericDirective({.name = "client-query-buffer-limit"},
                                Memory(Unsigned(kMb, kLongMax, 1024 * kMb)),
                                Field<int64_t>(&Config::client_query_buffer_limit)));
  registry.Add(ClientOutputBufferLimitDirective());
  registry.Add(NumericDirective(
      {.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries"},
      Unsigned(0, kLongMax, 512), Field<int64_t>(&Config::hash_max_listpack_entries)));
  registry.Add(NumericDirective(
      {.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value"},
      Memory(Unsigned(0, kLongMax, 64)), Field<int64_t>(&Config::hash_max_listpack_value)));
  registry.Add(NumericDirective({.name = "set-max-intset-entries"}, Unsigned(0, kLongMax, 512),
                                Field<int64_t>(&Config::set_max_intset_entries)));
  registry.Add(NumericDirective(
      {.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries"},
      Unsigned(0, kLongMax, 128), Field<int64_t>(&Config::zset_max_listpack_entries)));
  registry.Add(NumericDirective(
      {.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value"},
      Memory(Unsigned(0, kLongMax, 64)), Field<int64_t>(&Config::zset_max_listpack_value)));
  registry.Add(NumericDirective({.name = "hll-sparse-max-bytes"},
                                Memory(Unsigned(0, kLongMax, 3000)),
                                Field<int64_t>(&Config::hll_sparse_max_bytes)));
  // Redis's, not acted on yet.
  NumericRule maxmemory_clients = Signed(-100, kLongMax, 0);
  maxmemory_clients.form = NumberForm::kMemoryOrPercent;
  const NumericRow numbers[] = {
      {"lfu-log-factor", "", 0, Signed(0, kIntMax, 10)},
      {"lfu-decay-time", "", 0, Signed(0, kIntMax, 1)},
      {"maxmemory-eviction-tenacity", "", 0, Signed(0, 100, 10)},
      {"maxmemory-clients", "", 0, maxmemory_clients},
  };
  AddNumericRows(registry, numbers);
}

}  // namespace redoubt::server
