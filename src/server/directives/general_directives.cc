// The server's general directives: logging (logfile, loglevel), the process (dir,
// daemonize, pidfile), the number of databases, the cron's rate (hz) and what the server
// measures (slowlog-*, latency-*); with Redis's rows of the same kind that Redoubt does not act
// on yet (syslog, the process title, supervision, CPU lists, oom-score-adj, shutdown options,
// crash reports). A CONFIG SET of them takes effect through the server's "dir", "slowlog",
// "loglevel" and "command settings" appliers (server_config.cc).
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/numbers.h"
#include "common/repr.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

// oom-score-adj-values <master> <replica> <bgchild>: setConfigOOMScoreAdjValuesOption.
DirectiveSpec OomScoreAdjValuesDirective() {
  static constexpr std::string_view kName = "oom-score-adj-values";
  static constexpr std::string_view kDefault = "0 200 800";
  DirectiveSpec d = NewDirective({.name = kName, .flags = kMultiArg | kNoEffectYet});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
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

// latency-tracking-info-percentiles <p> [...] or "": what INFO latencystats reports.
DirectiveSpec LatencyPercentilesDirective() {
  DirectiveSpec d = NewDirective({.name = "latency-tracking-info-percentiles", .flags = kMultiArg});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
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
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
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

Binding<int> LogLevelBinding() {
  static constexpr std::string_view kLevels[] = {"debug", "verbose", "notice", "warning",
                                                 "nothing"};
  return {[](Config& c, const int& v) { c.loglevel = std::string(kLevels[v]); },
          [](const Config& c) {
            auto it = std::find(std::begin(kLevels), std::end(kLevels), c.loglevel);
            return static_cast<int>(it - std::begin(kLevels));
          }};
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

}  // namespace

void RegisterGeneralDirectives(DirectiveRegistry& registry) {
  // Every database has a table in each of the 64 shards, allocated at start.
  registry.Add(NumericDirective(
      {.name = "databases", .flags = kImmutable},
      AtMost(Signed(1, kIntMax, 16), 1 << 20, "Redoubt supports at most 1048576 databases"),
      Field<int64_t>(&Config::databases)));
  registry.Add(StringDirective({.name = "logfile", .flags = kImmutable}, {.def = ""},
                               Field<std::string>(&Config::logfile)));
  // "nothing" is Redis 7.2's; 7.0's error text does not list it.
  registry.Add(EnumDirective({.name = "loglevel"},
                             {.values = {{"debug", 0},
                                         {"verbose", 1},
                                         {"notice", 2},
                                         {"warning", 3},
                                         {"nothing", 4, /*unlisted=*/true}},
                              .def = 2},
                             LogLevelBinding()));
  // As Redis's updateHZ: any value is accepted and kept within 1..500.
  NumericRule hz = Signed(0, kIntMax, 10);
  hz.normalize = [](int64_t v) { return std::clamp<int64_t>(v, 1, 500); };
  registry.Add(NumericDirective({.name = "hz"}, hz, Field<int64_t>(&Config::hz)));
  registry.Add(NumericDirective({.name = "slowlog-log-slower-than"}, Signed(-1, kLLongMax, 10000),
                                Field<int64_t>(&Config::slowlog_log_slower_than)));
  registry.Add(NumericDirective({.name = "slowlog-max-len"}, Signed(0, kLongMax, 128),
                                ClampedIntField(&Config::slowlog_max_len)));
  registry.Add(DirDirective());
  registry.Add(BoolDirective({.name = "daemonize", .flags = kImmutable}, false,
                             Field<bool>(&Config::daemonize), [](bool yes) {
                               return yes ? Invalid(
                                                "daemonize yes is not supported; run "
                                                "redoubt-server under a supervisor")
                                          : absl::OkStatus();
                             }));
  registry.Add(StringDirective({.name = "pidfile", .flags = kImmutable}, {.empty_is_null = true},
                               Field<std::string>(&Config::pidfile)));
  registry.Add(NumericDirective({.name = "latency-monitor-threshold", .flags = kNoEffectYet},
                                Signed(0, kLLongMax, 0),
                                Field<int64_t>(&Config::latency_monitor_threshold)));
  registry.Add(
      BoolDirective({.name = "latency-tracking"}, true, Field<bool>(&Config::latency_tracking)));
  registry.Add(LatencyPercentilesDirective());
  // Redis's, not acted on yet.
  const BoolRow bools[] = {
      {"always-show-logo", "", kImmutable, false},
      {"set-proc-title", "", kImmutable, true},
      {"dynamic-hz", "", 0, true},
      {"syslog-enabled", "", kImmutable, false},
      {"crash-log-enabled", "", 0, true},
      {"crash-memcheck-enabled", "", 0, true},
      {"use-exit-on-panic", "", kHidden, false},
      {"disable-thp", "", kImmutable, true},
  };
  AddBoolRows(registry, bools);
  registry.Add(StringDirective({.name = "syslog-ident", .flags = kImmutable}, {.def = "redis"}));
  for (std::string_view cpulist :
       {"server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist"}) {
    registry.Add(StringDirective({.name = cpulist, .flags = kImmutable}, {.empty_is_null = true}));
  }
  registry.Add(StringDirective({.name = "ignore-warnings"}, {.def = ""}));
  registry.Add(StringDirective(
      {.name = "proc-title-template"},
      {.def = "{title} {listen-addr} {server-mode}", .check = CheckProcTitleTemplate}));
  registry.Add(EnumDirective(
      {.name = "supervised", .flags = kImmutable},
      {.values = {{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}}, .def = 0}));
  registry.Add(EnumDirective({.name = "syslog-facility", .flags = kImmutable},
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
  // "yes" and "relative" are one value; CONFIG GET names it "yes", as Redis does.
  registry.Add(EnumDirective(
      {.name = "oom-score-adj"},
      {.values = {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}, .def = 0}));
  for (std::string_view signal : {"shutdown-on-sigint", "shutdown-on-sigterm"}) {
    constexpr int kSave = 1;
    constexpr int kNoSave = 2;
    registry.Add(EnumDirective(
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
  const NumericRow numbers[] = {
      {"watchdog-period", "", kHidden, Signed(0, kIntMax, 0)},
      {"shutdown-timeout", "", 0, Signed(0, kIntMax, 10)},
  };
  AddNumericRows(registry, numbers);
  registry.Add(OomScoreAdjValuesDirective());
}

}  // namespace redoubt::server
