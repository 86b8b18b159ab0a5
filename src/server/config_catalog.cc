// The directive table: every directive of Redis 7.0.15 (its static_configs[], with the same
// names, aliases, flags, bounds, defaults, enum values and validation texts) and Redoubt's
// own. Rows bound to a Config field are the ones Redoubt acts on (unless marked
// kNoEffectYet); the others are accepted, validated and shown exactly as Redis does, and kept
// as text until a component implements them. CONFIG REWRITE appends in this order.
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "commands/command_table.h"
#include "common/numbers.h"
#include "common/repr.h"
#include "security/network_allow_list.h"
#include "server/config.h"
#include "server/config_directive.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

using Args = DirectiveArgs;

template <typename T, typename F>
Binding<T> TlsField(F tls::TlsSettings::*member) {
  return {[member](Config& c, const T& v) { c.tls.*member = static_cast<F>(v); },
          [member](const Config& c) { return static_cast<T>(c.tls.*member); }};
}

std::string Join(Args words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : " ") + words[i];
  }
  return out;
}

// ---- Hand-written rows (Redis's "special" configs) ----

// save <seconds> <changes> [...]: setConfigSaveOption. A file's lines add up; "" clears.
DirectiveSpec SaveDirective() {
  DirectiveSpec d = NewDirective({.name = "save", .flags = kMultiArg | kNoEffectYet});
  d.set = [](Config& c, Args args, SetSource source) {
    bool clear = args.empty() || (args.size() == 1 && args[0].empty());
    Args points = clear ? Args() : args;
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
  d.set = [](Config& c, Args args, SetSource) {
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

// oom-score-adj-values <master> <replica> <bgchild>: setConfigOOMScoreAdjValuesOption.
DirectiveSpec OomScoreAdjValuesDirective() {
  static constexpr std::string_view kName = "oom-score-adj-values";
  static constexpr std::string_view kDefault = "0 200 800";
  DirectiveSpec d = NewDirective({.name = kName, .flags = kMultiArg | kNoEffectYet});
  d.set = [](Config& c, Args args, SetSource) {
    if (args.size() != 3) {
      return WrongNumberOfArguments();
    }
    std::string text;
    for (const std::string& a : args) {
      std::optional<long long> v = StrToLL(a);
      if (!v || *v < -2000 || *v > 2000) {
        return Invalid("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
      }
      text += (text.empty() ? "" : " ") + std::to_string(*v);
    }
    StoreText(c, kName, text);
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return TextOr(c, kName, kDefault); };
  d.rewrite = [](const Config& c) {
    std::string v = TextOr(c, kName, kDefault);
    return std::vector<RewriteLine>{{v, v != kDefault}};
  };
  return d;
}

// notify-keyspace-events: notify.c's keyspaceEventsStringToFlags / FlagsToString.
DirectiveSpec NotifyKeyspaceEventsDirective() {
  static constexpr std::string_view kName = "notify-keyspace-events";
  enum : int {
    kKeyspace = 1 << 0,  // K
    kKeyevent = 1 << 1,  // E
    kGeneric = 1 << 2,   // g
    kString = 1 << 3,    // $
    kList = 1 << 4,      // l
    kSet = 1 << 5,       // s
    kHash = 1 << 6,      // h
    kZset = 1 << 7,      // z
    kExpired = 1 << 8,   // x
    kEvicted = 1 << 9,   // e
    kStream = 1 << 10,   // t
    kKeyMiss = 1 << 11,  // m (not part of A)
    kModule = 1 << 13,   // d
    kNew = 1 << 14,      // n (not part of A)
    kAll =
        kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
  };
  static constexpr std::pair<char, int> kClasses[] = {
      {'g', kGeneric}, {'$', kString},  {'l', kList},   {'s', kSet},    {'h', kHash}, {'z', kZset},
      {'x', kExpired}, {'e', kEvicted}, {'t', kStream}, {'d', kModule}, {'n', kNew},
  };
  DirectiveSpec d = NewDirective({.name = kName, .flags = kNoEffectYet});
  d.set = [](Config& c, Args args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    int flags = 0;
    for (char ch : args[0]) {
      int bit = ch == 'A'   ? kAll
                : ch == 'K' ? kKeyspace
                : ch == 'E' ? kKeyevent
                : ch == 'm' ? kKeyMiss
                            : 0;
      for (const auto& [letter, b] : kClasses) {
        bit = letter == ch ? b : bit;
      }
      if (bit == 0) {
        return Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
      flags |= bit;
    }
    std::string text;
    if ((flags & kAll) == kAll) {
      text += 'A';  // and 'n' is not shown, as in Redis's keyspaceEventsFlagsToString
    } else {
      for (const auto& [letter, b] : kClasses) {
        if ((flags & b) != 0) {
          text += letter;
        }
      }
    }
    text += (flags & kKeyspace) != 0 ? "K" : "";
    text += (flags & kKeyevent) != 0 ? "E" : "";
    text += (flags & kKeyMiss) != 0 ? "m" : "";
    StoreText(c, kName, text);
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return TextOr(c, kName, ""); };
  d.rewrite = [](const Config& c) {
    std::string v = TextOr(c, kName, "");
    return std::vector<RewriteLine>{{common::Repr(v), !v.empty()}};
  };
  return d;
}

// bind <addr> [...]: at most 16 addresses, "" for none. REWRITE drops the line at the default.
DirectiveSpec BindDirective() {
  DirectiveSpec d = NewDirective({.name = "bind", .flags = kMultiArg});
  d.set = [](Config& c, Args args, SetSource) {
    if (args.size() > 16) {
      return Invalid("Too many bind addresses specified.");
    }
    bool none = args.size() == 1 && args[0].empty();
    c.bind = none ? std::vector<std::string>() : std::vector<std::string>(args.begin(), args.end());
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return Join(c.bind); };
  d.rewrite = [](const Config& c) {
    if (c.bind == Config().bind) {
      return std::vector<RewriteLine>{};
    }
    std::string words;
    for (const std::string& a : c.bind) {
      words += (words.empty() ? "" : " ") + WordForRewrite(a);
    }
    return std::vector<RewriteLine>{{c.bind.empty() ? "\"\"" : words, true}};
  };
  return d;
}

// replicaof <host> <port> | no one (alias slaveof): start-up only in Redis 7.0, as here.
// Without replication the master is only remembered and shown.
DirectiveSpec ReplicaOfDirective() {
  static constexpr std::string_view kName = "replicaof";
  DirectiveSpec d = NewDirective(
      {.name = kName, .alias = "slaveof", .flags = kImmutable | kMultiArg | kNoEffectYet});
  d.set = [](Config& c, Args args, SetSource) {
    if (args.size() != 2) {
      return WrongNumberOfArguments();
    }
    if (commands::EqualsIgnoreCase(args[0], "no") && commands::EqualsIgnoreCase(args[1], "one")) {
      c.no_effect_values.erase(std::string(kName));
      return absl::OkStatus();
    }
    char* end = nullptr;
    long port = std::strtol(args[1].c_str(), &end, 10);
    if (port < 0 || port > 65535 || *end != '\0') {
      return Invalid("Invalid master port");
    }
    StoreText(c, kName, args[0] + " " + std::to_string(port));
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return TextOr(c, kName, ""); };
  d.rewrite = [](const Config& c) {
    const std::string* master = StoredText(c, kName);
    if (master == nullptr) {
      return std::vector<RewriteLine>{};
    }
    size_t space = master->rfind(' ');
    return std::vector<RewriteLine>{
        {WordForRewrite(master->substr(0, space)) + master->substr(space), true}};
  };
  return d;
}

// latency-tracking-info-percentiles <p> [...] or "": what INFO latencystats reports.
DirectiveSpec LatencyPercentilesDirective() {
  DirectiveSpec d = NewDirective({.name = "latency-tracking-info-percentiles", .flags = kMultiArg});
  d.set = [](Config& c, Args args, SetSource) {
    std::vector<double> values;
    bool none = args.size() == 1 && args[0].empty();
    for (size_t j = 0; j < args.size() && !none; ++j) {
      std::optional<double> v = common::ParseDouble(args[j]);
      if (!v) {
        return Invalid("Invalid latency-tracking-info-percentiles parameters");
      }
      if (*v > 100.0 || *v < 0.0) {
        return Invalid(
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
      }
      values.push_back(*v);
    }
    c.latency_tracking_info_percentiles = values;
    return absl::OkStatus();
  };
  // "%f" without trailing zeros, as Redis's trimDoubleString.
  auto text = [](const Config& c) {
    std::string out;
    for (double p : c.latency_tracking_info_percentiles) {
      char buf[128];
      snprintf(buf, sizeof(buf), "%f", p);
      std::string s = buf;
      if (s.find('.') != std::string::npos) {
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') {
          s.pop_back();
        }
      }
      out += (out.empty() ? "" : " ") + s;
    }
    return out;
  };
  d.get = text;
  d.rewrite = [text](const Config& c) {
    bool is_default =
        c.latency_tracking_info_percentiles == Config().latency_tracking_info_percentiles;
    std::string v = text(c);
    return std::vector<RewriteLine>{{v.empty() ? "\"\"" : v, !is_default}};
  };
  return d;
}

// dir: the working directory, as Redis's chdir. Validated here (the error is what chdir would
// say); the server moves there at start-up (main) and on CONFIG SET (Server::SetConfig).
DirectiveSpec DirDirective() {
  DirectiveSpec d = NewDirective({.name = "dir", .flags = kProtected | kDenyLoading});
  d.set = [](Config& c, Args args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    char* resolved = realpath(args[0].c_str(), nullptr);
    if (resolved == nullptr) {
      return Invalid(std::strerror(errno));
    }
    std::string path = resolved;
    free(resolved);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      return Invalid(std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      return Invalid(std::strerror(ENOTDIR));
    }
    if (access(path.c_str(), X_OK) != 0) {
      return Invalid(std::strerror(errno));
    }
    c.dir = path;
    return absl::OkStatus();
  };
  d.get = [](const Config& c) {
    if (!c.dir.empty()) {
      return c.dir;
    }
    char buf[4096];
    return std::string(getcwd(buf, sizeof(buf)) != nullptr ? buf : "");
  };
  // Redis writes the current directory always; here only a dir that was set (the start-up
  // directory is per machine).
  d.rewrite = [](const Config& c) {
    return c.dir.empty() ? std::vector<RewriteLine>{}
                         : std::vector<RewriteLine>{{common::Repr(c.dir), true}};
  };
  return d;
}

// network-allow <cidr> [...]: Redoubt's allow-list, kept in canonical form.
DirectiveSpec NetworkAllowDirective() {
  DirectiveSpec d =
      StringDirective({.name = "network-allow", .flags = kJoinWords}, {.empty_is_null = true},
                      Field<std::string>(&Config::network_allow));
  d.set = [](Config& c, Args args, SetSource) {
    absl::StatusOr<security::NetworkAllowList> list = security::NetworkAllowList::Parse(Join(args));
    if (!list.ok()) {
      return list.status();
    }
    c.network_allow = list->ToString();
    return absl::OkStatus();
  };
  return d;
}

// io-threads: Redoubt's meaning (0, the default, is one per core). CONFIG GET shows the
// threads running; REWRITE writes what was configured.
DirectiveSpec IoThreadsDirective() {
  DirectiveSpec d = NumericDirective(
      {.name = "io-threads", .flags = kImmutable}, Signed(0, 128, 0),
      {[](Config& c, const int64_t& v) {
         c.io_threads = static_cast<int>(v);
         c.io_threads_configured = static_cast<int>(v);
       },
       [](const Config& c) { return static_cast<int64_t>(c.io_threads_configured); }});
  d.get = [](const Config& c) { return std::to_string(c.io_threads); };
  return d;
}

Binding<int> LogLevelBinding() {
  static constexpr std::string_view kLevels[] = {"debug", "verbose", "notice", "warning",
                                                 "nothing"};
  return {[](Config& c, const int& v) { c.loglevel = std::string(kLevels[v]); },
          [](const Config& c) {
            auto it = std::find(std::begin(kLevels), std::end(kLevels), c.loglevel);
            return static_cast<int>(it - std::begin(kLevels));
          }};
}

EnumRule ProtectedActionRule() {
  return {.values = {{"no", static_cast<int>(ProtectedAction::kNo)},
                     {"yes", static_cast<int>(ProtectedAction::kYes)},
                     {"local", static_cast<int>(ProtectedAction::kLocal)}},
          .def = static_cast<int>(ProtectedAction::kNo)};
}

// tls-protocols: CONFIG GET shows the versions in force when none are set (TlsContext's).
Binding<std::string> TlsProtocolsBinding() {
  return {[](Config& c, const std::string& v) { c.tls.protocols = v; },
          [](const Config& c) {
            return c.tls.protocols.empty() ? std::string("TLSv1.2 TLSv1.3") : c.tls.protocols;
          }};
}

absl::Status CheckBaseName(const std::string& v, const char* what) {
  if (v.find('/') != std::string::npos || v.find('\\') != std::string::npos) {
    return Invalid(std::string(what));
  }
  return absl::OkStatus();
}

// sdstemplate as validateProcTitleTemplate uses it: {name} must be a known variable, {{ is a
// brace; the expansion, with an empty title, trimmed of spaces, must not be empty. Of the
// variables, title, server-mode (outside cluster mode) and unixsocket (unset) expand to "".
absl::Status CheckProcTitleTemplate(const std::string& v) {
  static constexpr std::string_view kVariables[] = {"listen-addr", "config-file", "port",
                                                    "tls-port"};
  static constexpr std::string_view kEmptyVariables[] = {"title", "server-mode", "unixsocket"};
  std::string expanded;
  size_t p = 0;
  bool ok = true;
  while (p < v.size()) {
    size_t open = v.find('{', p);
    if (open == std::string::npos) {
      expanded += v.substr(p);
      break;
    }
    expanded += v.substr(p, open - p);
    if (open + 1 >= v.size()) {
      ok = false;
      break;
    }
    if (v[open + 1] == '{') {
      expanded += '{';
      p = open + 2;
      continue;
    }
    size_t close = v.find('}', open + 1);
    std::string_view variable = close == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(v).substr(open + 1, close - open - 1);
    bool empty = std::find(std::begin(kEmptyVariables), std::end(kEmptyVariables), variable) !=
                 std::end(kEmptyVariables);
    if (!empty &&
        std::find(std::begin(kVariables), std::end(kVariables), variable) == std::end(kVariables)) {
      ok = false;
      break;
    }
    expanded += empty ? "" : "x";
    p = close + 1;
  }
  size_t first = expanded.find_first_not_of(' ');
  if (!ok || first == std::string::npos) {
    return Invalid("template format is invalid or contains unknown variables");
  }
  return absl::OkStatus();
}

absl::Status CheckHostname(const std::string& v) {
  if (v.size() >= 256) {
    return Invalid("Hostnames must be less than 256 characters");
  }
  for (char ch : v) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') {
      return Invalid("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
  }
  return absl::OkStatus();
}

// ---- The table ----

void AddImplementedDirectives(DirectiveRegistry& d) {
  d.Add(NumericDirective({.name = "port"}, Signed(0, 65535, 6379), Field<int64_t>(&Config::port)));
  d.Add(BindDirective());
  d.Add(IoThreadsDirective());
  // Every database has a table in each of the 64 shards, allocated at start.
  d.Add(NumericDirective(
      {.name = "databases", .flags = kImmutable},
      AtMost(Signed(1, kIntMax, 16), 1 << 20, "Redoubt supports at most 1048576 databases"),
      Field<int64_t>(&Config::databases)));
  // Redis lowers maxclients to the file limit; Redoubt keeps it in an int, capped far above
  // any file limit.
  d.Add(NumericDirective(
      {.name = "maxclients"},
      AtMost(Unsigned(1, kUIntMax, 10000), 1 << 24, "Redoubt supports at most 16777216 clients"),
      Field<int64_t>(&Config::maxclients)));
  d.Add(NumericDirective({.name = "timeout"}, Signed(0, kIntMax, 0),
                         Field<int64_t>(&Config::timeout)));
  d.Add(NumericDirective({.name = "tcp-keepalive"}, Signed(0, kIntMax, 300),
                         Field<int64_t>(&Config::tcp_keepalive)));
  d.Add(NumericDirective({.name = "tcp-backlog", .flags = kImmutable}, Signed(0, kIntMax, 511),
                         Field<int64_t>(&Config::tcp_backlog)));
  d.Add(NumericDirective({.name = "maxmemory"}, Memory(Unsigned(0, kULLongMax, 0)),
                         Field<int64_t>(&Config::maxmemory)));
  d.Add(EnumDirective(
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
  d.Add(NumericDirective(
      {.name = "maxmemory-samples"},
      AtMost(Signed(1, kIntMax, 5), 64, "Redoubt samples at most 64 keys per eviction"),
      Field<int64_t>(&Config::maxmemory_samples)));
  d.Add(StringDirective({.name = "logfile", .flags = kImmutable}, {.def = ""},
                        Field<std::string>(&Config::logfile)));
  // "nothing" is Redis 7.2's; 7.0's error text does not list it.
  d.Add(EnumDirective({.name = "loglevel"},
                      {.values = {{"debug", 0},
                                  {"verbose", 1},
                                  {"notice", 2},
                                  {"warning", 3},
                                  {"nothing", 4, /*unlisted=*/true}},
                       .def = 2},
                      LogLevelBinding()));
  // A stored value keeps its length in 32 bits (storage/entry.h).
  d.Add(NumericDirective({.name = "proto-max-bulk-len"},
                         AtMost(Memory(Signed(kMb, kLongMax, 512 * kMb)), UINT32_MAX,
                                "Redoubt stores values of at most 4294967295 bytes "
                                "(32-bit lengths)"),
                         Field<int64_t>(&Config::proto_max_bulk_len)));
  d.Add(NumericDirective({.name = "client-query-buffer-limit"},
                         Memory(Unsigned(kMb, kLongMax, 1024 * kMb)),
                         Field<int64_t>(&Config::client_query_buffer_limit)));
  d.Add(ClientOutputBufferLimitDirective());
  // As Redis's updateHZ: any value is accepted and kept within 1..500.
  NumericRule hz = Signed(0, kIntMax, 10);
  hz.normalize = [](int64_t v) { return std::clamp<int64_t>(v, 1, 500); };
  d.Add(NumericDirective({.name = "hz"}, hz, Field<int64_t>(&Config::hz)));
  d.Add(NumericDirective({.name = "slowlog-log-slower-than"}, Signed(-1, kLLongMax, 10000),
                         Field<int64_t>(&Config::slowlog_log_slower_than)));
  d.Add(NumericDirective({.name = "slowlog-max-len"}, Signed(0, kLongMax, 128),
                         ClampedIntField(&Config::slowlog_max_len)));
  d.Add(DirDirective());
  d.Add(BoolDirective({.name = "daemonize", .flags = kImmutable}, false,
                      Field<bool>(&Config::daemonize), [](bool yes) {
                        return yes ? Invalid(
                                         "daemonize yes is not supported; run "
                                         "redoubt-server under a supervisor")
                                   : absl::OkStatus();
                      }));
  d.Add(EnumDirective({.name = "enable-protected-configs", .flags = kImmutable},
                      ProtectedActionRule(), Field<int>(&Config::enable_protected_configs)));
  d.Add(EnumDirective({.name = "enable-debug-command", .flags = kImmutable}, ProtectedActionRule(),
                      Field<int>(&Config::enable_debug_command)));
  // ACL and credentials.
  d.Add(StringDirective({.name = "requirepass", .flags = kSensitive}, {.empty_is_null = true},
                        Field<std::string>(&Config::requirepass)));
  d.Add(StringDirective({.name = "aclfile", .flags = kImmutable}, {.def = ""},
                        Field<std::string>(&Config::aclfile)));
  d.Add(NumericDirective({.name = "acllog-max-len"}, Signed(0, kLongMax, 128),
                         ClampedIntField(&Config::acllog_max_len)));
  d.Add(EnumDirective({.name = "acl-pubsub-default"},
                      {.values = {{"allchannels", 1}, {"resetchannels", 0}}, .def = 0},
                      Field<int>(&Config::acl_pubsub_allchannels)));
  // Redoubt's: it makes the server write a file, hence protected.
  d.Add(StringDirective({.name = "audit-log-file", .flags = kProtected | kProtectedUnlessSame},
                        {.empty_is_null = true}, Field<std::string>(&Config::audit_log_file)));
  d.Add(NetworkAllowDirective());
}

void AddTlsDirectives(DirectiveRegistry& d) {
  // The TLS-only listener is opened at start; moving it at runtime is not supported (as port).
  d.Add(NumericDirective({.name = "tls-port"}, Signed(0, 65535, 0),
                         Field<int64_t>(&Config::tls_port)));
  d.Add(EnumDirective({.name = "tls-mode"},
                      {.values = {{"none", static_cast<int>(TlsMode::kNone)},
                                  {"preferred", static_cast<int>(TlsMode::kPreferred)},
                                  {"required", static_cast<int>(TlsMode::kRequired)}},
                       .def = static_cast<int>(TlsMode::kNone)},
                      Field<int>(&Config::tls_mode)));
  // Files are re-read when set again (kVolatile), so a renewed certificate written over the
  // old one is picked up; tls-key-file-pass and tls-crl-file too (Redoubt's choice).
  struct FileRow {
    std::string_view name;
    std::string tls::TlsSettings::*member;
    uint32_t flags;
  };
  const FileRow files[] = {
      {"tls-cert-file", &tls::TlsSettings::cert_file, kVolatile},
      {"tls-key-file", &tls::TlsSettings::key_file, kVolatile},
      {"tls-key-file-pass", &tls::TlsSettings::key_file_pass, kVolatile | kSensitive},
      {"tls-ca-cert-file", &tls::TlsSettings::ca_cert_file, kVolatile},
      {"tls-ca-cert-dir", &tls::TlsSettings::ca_cert_dir, kVolatile},
      {"tls-dh-params-file", &tls::TlsSettings::dh_params_file, kVolatile},
      {"tls-crl-file", &tls::TlsSettings::crl_file, kVolatile},
      // Lists of words, also accepted unquoted on a config line.
      {"tls-ciphers", &tls::TlsSettings::ciphers, kJoinWords},
      {"tls-ciphersuites", &tls::TlsSettings::ciphersuites, kJoinWords},
  };
  for (const FileRow& f : files) {
    d.Add(StringDirective({.name = f.name, .flags = f.flags}, {.empty_is_null = true},
                          TlsField<std::string>(f.member)));
  }
  d.Add(StringDirective({.name = "tls-protocols", .flags = kJoinWords}, {.def = "TLSv1.2 TLSv1.3"},
                        TlsProtocolsBinding()));
  d.Add(BoolDirective({.name = "tls-prefer-server-ciphers"}, false,
                      TlsField<bool>(&tls::TlsSettings::prefer_server_ciphers)));
  d.Add(BoolDirective({.name = "tls-session-caching"}, true,
                      TlsField<bool>(&tls::TlsSettings::session_caching)));
  d.Add(NumericDirective({.name = "tls-session-cache-size"}, Signed(0, kIntMax, 20480),
                         TlsField<int64_t>(&tls::TlsSettings::session_cache_size)));
  d.Add(NumericDirective({.name = "tls-session-cache-timeout"}, Signed(0, kIntMax, 300),
                         TlsField<int64_t>(&tls::TlsSettings::session_cache_timeout_seconds)));
  d.Add(NumericDirective({.name = "tls-handshake-timeout"}, Signed(1, kIntMax, 5000),
                         Field<int64_t>(&Config::tls_handshake_timeout_ms)));
  // Redis's default is yes; Redoubt's is no, so that turning TLS on (tls-mode preferred) does
  // not also demand client certificates nobody has yet. README says so.
  d.Add(EnumDirective({.name = "tls-auth-clients"},
                      {.values = {{"no", static_cast<int>(tls::ClientAuth::kNo)},
                                  {"yes", static_cast<int>(tls::ClientAuth::kYes)},
                                  {"optional", static_cast<int>(tls::ClientAuth::kOptional)}},
                       .def = static_cast<int>(tls::ClientAuth::kNo)},
                      TlsField<int>(&tls::TlsSettings::client_auth)));
  // As Valkey's tls-auth-clients-user: CN maps a verified client certificate's Common Name to
  // the ACL user of that name; off (default) leaves certificates out of authentication.
  d.Add(EnumDirective({.name = "tls-auth-clients-user"},
                      {.values = {{"CN", 1}, {"off", 0}}, .def = 0},
                      Field<int>(&Config::tls_auth_clients_user_cn)));
  d.Add(EnumDirective({.name = "tls-crl-expired-policy"},
                      {.values = {{"reject", static_cast<int>(tls::CrlExpiredPolicy::kReject)},
                                  {"allow", static_cast<int>(tls::CrlExpiredPolicy::kAllow)}},
                       .def = static_cast<int>(tls::CrlExpiredPolicy::kReject)},
                      TlsField<int>(&tls::TlsSettings::crl_expired_policy)));
  // Replication and cluster links do not exist yet.
  d.Add(BoolDirective({.name = "tls-replication", .flags = kNoEffectYet}, false,
                      Field<bool>(&Config::tls_replication)));
  d.Add(BoolDirective({.name = "tls-cluster", .flags = kNoEffectYet}, false,
                      Field<bool>(&Config::tls_cluster)));
  d.Add(StringDirective({.name = "tls-client-cert-file", .flags = kVolatile},
                        {.empty_is_null = true}));
  d.Add(StringDirective({.name = "tls-client-key-file", .flags = kVolatile},
                        {.empty_is_null = true}));
  d.Add(StringDirective({.name = "tls-client-key-file-pass"}, {.empty_is_null = true}));
}

// Redis 7.0's directives that have a Config field for the components that will use them, but
// no effect yet.
void AddFieldsWithoutEffect(DirectiveRegistry& d) {
  d.Add(SaveDirective());
  d.Add(BoolDirective({.name = "appendonly", .flags = kDenyLoading | kNoEffectYet}, false,
                      Field<bool>(&Config::appendonly)));
  d.Add(StringDirective({.name = "dbfilename", .flags = kProtected | kNoEffectYet},
                        {.def = "dump.rdb",
                         .check =
                             [](const std::string& v) {
                               return CheckBaseName(v,
                                                    "dbfilename can't be a path, just a filename");
                             }},
                        Field<std::string>(&Config::dbfilename)));
  d.Add(StringDirective({.name = "pidfile", .flags = kImmutable}, {.empty_is_null = true},
                        Field<std::string>(&Config::pidfile)));
  d.Add(BoolDirective({.name = "protected-mode"}, true, Field<bool>(&Config::protected_mode)));
  d.Add(StringDirective({.name = "unixsocket", .flags = kImmutable}, {.empty_is_null = true},
                        Field<std::string>(&Config::unixsocket)));
  d.Add(NumericDirective(
      {.name = "unixsocketperm", .flags = kImmutable},
      {.min = 0, .max = 0777, .def = 0, .form = NumberForm::kOctal, .unsigned_bounds = true},
      Field<int64_t>(&Config::unixsocketperm)));
  d.Add(NumericDirective({.name = "latency-monitor-threshold", .flags = kNoEffectYet},
                         Signed(0, kLLongMax, 0),
                         Field<int64_t>(&Config::latency_monitor_threshold)));
  d.Add(BoolDirective({.name = "latency-tracking"}, true, Field<bool>(&Config::latency_tracking)));
  d.Add(LatencyPercentilesDirective());
  d.Add(ReplicaOfDirective());
}

// The rest of Redis 7.0.15's static_configs[], in its order: accepted, validated, shown and
// rewritten as Redis does, kept as text (no Binding).
void AddRedisDirectivesWithoutEffect(DirectiveRegistry& d) {
  // Bool configs.
  const struct {
    std::string_view name;
    std::string_view alias;
    uint32_t flags;
    bool def;
  } bools[] = {
      {"rdbchecksum", "", kImmutable, true},
      {"io-threads-do-reads", "", kImmutable, false},
      {"always-show-logo", "", kImmutable, false},
      {"rdbcompression", "", 0, true},
      {"rdb-del-sync-files", "", 0, false},
      {"activerehashing", "", 0, true},
      {"stop-writes-on-bgsave-error", "", 0, true},
      {"set-proc-title", "", kImmutable, true},
      {"dynamic-hz", "", 0, true},
      {"lazyfree-lazy-eviction", "", 0, false},
      {"lazyfree-lazy-expire", "", 0, false},
      {"lazyfree-lazy-server-del", "", 0, false},
      {"lazyfree-lazy-user-del", "", 0, false},
      {"lazyfree-lazy-user-flush", "", 0, false},
      {"repl-disable-tcp-nodelay", "", 0, false},
      {"repl-diskless-sync", "", 0, true},
      {"aof-rewrite-incremental-fsync", "", 0, true},
      {"no-appendfsync-on-rewrite", "", 0, false},
      {"cluster-require-full-coverage", "", 0, true},
      {"rdb-save-incremental-fsync", "", 0, true},
      {"aof-load-truncated", "", 0, true},
      {"aof-use-rdb-preamble", "", 0, true},
      {"aof-timestamp-enabled", "", 0, false},
      {"cluster-replica-no-failover", "cluster-slave-no-failover", 0, false},
      {"replica-lazy-flush", "slave-lazy-flush", 0, false},
      {"replica-serve-stale-data", "slave-serve-stale-data", 0, true},
      {"replica-read-only", "slave-read-only", 0, true},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true},
      {"jemalloc-bg-thread", "", 0, true},
      {"syslog-enabled", "", kImmutable, false},
      {"cluster-enabled", "", kImmutable, false},
      {"cluster-allow-reads-when-down", "", 0, false},
      {"cluster-allow-pubsubshard-when-down", "", 0, true},
      {"crash-log-enabled", "", 0, true},
      {"crash-memcheck-enabled", "", 0, true},
      {"use-exit-on-panic", "", kHidden, false},
      {"disable-thp", "", kImmutable, true},
      {"cluster-allow-replica-migration", "", 0, true},
      {"replica-announced", "", 0, true},
      {"aof-disable-auto-gc", "", 0, false},
      {"replica-ignore-disk-write-errors", "", 0, false},
  };
  for (const auto& b : bools) {
    d.Add(BoolDirective({.name = b.name, .alias = b.alias, .flags = b.flags}, b.def));
  }
  // A Redis built with its own jemalloc can defragment; Debian's (and Redoubt) cannot.
  d.Add(BoolDirective({.name = "activedefrag"}, false, {}, [](bool yes) {
    return yes ? Invalid(
                     "Active defragmentation cannot be enabled: it requires a Redis server "
                     "compiled with a modified Jemalloc like the one shipped by default with "
                     "the Redis source distribution")
               : absl::OkStatus();
  }));

  // String and sds configs.
  d.Add(StringDirective({.name = "replica-announce-ip", .alias = "slave-announce-ip"},
                        {.empty_is_null = true}));
  d.Add(StringDirective({.name = "masteruser", .flags = kSensitive}, {.empty_is_null = true}));
  d.Add(StringDirective({.name = "masterauth", .flags = kSensitive}, {.empty_is_null = true}));
  d.Add(StringDirective({.name = "cluster-announce-ip"}, {.empty_is_null = true}));
  d.Add(
      StringDirective({.name = "cluster-config-file", .flags = kImmutable}, {.def = "nodes.conf"}));
  d.Add(StringDirective({.name = "cluster-announce-hostname"},
                        {.empty_is_null = true, .check = CheckHostname}));
  d.Add(StringDirective({.name = "syslog-ident", .flags = kImmutable}, {.def = "redis"}));
  d.Add(StringDirective({.name = "appendfilename", .flags = kImmutable},
                        {.def = "appendonly.aof", .check = [](const std::string& v) {
                           if (v.empty()) {
                             return Invalid("appendfilename can't be empty");
                           }
                           return CheckBaseName(v,
                                                "appendfilename can't be a path, just a filename");
                         }}));
  d.Add(StringDirective({.name = "appenddirname", .flags = kImmutable},
                        {.def = "appendonlydir", .check = [](const std::string& v) {
                           if (v.empty()) {
                             return Invalid("appenddirname can't be empty");
                           }
                           return CheckBaseName(v, "appenddirname can't be a path, just a dirname");
                         }}));
  for (std::string_view cpulist :
       {"server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist"}) {
    d.Add(StringDirective({.name = cpulist, .flags = kImmutable}, {.empty_is_null = true}));
  }
  d.Add(StringDirective({.name = "ignore-warnings"}, {.def = ""}));
  d.Add(StringDirective(
      {.name = "proc-title-template"},
      {.def = "{title} {listen-addr} {server-mode}", .check = CheckProcTitleTemplate}));
  d.Add(StringDirective({.name = "bind-source-addr"}, {.empty_is_null = true}));

  // Enum configs.
  d.Add(EnumDirective(
      {.name = "supervised", .flags = kImmutable},
      {.values = {{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}}, .def = 0}));
  d.Add(EnumDirective({.name = "syslog-facility", .flags = kImmutable},
                      {.values = {{"user", LOG_USER},
                                  {"local0", LOG_LOCAL0},
                                  {"local1", LOG_LOCAL1},
                                  {"local2", LOG_LOCAL2},
                                  {"local3", LOG_LOCAL3},
                                  {"local4", LOG_LOCAL4},
                                  {"local5", LOG_LOCAL5},
                                  {"local6", LOG_LOCAL6},
                                  {"local7", LOG_LOCAL7}},
                       .def = LOG_LOCAL0}));
  d.Add(EnumDirective({.name = "repl-diskless-load", .flags = kDenyLoading},
                      {.values = {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}, .def = 0}));
  d.Add(EnumDirective({.name = "appendfsync"},
                      {.values = {{"everysec", 2}, {"always", 1}, {"no", 0}}, .def = 2}));
  // "yes" and "relative" are one value; CONFIG GET names it "yes", as Redis does.
  d.Add(EnumDirective(
      {.name = "oom-score-adj"},
      {.values = {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}, .def = 0}));
  d.Add(EnumDirective({.name = "sanitize-dump-payload"},
                      {.values = {{"no", 0}, {"yes", 1}, {"clients", 2}}, .def = 0}));
  d.Add(
      EnumDirective({.name = "enable-module-command", .flags = kImmutable}, ProtectedActionRule()));
  d.Add(EnumDirective({.name = "cluster-preferred-endpoint-type"},
                      {.values = {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}, .def = 0}));
  d.Add(
      EnumDirective({.name = "propagation-error-behavior"},
                    {.values = {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}, .def = 0}));
  for (std::string_view signal : {"shutdown-on-sigint", "shutdown-on-sigterm"}) {
    constexpr int kSave = 1;
    constexpr int kNoSave = 2;
    d.Add(EnumDirective(
        {.name = signal, .flags = kMultiArg},
        {.values = {{"default", 0}, {"save", kSave}, {"nosave", kNoSave}, {"now", 4}, {"force", 8}},
         .def = 0,
         .bitflags = true,
         .check = [](int v) {
           return (v & kSave) != 0 && (v & kNoSave) != 0
                      ? Invalid("shutdown options SAVE and NOSAVE can't be used simultaneously")
                      : absl::OkStatus();
         }}));
  }

  // Numeric configs.
  NumericRule repl_backlog_size = Memory(Signed(1, kLLongMax, kMb));
  repl_backlog_size.normalize = [](int64_t v) {  // resizeReplicationBacklog's minimum
    return std::max<int64_t>(v, 16 * 1024);
  };
  NumericRule maxmemory_clients = Signed(-100, kLongMax, 0);
  maxmemory_clients.form = NumberForm::kMemoryOrPercent;
  const struct {
    std::string_view name;
    std::string_view alias;
    uint32_t flags;
    NumericRule rule;
  } numbers[] = {
      {"auto-aof-rewrite-percentage", "", 0, Signed(0, kIntMax, 100)},
      {"cluster-replica-validity-factor", "cluster-slave-validity-factor", 0,
       Signed(0, kIntMax, 10)},
      {"list-max-listpack-size", "list-max-ziplist-size", 0, Signed(kIntMin, kIntMax, -2)},
      {"cluster-migration-barrier", "", 0, Signed(0, kIntMax, 1)},
      {"active-defrag-cycle-min", "", 0, Signed(1, 99, 1)},
      {"active-defrag-cycle-max", "", 0, Signed(1, 99, 25)},
      {"active-defrag-threshold-lower", "", 0, Signed(0, 1000, 10)},
      {"active-defrag-threshold-upper", "", 0, Signed(0, 1000, 100)},
      {"lfu-log-factor", "", 0, Signed(0, kIntMax, 10)},
      {"lfu-decay-time", "", 0, Signed(0, kIntMax, 1)},
      {"replica-priority", "slave-priority", 0, Signed(0, kIntMax, 100)},
      {"repl-diskless-sync-delay", "", 0, Signed(0, kIntMax, 5)},
      {"maxmemory-eviction-tenacity", "", 0, Signed(0, 100, 10)},
      {"replica-announce-port", "slave-announce-port", 0, Signed(0, 65535, 0)},
      {"cluster-port", "", kImmutable, Signed(0, 65535, 0)},
      {"cluster-announce-bus-port", "", 0, Signed(0, 65535, 0)},
      {"cluster-announce-port", "", 0, Signed(0, 65535, 0)},
      {"cluster-announce-tls-port", "", 0, Signed(0, 65535, 0)},
      {"repl-timeout", "", 0, Signed(1, kIntMax, 60)},
      {"repl-ping-replica-period", "repl-ping-slave-period", 0, Signed(1, kIntMax, 10)},
      {"list-compress-depth", "", 0, Signed(0, kIntMax, 0)},
      {"rdb-key-save-delay", "", kHidden, Signed(kIntMin, kIntMax, 0)},
      {"key-load-delay", "", kHidden, Signed(kIntMin, kIntMax, 0)},
      {"active-expire-effort", "", 0, Signed(1, 10, 1)},
      {"min-replicas-to-write", "min-slaves-to-write", 0, Signed(0, kIntMax, 0)},
      {"min-replicas-max-lag", "min-slaves-max-lag", 0, Signed(0, kIntMax, 10)},
      {"watchdog-period", "", kHidden, Signed(0, kIntMax, 0)},
      {"shutdown-timeout", "", 0, Signed(0, kIntMax, 10)},
      {"repl-diskless-sync-max-replicas", "", 0, Signed(0, kIntMax, 0)},
      {"socket-mark-id", "", kImmutable, Unsigned(0, kUIntMax, 0)},
      {"active-defrag-max-scan-fields", "", 0, Signed(1, kLongMax, 1000)},  // unsigned long
      {"busy-reply-threshold", "lua-time-limit", 0, Signed(0, kLongMax, 5000)},
      {"cluster-node-timeout", "", 0, Signed(0, kLLongMax, 15000)},
      {"stream-node-max-entries", "", 0, Signed(0, kLLongMax, 100)},
      {"repl-backlog-size", "", 0, repl_backlog_size},
      {"cluster-link-sendbuf-limit", "", 0, Memory(Unsigned(0, kULLongMax, 0))},
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", 0, Unsigned(0, kLongMax, 512)},
      {"set-max-intset-entries", "", 0, Unsigned(0, kLongMax, 512)},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", 0, Unsigned(0, kLongMax, 128)},
      {"active-defrag-ignore-bytes", "", 0, Memory(Unsigned(1, kLLongMax, 100 * kMb))},
      {"hash-max-listpack-value", "hash-max-ziplist-value", 0, Memory(Unsigned(0, kLongMax, 64))},
      {"stream-node-max-bytes", "", 0, Memory(Unsigned(0, kLongMax, 4096))},
      {"zset-max-listpack-value", "zset-max-ziplist-value", 0, Memory(Unsigned(0, kLongMax, 64))},
      {"hll-sparse-max-bytes", "", 0, Memory(Unsigned(0, kLongMax, 3000))},
      {"tracking-table-max-keys", "", 0, Unsigned(0, kLongMax, 1000000)},
      {"maxmemory-clients", "", 0, maxmemory_clients},
      {"repl-backlog-ttl", "", 0, Signed(0, kLongMax, 3600)},
      {"auto-aof-rewrite-min-size", "", 0, Memory(Signed(0, kLLongMax, 64 * kMb))},
      {"loading-process-events-interval-bytes", "", kHidden, Signed(1024, kIntMax, 2 * kMb)},
  };
  for (const auto& n : numbers) {
    d.Add(NumericDirective({.name = n.name, .alias = n.alias, .flags = n.flags}, n.rule));
  }
  d.Add(OomScoreAdjValuesDirective());
  d.Add(NotifyKeyspaceEventsDirective());
}

// The order CONFIG REWRITE appends directives in and CONFIG GET lists them.
constexpr DirectiveComponent kComponents[] = {
    {"implemented", AddImplementedDirectives},
    {"tls", AddTlsDirectives},
    {"fields without effect", AddFieldsWithoutEffect},
    {"redis without effect", AddRedisDirectivesWithoutEffect},
};

std::vector<DirectiveSpec> BuildDirectives() {
  DirectiveRegistry registry;
  for (const DirectiveComponent& component : kComponents) {
    registry.AddComponent(component);
  }
  return registry.TakeRows();
}

}  // namespace

std::span<const DirectiveComponent> DirectiveComponents() {
  return kComponents;
}

const std::vector<DirectiveSpec>& Directives() {
  static const std::vector<DirectiveSpec> directives = BuildDirectives();
  return directives;
}

const DirectiveSpec* FindDirective(std::string_view name) {
  for (const DirectiveSpec& d : Directives()) {
    if (commands::EqualsIgnoreCase(d.name, name) ||
        (!d.alias.empty() && commands::EqualsIgnoreCase(d.alias, name))) {
      return &d;
    }
  }
  return nullptr;
}

}  // namespace redoubt::server
