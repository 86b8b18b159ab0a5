// Directive table and config loading; see config.h. Names, defaults and error texts follow
// Redis 7's config.c so that redis.conf files and CONFIG SET scripts work unchanged.
#include "server/config.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "commands/command_table.h"
#include "common/numbers.h"
#include "protocol/resp_parser.h"
#include "security/network_allow_list.h"
#include "server/latency_histogram.h"

namespace redoubt::server {
namespace {

using Args = std::span<const std::string>;

absl::Status WrongArgs() {
  return absl::InvalidArgumentError("wrong number of arguments");
}

absl::Status ParseIntArg(Args args, int64_t min, int64_t max, int64_t* out) {
  if (args.size() != 1) {
    return WrongArgs();
  }
  auto v = common::ParseInt64(args[0]);
  if (!v) {
    return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
  }
  if (*v < min || *v > max) {
    return absl::InvalidArgumentError("argument must be between " + std::to_string(min) + " and " +
                                      std::to_string(max) + " inclusive");
  }
  *out = *v;
  return absl::OkStatus();
}

template <typename T>
DirectiveSpec IntDirective(std::string_view name, std::string_view def, T Config::*member,
                           int64_t min, int64_t max, bool runtime = true) {
  return {name, def, runtime,
          [member, min, max](Config& c, Args args) {
            int64_t v;
            absl::Status st = ParseIntArg(args, min, max, &v);
            if (st.ok()) {
              c.*member = static_cast<T>(v);
            }
            return st;
          },
          [member](const Config& c) { return std::to_string(c.*member); }};
}

template <typename T>
DirectiveSpec MemoryDirective(std::string_view name, std::string_view def, T Config::*member,
                              uint64_t min = 0, uint64_t max = UINT64_MAX) {
  return {name, def, true,
          [member, min, max](Config& c, Args args) {
            if (args.size() != 1) {
              return WrongArgs();
            }
            uint64_t v;
            if (!ParseMemory(args[0], &v)) {
              return absl::InvalidArgumentError("argument must be a memory value");
            }
            if (v < min || v > max) {
              return absl::InvalidArgumentError("argument must be between " + std::to_string(min) +
                                                " and " + std::to_string(max) + " inclusive");
            }
            c.*member = static_cast<T>(v);
            return absl::OkStatus();
          },
          [member](const Config& c) { return std::to_string(c.*member); }};
}

DirectiveSpec BoolDirective(std::string_view name, std::string_view def, bool Config::*member,
                            bool runtime = true) {
  return {name, def, runtime,
          [member](Config& c, Args args) {
            if (args.size() != 1) {
              return WrongArgs();
            }
            if (commands::EqualsIgnoreCase(args[0], "yes")) {
              c.*member = true;
            } else if (commands::EqualsIgnoreCase(args[0], "no")) {
              c.*member = false;
            } else {
              return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
            }
            return absl::OkStatus();
          },
          [member](const Config& c) { return std::string(c.*member ? "yes" : "no"); }};
}

DirectiveSpec StringDirective(std::string_view name, std::string_view def,
                              std::string Config::*member, bool runtime = true) {
  return {name, def, runtime,
          [member](Config& c, Args args) {
            if (args.size() != 1) {
              return WrongArgs();
            }
            c.*member = args[0];
            return absl::OkStatus();
          },
          [member](const Config& c) { return c.*member; }};
}

std::string FormatLimit(const char* cls, const OutputBufferLimit& l) {
  return std::string(cls) + " " + std::to_string(l.hard_bytes) + " " +
         std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
}

absl::Status SetOutputLimits(Config& c, Args args) {
  // "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60" (given as one or many words).
  std::vector<std::string> words;
  for (const std::string& a : args) {
    std::istringstream in(a);
    std::string w;
    while (in >> w) {
      words.push_back(w);
    }
  }
  if (words.empty() || words.size() % 4 != 0) {
    return absl::InvalidArgumentError("Wrong number of arguments in buffer limit configuration.");
  }
  Config next = c;
  for (size_t i = 0; i < words.size(); i += 4) {
    OutputBufferLimit l;
    uint64_t hard, soft;
    auto seconds = common::ParseInt64(words[i + 3]);
    if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) || !seconds ||
        *seconds < 0) {
      return absl::InvalidArgumentError(
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    l = {hard, soft, static_cast<int>(*seconds)};
    std::string cls = commands::ToLower(words[i]);
    if (cls == "normal") {
      next.output_limit_normal = l;
    } else if (cls == "replica" || cls == "slave") {
      next.output_limit_replica = l;
    } else if (cls == "pubsub") {
      next.output_limit_pubsub = l;
    } else {
      return absl::InvalidArgumentError(
          "Invalid client class specified in buffer limit configuration.");
    }
  }
  c = next;
  return absl::OkStatus();
}

// A directive for a field of the TLS settings (TlsSettings lives in src/tls/, so the Config
// member-pointer helpers above do not reach it).
template <typename T>
DirectiveSpec TlsDirective(std::string_view name, std::string_view def, T tls::TlsSettings::*member,
                           std::function<absl::Status(Args, T*)> parse,
                           std::function<std::string(const T&)> format) {
  return {name, def, true,
          [member, parse](Config& c, Args args) { return parse(args, &(c.tls.*member)); },
          [member, format](const Config& c) { return format(c.tls.*member); }};
}

DirectiveSpec TlsStringDirective(std::string_view name, std::string tls::TlsSettings::*member) {
  return TlsDirective<std::string>(
      name, "", member,
      [](Args args, std::string* out) {
        // "tls-protocols TLSv1.2 TLSv1.3" may come as several words in a config file.
        if (args.empty()) {
          return WrongArgs();
        }
        std::string joined;
        for (const std::string& a : args) {
          joined += (joined.empty() ? "" : " ") + a;
        }
        *out = joined;
        return absl::OkStatus();
      },
      [](const std::string& v) { return v; });
}

DirectiveSpec TlsBoolDirective(std::string_view name, std::string_view def,
                               bool tls::TlsSettings::*member) {
  return TlsDirective<bool>(
      name, def, member,
      [](Args args, bool* out) {
        if (args.size() != 1) {
          return WrongArgs();
        }
        if (commands::EqualsIgnoreCase(args[0], "yes")) {
          *out = true;
        } else if (commands::EqualsIgnoreCase(args[0], "no")) {
          *out = false;
        } else {
          return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
        }
        return absl::OkStatus();
      },
      [](const bool& v) { return std::string(v ? "yes" : "no"); });
}

DirectiveSpec TlsIntDirective(std::string_view name, std::string_view def,
                              int tls::TlsSettings::*member, int64_t min, int64_t max) {
  return TlsDirective<int>(
      name, def, member,
      [min, max](Args args, int* out) {
        int64_t v;
        absl::Status st = ParseIntArg(args, min, max, &v);
        if (st.ok()) {
          *out = static_cast<int>(v);
        }
        return st;
      },
      [](const int& v) { return std::to_string(v); });
}

void AddTlsDirectives(std::vector<DirectiveSpec>& d) {
  // The TLS-only listener is opened at start; moving it at runtime is not supported (as port).
  d.push_back(IntDirective("tls-port", "0", &Config::tls_port, 0, 65535, false));
  d.push_back({"tls-mode", "none", true,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 std::string v = commands::ToLower(args[0]);
                 if (v == "none") {
                   c.tls_mode = TlsMode::kNone;
                 } else if (v == "preferred") {
                   c.tls_mode = TlsMode::kPreferred;
                 } else if (v == "required") {
                   c.tls_mode = TlsMode::kRequired;
                 } else {
                   return absl::InvalidArgumentError(
                       "argument(s) must be one of the following: none, preferred, required");
                 }
                 return absl::OkStatus();
               },
               [](const Config& c) { return std::string(TlsModeName(c.tls_mode)); }});
  d.push_back(TlsStringDirective("tls-cert-file", &tls::TlsSettings::cert_file));
  d.push_back(TlsStringDirective("tls-key-file", &tls::TlsSettings::key_file));
  d.push_back(TlsStringDirective("tls-key-file-pass", &tls::TlsSettings::key_file_pass));
  d.push_back(TlsStringDirective("tls-ca-cert-file", &tls::TlsSettings::ca_cert_file));
  d.push_back(TlsStringDirective("tls-ca-cert-dir", &tls::TlsSettings::ca_cert_dir));
  d.push_back(TlsStringDirective("tls-protocols", &tls::TlsSettings::protocols));
  d.push_back(TlsStringDirective("tls-ciphers", &tls::TlsSettings::ciphers));
  d.push_back(TlsStringDirective("tls-ciphersuites", &tls::TlsSettings::ciphersuites));
  d.push_back(TlsBoolDirective("tls-prefer-server-ciphers", "no",
                               &tls::TlsSettings::prefer_server_ciphers));
  d.push_back(TlsBoolDirective("tls-session-caching", "yes", &tls::TlsSettings::session_caching));
  d.push_back(TlsIntDirective("tls-session-cache-size", "20480",
                              &tls::TlsSettings::session_cache_size, 0, INT32_MAX));
  d.push_back(TlsIntDirective("tls-session-cache-timeout", "300",
                              &tls::TlsSettings::session_cache_timeout_seconds, 0, INT32_MAX));
  d.push_back(TlsStringDirective("tls-dh-params-file", &tls::TlsSettings::dh_params_file));
  d.push_back(IntDirective("tls-handshake-timeout", "5000", &Config::tls_handshake_timeout_ms, 1,
                           INT32_MAX));
  // Redis's default is yes; ours is no, so that turning TLS on (tls-mode preferred) does not
  // also demand client certificates nobody has yet. README says so.
  d.push_back(TlsDirective<tls::ClientAuth>(
      "tls-auth-clients", "no", &tls::TlsSettings::client_auth,
      [](Args args, tls::ClientAuth* out) {
        std::optional<tls::ClientAuth> v =
            args.size() == 1 ? tls::ParseClientAuth(args[0]) : std::nullopt;
        if (!v) {
          return absl::InvalidArgumentError(
              "argument(s) must be one of the following: no, yes, optional");
        }
        *out = *v;
        return absl::OkStatus();
      },
      [](const tls::ClientAuth& v) { return std::string(tls::ClientAuthName(v)); }));
  // As Valkey's tls-auth-clients-user: CN maps a verified client certificate's Common Name to
  // the ACL user of that name; off (default) leaves certificates out of authentication.
  d.push_back(
      {"tls-auth-clients-user", "off", true,
       [](Config& c, Args args) {
         std::string v = args.size() == 1 ? commands::ToLower(args[0]) : "";
         if (v != "cn" && v != "off") {
           return absl::InvalidArgumentError("argument(s) must be one of the following: CN, off");
         }
         c.tls_auth_clients_user_cn = v == "cn";
         return absl::OkStatus();
       },
       [](const Config& c) { return std::string(c.tls_auth_clients_user_cn ? "CN" : "off"); }});
  d.push_back(TlsStringDirective("tls-crl-file", &tls::TlsSettings::crl_file));
  d.push_back(TlsDirective<tls::CrlExpiredPolicy>(
      "tls-crl-expired-policy", "reject", &tls::TlsSettings::crl_expired_policy,
      [](Args args, tls::CrlExpiredPolicy* out) {
        std::optional<tls::CrlExpiredPolicy> v =
            args.size() == 1 ? tls::ParseCrlExpiredPolicy(args[0]) : std::nullopt;
        if (!v) {
          return absl::InvalidArgumentError(
              "argument(s) must be one of the following: reject, allow");
        }
        *out = *v;
        return absl::OkStatus();
      },
      [](const tls::CrlExpiredPolicy& v) { return std::string(tls::CrlExpiredPolicyName(v)); }));
  d.push_back(BoolDirective("tls-replication", "no", &Config::tls_replication));
  d.push_back(BoolDirective("tls-cluster", "no", &Config::tls_cluster));
}

std::vector<DirectiveSpec> BuildDirectives() {
  std::vector<DirectiveSpec> d;
  d.push_back(IntDirective("port", "6379", &Config::port, 0, 65535));
  d.push_back({"bind", "127.0.0.1 -::1", true,
               [](Config& c, Args args) {
                 std::vector<std::string> addrs;
                 for (const std::string& a : args) {
                   std::istringstream in(a);
                   std::string w;
                   while (in >> w) {
                     addrs.push_back(w);
                   }
                 }
                 if (addrs.empty() || addrs.size() > 16) {
                   return absl::InvalidArgumentError("Too many bind addresses specified.");
                 }
                 c.bind = addrs;
                 return absl::OkStatus();
               },
               [](const Config& c) {
                 std::string out;
                 for (const std::string& a : c.bind) {
                   out += (out.empty() ? "" : " ") + a;
                 }
                 return out;
               }});
  d.push_back(IntDirective("io-threads", "0", &Config::io_threads, 0, 128, false));
  d.push_back(IntDirective("databases", "16", &Config::databases, 1, 1 << 20, false));
  d.push_back(IntDirective("maxclients", "10000", &Config::maxclients, 1, 1 << 24));
  d.push_back(IntDirective("timeout", "0", &Config::timeout, 0, INT32_MAX));
  d.push_back(IntDirective("tcp-keepalive", "300", &Config::tcp_keepalive, 0, INT32_MAX));
  d.push_back(IntDirective("tcp-backlog", "511", &Config::tcp_backlog, 0, INT32_MAX, false));
  d.push_back(MemoryDirective("maxmemory", "0", &Config::maxmemory));
  d.push_back({"maxmemory-policy", "noeviction", true,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 if (!storage::ParseEvictionPolicy(args[0], &c.maxmemory_policy)) {
                   return absl::InvalidArgumentError(
                       "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                       "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                       "noeviction");
                 }
                 return absl::OkStatus();
               },
               [](const Config& c) {
                 return std::string(storage::EvictionPolicyName(c.maxmemory_policy));
               }});
  d.push_back(IntDirective("maxmemory-samples", "5", &Config::maxmemory_samples, 1, 64));
  d.push_back(StringDirective("logfile", "", &Config::logfile, false));
  d.push_back({"loglevel", "notice", true,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 std::string v = commands::ToLower(args[0]);
                 if (v != "debug" && v != "verbose" && v != "notice" && v != "warning" &&
                     v != "nothing") {
                   return absl::InvalidArgumentError(
                       "argument(s) must be one of the following: debug, verbose, notice, "
                       "warning, nothing");
                 }
                 c.loglevel = v;
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.loglevel; }});
  // Capped below 4 GB: a stored value keeps its length in 32 bits (storage/entry.h).
  d.push_back(MemoryDirective("proto-max-bulk-len", "536870912", &Config::proto_max_bulk_len,
                              1024 * 1024, UINT32_MAX));
  d.push_back(MemoryDirective("client-query-buffer-limit", "1073741824",
                              &Config::client_query_buffer_limit, 1024 * 1024));
  d.push_back({"client-output-buffer-limit",
               "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", true,
               SetOutputLimits, [](const Config& c) {
                 return FormatLimit("normal", c.output_limit_normal) + " " +
                        FormatLimit("slave", c.output_limit_replica) + " " +
                        FormatLimit("pubsub", c.output_limit_pubsub);
               }});
  // As Redis: any non-negative int is accepted and clamped to 1..500 (CONFIG GET shows the
  // clamped value).
  d.push_back({"hz", "10", true,
               [](Config& c, Args args) {
                 int64_t v;
                 absl::Status st = ParseIntArg(args, 0, INT32_MAX, &v);
                 if (st.ok()) {
                   c.hz = static_cast<int>(std::clamp<int64_t>(v, 1, 500));
                 }
                 return st;
               },
               [](const Config& c) { return std::to_string(c.hz); }});
  d.push_back(IntDirective("slowlog-log-slower-than", "10000", &Config::slowlog_log_slower_than, -1,
                           INT64_MAX));
  d.push_back(IntDirective("slowlog-max-len", "128", &Config::slowlog_max_len, 0, INT32_MAX));
  d.push_back(IntDirective("latency-monitor-threshold", "0", &Config::latency_monitor_threshold, 0,
                           INT32_MAX));
  d.push_back(BoolDirective("latency-tracking", "yes", &Config::latency_tracking));
  // Several numbers, as words of a file line or one CONFIG SET value; "" sets none.
  d.push_back({"latency-tracking-info-percentiles", "50 99 99.9", true,
               [](Config& c, Args args) {
                 std::vector<double> percentiles;
                 for (const std::string& arg : args) {
                   std::istringstream words(arg);
                   for (std::string word; words >> word;) {
                     std::optional<double> p = common::ParseDouble(word);
                     if (!p) {
                       return absl::InvalidArgumentError(
                           "Invalid latency-tracking-info-percentiles parameters");
                     }
                     if (*p > 100.0 || *p < 0.0) {
                       return absl::InvalidArgumentError(
                           "latency-tracking-info-percentiles parameters should sit between "
                           "[0.0,100.0]");
                     }
                     percentiles.push_back(*p);
                   }
                 }
                 c.latency_tracking_info_percentiles = std::move(percentiles);
                 return absl::OkStatus();
               },
               [](const Config& c) {
                 std::string out;
                 for (double p : c.latency_tracking_info_percentiles) {
                   out += (out.empty() ? "" : " ") + FormatPercentile(p);
                 }
                 return out;
               }});
  // Persistence directives are accepted so that existing redis.conf files and tools
  // (redis-benchmark reads "save" and "appendonly") work; Redoubt keeps data in memory only.
  d.push_back({"save", "", true,
               [](Config& c, Args args) {
                 std::string joined;
                 for (const std::string& a : args) {
                   joined += (joined.empty() ? "" : " ") + a;
                 }
                 c.save = joined;
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.save; }});
  d.push_back(BoolDirective("appendonly", "no", &Config::appendonly));
  d.push_back(StringDirective("dir", ".", &Config::dir));
  d.push_back(StringDirective("dbfilename", "dump.rdb", &Config::dbfilename));
  d.push_back(StringDirective("pidfile", "", &Config::pidfile));
  d.push_back(BoolDirective("protected-mode", "yes", &Config::protected_mode));
  d.push_back(StringDirective("unixsocket", "", &Config::unixsocket, false));
  // Redis parses unixsocketperm as octal (strtol base 8) and shows it in octal.
  d.push_back({"unixsocketperm", "0", false,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 char* end = nullptr;
                 long v = std::strtol(args[0].c_str(), &end, 8);
                 if (args[0].empty() || *end != '\0' || v < 0 || v > 0777) {
                   return absl::InvalidArgumentError(
                       "argument must be between 0 and 511 inclusive");
                 }
                 c.unixsocketperm = static_cast<int>(v);
                 return absl::OkStatus();
               },
               [](const Config& c) {
                 char buf[16];
                 snprintf(buf, sizeof(buf), "%o", c.unixsocketperm);
                 return std::string(buf);
               }});
  d.push_back({"daemonize", "no", false,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 if (commands::EqualsIgnoreCase(args[0], "yes")) {
                   return absl::InvalidArgumentError(
                       "daemonize yes is not supported; run redoubt-server under a supervisor");
                 }
                 if (!commands::EqualsIgnoreCase(args[0], "no")) {
                   return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
                 }
                 c.daemonize = false;
                 return absl::OkStatus();
               },
               [](const Config&) { return std::string("no"); }});
  d.push_back({"enable-debug-command", "no", false,
               [](Config& c, Args args) {
                 if (args.size() != 1) {
                   return WrongArgs();
                 }
                 std::string v = commands::ToLower(args[0]);
                 if (v != "yes" && v != "no" && v != "local") {
                   return absl::InvalidArgumentError(
                       "argument(s) must be one of the following: no, yes, local");
                 }
                 c.enable_debug_command = v;
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.enable_debug_command; }});
  AddTlsDirectives(d);
  d.push_back({"requirepass", "", true,
               [](Config& c, Args args) {
                 c.requirepass = args.empty() ? "" : args[0];
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.requirepass; }});
  d.push_back({"aclfile", "", false,
               [](Config& c, Args args) {
                 c.aclfile = args.empty() ? "" : args[0];
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.aclfile; }});
  d.push_back({"audit-log-file", "", true,
               [](Config& c, Args args) {
                 c.audit_log_file = args.empty() ? "" : args[0];
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.audit_log_file; }});
  d.push_back({"acllog-max-len", "128", true,
               [](Config& c, Args args) {
                 auto v = args.empty() ? std::nullopt : common::ParseInt64(args[0]);
                 if (!v) {
                   return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
                 }
                 if (*v < 0) {
                   return absl::InvalidArgumentError(
                       "argument must be between 0 and 9223372036854775807 inclusive");
                 }
                 *v = std::min<int64_t>(*v, INT32_MAX);
                 c.acllog_max_len = static_cast<int>(*v);
                 return absl::OkStatus();
               },
               [](const Config& c) { return std::to_string(c.acllog_max_len); }});
  d.push_back({"acl-pubsub-default", "resetchannels", true,
               [](Config& c, Args args) {
                 std::string v = args.empty() ? "" : commands::ToLower(args[0]);
                 if (v != "allchannels" && v != "resetchannels") {
                   return absl::InvalidArgumentError(
                       "argument(s) must be one of the following: allchannels, resetchannels");
                 }
                 c.acl_pubsub_allchannels = v == "allchannels";
                 return absl::OkStatus();
               },
               [](const Config& c) {
                 return std::string(c.acl_pubsub_allchannels ? "allchannels" : "resetchannels");
               }});
  // Validated here so that a bad rule fails CONFIG SET and start-up with its name; the server
  // parses the stored canonical text again when it applies it.
  d.push_back({"network-allow", "", true,
               [](Config& c, Args args) {
                 std::string joined;
                 for (const std::string& a : args) {
                   joined += (joined.empty() ? "" : " ") + a;
                 }
                 absl::StatusOr<security::NetworkAllowList> list =
                     security::NetworkAllowList::Parse(joined);
                 if (!list.ok()) {
                   return list.status();
                 }
                 c.network_allow = list->ToString();
                 return absl::OkStatus();
               },
               [](const Config& c) { return c.network_allow; }});
  return d;
}

}  // namespace

std::string_view TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kPreferred:
      return "preferred";
    case TlsMode::kRequired:
      return "required";
    case TlsMode::kNone:
      break;
  }
  return "none";
}

const std::vector<DirectiveSpec>& Directives() {
  static const std::vector<DirectiveSpec> directives = BuildDirectives();
  return directives;
}

const DirectiveSpec* FindDirective(std::string_view name) {
  for (const DirectiveSpec& d : Directives()) {
    if (commands::EqualsIgnoreCase(d.name, name)) {
      return &d;
    }
  }
  return nullptr;
}

bool ParseMemory(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() &&
         ((s[digits] >= '0' && s[digits] <= '9') || (digits == 0 && s[0] == '-'))) {
    ++digits;
  }
  std::string unit = commands::ToLower(s.substr(digits));
  uint64_t mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000ull * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024ull * 1024 * 1024;
  } else {
    return false;
  }
  auto v = common::ParseInt64(s.substr(0, digits));
  if (!v || *v < 0) {
    return false;
  }
  if (static_cast<uint64_t>(*v) > UINT64_MAX / mul) {
    return false;
  }
  *out = static_cast<uint64_t>(*v) * mul;
  return true;
}

absl::Status ApplyConfigText(std::string_view text, std::string_view source, Config* config) {
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') {
      continue;
    }
    std::vector<std::string> words;
    auto fail = [&](std::string_view why) {
      std::string where = source.empty() ? "" : std::string(source) + ", ";
      return absl::InvalidArgumentError("\n*** FATAL CONFIG FILE ERROR (Redoubt) ***\n" + where +
                                        "at line " + std::to_string(line_no) + "\n>>> '" +
                                        line.substr(start) + "'\n" + std::string(why));
    };
    if (!protocol::SplitArgs(line, &words)) {
      return fail("Unbalanced quotes in configuration line");
    }
    if (words.empty()) {
      continue;
    }
    if (commands::EqualsIgnoreCase(words[0], "user") && words.size() >= 2) {
      // Repeatable, and not a CONFIG GET parameter: kept as written, applied at start-up.
      std::string rules;
      for (size_t i = 1; i < words.size(); ++i) {
        rules += (i > 1 ? " " : "") + words[i];
      }
      config->users.push_back(std::move(rules));
      continue;
    }
    const DirectiveSpec* d = FindDirective(words[0]);
    if (d == nullptr) {
      return fail("Bad directive or wrong number of arguments");
    }
    absl::Status st = d->set(*config, Args(words).subspan(1));
    if (!st.ok()) {
      return fail("Invalid argument for '" + std::string(d->name) +
                  "': " + std::string(st.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> LoadConfig(const std::string& file, const std::vector<std::string>& argv) {
  Config config;
  std::string text;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return absl::NotFoundError("Fatal error, can't open config file '" + file + "'");
    }
    std::stringstream buf;
    buf << in.rdbuf();
    absl::Status st = ApplyConfigText(buf.str(), file, &config);
    if (!st.ok()) {
      return st;
    }
    config.config_file = file;
  }
  // Command-line options become config lines: "--port 7000 --bind a b" → "port 7000\nbind a b".
  std::string lines;
  for (const std::string& arg : argv) {
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      if (!lines.empty()) {
        lines += "\n";
      }
      lines += arg.substr(2);
    } else {
      // Quote each value so that empty strings and spaces survive re-splitting.
      std::string quoted = "\"";
      for (char c : arg) {
        if (c == '"' || c == '\\') {
          quoted += '\\';
        }
        quoted += c;
      }
      lines += " " + quoted + "\"";
    }
  }
  absl::Status st = ApplyConfigText(lines, "command line", &config);
  if (!st.ok()) {
    return st;
  }
  if (config.io_threads == 0) {
    // The cores this process may run on (taskset, cgroups cpusets), not all of the machine's:
    // two event loops time-sliced on one core only add latency.
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    int cores = sched_getaffinity(0, sizeof(allowed), &allowed) == 0
                    ? CPU_COUNT(&allowed)
                    : static_cast<int>(std::thread::hardware_concurrency());
    config.io_threads = std::max(1, cores);
  }
  return config;
}

absl::Status RewriteConfigFile(const Config& config, const std::vector<std::string>* user_lines) {
  if (config.config_file.empty()) {
    return absl::FailedPreconditionError("The server is running without a config file");
  }
  std::vector<std::string> out;
  std::vector<bool> written(Directives().size(), false);
  {
    std::ifstream in(config.config_file);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> words;
      size_t start = line.find_first_not_of(" \t");
      if (start != std::string::npos && line[start] != '#' && protocol::SplitArgs(line, &words) &&
          !words.empty()) {
        if (user_lines != nullptr && commands::EqualsIgnoreCase(words[0], "user")) {
          continue;  // replaced by the live users below
        }
        const DirectiveSpec* d = FindDirective(words[0]);
        if (d != nullptr) {
          size_t index = d - Directives().data();
          if (written[index]) {
            continue;
          }
          written[index] = true;
          out.push_back(std::string(d->name) + " \"" + d->get(config) + "\"");
          continue;
        }
      }
      out.push_back(line);
    }
  }
  for (size_t i = 0; i < Directives().size(); ++i) {
    const DirectiveSpec& d = Directives()[i];
    if (!written[i] && d.get(config) != d.default_text) {
      out.push_back(std::string(d.name) + " \"" + d.get(config) + "\"");
    }
  }
  if (user_lines != nullptr) {
    out.insert(out.end(), user_lines->begin(), user_lines->end());
  }
  std::string tmp = config.config_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) {
      return absl::PermissionDeniedError("Rewriting config file: can't open " + tmp);
    }
    for (const std::string& l : out) {
      f << l << "\n";
    }
    if (!f) {
      return absl::DataLossError("Rewriting config file: write failed");
    }
  }
  if (std::rename(tmp.c_str(), config.config_file.c_str()) != 0) {
    return absl::PermissionDeniedError("Rewriting config file: rename failed");
  }
  return absl::OkStatus();
}

}  // namespace redoubt::server
