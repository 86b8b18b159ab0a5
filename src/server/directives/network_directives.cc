// The listeners' and connections' directives: where the server listens (port, bind,
// unixsocket, unixsocketperm, tcp-backlog), its I/O threads, and what a connection may do
// (maxclients, timeout, tcp-keepalive, network-allow), where a replica's link connects from
// (bind-source-addr, read at each connection); with Redis's rows of the same kind that Redoubt
// does not act on yet (io-threads-do-reads, socket-mark-id). A
// CONFIG SET of them takes effect through the server's "listeners", "maxclients",
// "tcp-keepalive", "client limits" and "network-allow" appliers (server_config.cc).
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "security/network_allow_list.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

std::string Join(DirectiveArgs words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : " ") + words[i];
  }
  return out;
}

// bind <addr> [...]: at most 16 addresses, "" for none. REWRITE drops the line at the default.
DirectiveSpec BindDirective() {
  DirectiveSpec d = NewDirective({.name = "bind", .flags = kMultiArg});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
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

// network-allow <cidr> [...]: Redoubt's allow-list, kept in canonical form.
DirectiveSpec NetworkAllowDirective() {
  DirectiveSpec d =
      StringDirective({.name = "network-allow", .flags = kJoinWords}, {.empty_is_null = true},
                      Field<std::string>(&Config::network_allow));
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
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

}  // namespace

void RegisterNetworkDirectives(DirectiveRegistry& registry) {
  registry.Add(
      NumericDirective({.name = "port"}, Signed(0, 65535, 6379), Field<int64_t>(&Config::port)));
  registry.Add(BindDirective());
  registry.Add(IoThreadsDirective());
  // Redis lowers maxclients to the file limit; Redoubt keeps it in an int, capped far above
  // any file limit.
  registry.Add(NumericDirective(
      {.name = "maxclients"},
      AtMost(Unsigned(1, kUIntMax, 10000), 1 << 24, "Redoubt supports at most 16777216 clients"),
      Field<int64_t>(&Config::maxclients)));
  registry.Add(NumericDirective({.name = "timeout"}, Signed(0, kIntMax, 0),
                                Field<int64_t>(&Config::timeout)));
  registry.Add(NumericDirective({.name = "tcp-keepalive"}, Signed(0, kIntMax, 300),
                                Field<int64_t>(&Config::tcp_keepalive)));
  registry.Add(NumericDirective({.name = "tcp-backlog", .flags = kImmutable},
                                Signed(0, kIntMax, 511), Field<int64_t>(&Config::tcp_backlog)));
  registry.Add(NetworkAllowDirective());
  registry.Add(StringDirective({.name = "unixsocket", .flags = kImmutable}, {.empty_is_null = true},
                               Field<std::string>(&Config::unixsocket)));
  registry.Add(NumericDirective(
      {.name = "unixsocketperm", .flags = kImmutable},
      {.min = 0, .max = 0777, .def = 0, .form = NumberForm::kOctal, .unsigned_bounds = true},
      Field<int64_t>(&Config::unixsocketperm)));
  registry.Add(StringDirective({.name = "bind-source-addr"}, {.empty_is_null = true},
                               Field<std::string>(&Config::bind_source_addr)));
  // Redis's, not acted on yet.
  registry.Add(BoolDirective({.name = "io-threads-do-reads", .flags = kImmutable}, false));
  registry.Add(
      NumericDirective({.name = "socket-mark-id", .flags = kImmutable}, Unsigned(0, kUIntMax, 0)));
}

}  // namespace redoubt::server
