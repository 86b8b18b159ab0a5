// Persistence: RDB snapshots (save, dbfilename, rdbcompression, rdbchecksum, and ours,
// rdb-encryption-key-file and rdb-encryption-old-key-files: acted on by
// server/snapshot_service.h), the append-only file (appendonly, appendfilename, appenddirname,
// appendfsync, aof-load-truncated, aof-use-rdb-preamble, aof-timestamp-enabled,
// auto-aof-rewrite-*: acted on by server/aof_service.h) and loading. aof-disable-auto-gc and
// the incremental-fsync rows are accepted and shown as in Redis, without an effect yet.
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

// A file or directory name that must not be a path: "<name> can't be a path, just a <kind>".
absl::Status CheckBaseName(const std::string& v, std::string_view name, std::string_view kind) {
  if (v.find('/') != std::string::npos || v.find('\\') != std::string::npos) {
    return Invalid(std::string(name) + " can't be a path, just a " + std::string(kind));
  }
  return absl::OkStatus();
}

// appendfilename and appenddirname: a name, not a path, and not empty.
DirectiveSpec AofNameDirective(std::string_view name, std::string_view def, std::string_view kind,
                               std::string Config::*field) {
  return StringDirective({.name = name, .flags = kImmutable},
                         {.def = def,
                          .check =
                              [name, kind](const std::string& v) {
                                if (v.empty()) {
                                  return Invalid(std::string(name) + " can't be empty");
                                }
                                return CheckBaseName(v, name, kind);
                              }},
                         Field<std::string>(field));
}

// save <seconds> <changes> [...]: setConfigSaveOption. A file's lines add up; "" clears.
DirectiveSpec SaveDirective() {
  DirectiveSpec d = NewDirective({.name = "save", .flags = kMultiArg});
  d.set = [](Config& c, DirectiveArgs args, SetSource source) {
    bool clear = args.empty() || (args.size() == 1 && args[0].empty());
    DirectiveArgs points = clear ? DirectiveArgs() : args;
    if (points.size() % 2 != 0) {
      return Invalid("Invalid save parameters");
    }
    std::string text;
    for (size_t j = 0; j < points.size(); j += 2) {
      std::optional<long long> seconds = StrToLL(points[j]);
      std::optional<long long> changes = StrToLL(points[j + 1]);
      if (!seconds || *seconds < 1 || !changes || *changes < 0) {
        return Invalid("Invalid save parameters");
      }
      // Redis keeps the changes in an int.
      text += (text.empty() ? "" : " ") + std::to_string(*seconds) + " " +
              std::to_string(static_cast<int>(*changes));
    }
    if (source == SetSource::kFile && !clear && !c.save.empty()) {
      c.save += " " + text;
    } else {
      c.save = text;
    }
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return c.save; };
  // One line per save point. Redis also always writes `save ""` for none; here "" is the
  // default and only replaces a line the file already has.
  d.rewrite = [](const Config& c) {
    if (c.save.empty()) {
      return std::vector<RewriteLine>{{"\"\"", false}};
    }
    std::vector<RewriteLine> lines;
    size_t start = 0;
    while (start < c.save.size()) {
      size_t first = c.save.find(' ', start);
      size_t second = c.save.find(' ', first + 1);
      lines.push_back({c.save.substr(start, second - start), true});
      start = second == std::string::npos ? c.save.size() : second + 1;
    }
    return lines;
  };
  return d;
}

}  // namespace

void RegisterPersistenceDirectives(DirectiveRegistry& registry) {
  registry.Add(SaveDirective());
  registry.Add(BoolDirective({.name = "appendonly", .flags = kDenyLoading}, false,
                             Field<bool>(&Config::appendonly)));
  registry.Add(StringDirective(
      {.name = "dbfilename", .flags = kProtected},
      {.def = "dump.rdb",
       .check = [](const std::string& v) { return CheckBaseName(v, "dbfilename", "filename"); }},
      Field<std::string>(&Config::dbfilename)));
  const BoolRow bools[] = {
      {"rdb-del-sync-files", "", 0, false},        {"aof-rewrite-incremental-fsync", "", 0, true},
      {"no-appendfsync-on-rewrite", "", 0, false}, {"rdb-save-incremental-fsync", "", 0, true},
      {"aof-disable-auto-gc", "", 0, false},
  };
  AddBoolRows(registry, bools);
  registry.Add(BoolDirective({.name = "rdbchecksum", .flags = kImmutable}, true,
                             Field<bool>(&Config::rdbchecksum)));
  registry.Add(
      BoolDirective({.name = "rdbcompression"}, true, Field<bool>(&Config::rdbcompression)));
  // Redis's test knob: microseconds spent per key written by a snapshot (after each walk step,
  // outside the shard lock), so that a test can keep a BGSAVE running while it writes.
  registry.Add(NumericDirective({.name = "rdb-key-save-delay", .flags = kHidden},
                                Signed(kIntMin, kIntMax, 0),
                                Field<int64_t>(&Config::rdb_key_save_delay)));
  // Ours: snapshots encrypted at rest. Setting either again re-reads its files (kVolatile), so
  // a key rotated by writing over the same path takes effect too.
  registry.Add(StringDirective({.name = "rdb-encryption-key-file", .flags = kVolatile},
                               {.empty_is_null = true},
                               Field<std::string>(&Config::rdb_encryption_key_file)));
  registry.Add(StringDirective(
      {.name = "rdb-encryption-old-key-files", .flags = kVolatile | kJoinWords},
      {.empty_is_null = true}, Field<std::string>(&Config::rdb_encryption_old_key_files)));
  registry.Add(BoolDirective({.name = "stop-writes-on-bgsave-error"}, true,
                             Field<bool>(&Config::stop_writes_on_bgsave_error)));
  registry.Add(BoolDirective({.name = "aof-load-truncated"}, true,
                             Field<bool>(&Config::aof_load_truncated)));
  registry.Add(BoolDirective({.name = "aof-timestamp-enabled"}, false,
                             Field<bool>(&Config::aof_timestamp_enabled)));
  registry.Add(BoolDirective({.name = "aof-use-rdb-preamble"}, true,
                             Field<bool>(&Config::aof_use_rdb_preamble)));
  registry.Add(
      AofNameDirective("appendfilename", "appendonly.aof", "filename", &Config::appendfilename));
  registry.Add(
      AofNameDirective("appenddirname", "appendonlydir", "dirname", &Config::appenddirname));
  registry.Add(EnumDirective({.name = "appendfsync"},
                             {.values = {{"everysec", 2}, {"always", 1}, {"no", 0}}, .def = 2},
                             Field<int>(&Config::appendfsync)));
  registry.Add(NumericDirective({.name = "auto-aof-rewrite-percentage"}, Signed(0, kIntMax, 100),
                                Field<int64_t>(&Config::auto_aof_rewrite_percentage)));
  registry.Add(NumericDirective({.name = "auto-aof-rewrite-min-size"},
                                Memory(Signed(0, kLLongMax, 64 * kMb)),
                                Field<int64_t>(&Config::auto_aof_rewrite_min_size)));
  const NumericRow numbers[] = {
      {"key-load-delay", "", kHidden, Signed(kIntMin, kIntMax, 0)},
      {"loading-process-events-interval-bytes", "", kHidden, Signed(1024, kIntMax, 2 * kMb)},
  };
  AddNumericRows(registry, numbers);
}

}  // namespace redoubt::server
