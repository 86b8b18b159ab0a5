// Cluster mode: whether it is on (cluster-enabled), the node's configuration file, ports and
// what it announces, timeouts and failover, and what a node serves while the cluster is down.
// The rows that cluster/ acts on are bound to Config's cluster_* fields; the bus's send buffer
// limit is accepted, validated, shown and rewritten as Redis does, and acts on nothing yet.
// Start-up refuses cluster-enabled with replicaof, as Redis does (config.cc).
#include <cctype>
#include <string>

#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

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

}  // namespace

void RegisterClusterDirectives(DirectiveRegistry& registry) {
  registry.Add(
      BoolDirective({.name = "cluster-replica-no-failover", .alias = "cluster-slave-no-failover"},
                    false, Field<bool>(&Config::cluster_replica_no_failover)));
  registry.Add(BoolDirective({.name = "cluster-allow-replica-migration"}, true,
                             Field<bool>(&Config::cluster_allow_replica_migration)));
  registry.Add(NumericDirective(
      {.name = "cluster-replica-validity-factor", .alias = "cluster-slave-validity-factor"},
      Signed(0, kIntMax, 10), Field<int64_t>(&Config::cluster_replica_validity_factor)));
  registry.Add(NumericDirective({.name = "cluster-migration-barrier"}, Signed(0, kIntMax, 1),
                                Field<int64_t>(&Config::cluster_migration_barrier)));
  registry.Add(BoolDirective({.name = "cluster-enabled", .flags = kImmutable}, false,
                             Field<bool>(&Config::cluster_enabled)));
  registry.Add(BoolDirective({.name = "cluster-require-full-coverage"}, true,
                             Field<bool>(&Config::cluster_require_full_coverage)));
  registry.Add(BoolDirective({.name = "cluster-allow-reads-when-down"}, false,
                             Field<bool>(&Config::cluster_allow_reads_when_down)));
  registry.Add(BoolDirective({.name = "cluster-allow-pubsubshard-when-down"}, true,
                             Field<bool>(&Config::cluster_allow_pubsubshard_when_down)));
  registry.Add(StringDirective({.name = "cluster-announce-ip"}, {.empty_is_null = true},
                               Field<std::string>(&Config::cluster_announce_ip)));
  registry.Add(StringDirective({.name = "cluster-config-file", .flags = kImmutable},
                               {.def = "nodes.conf"},
                               Field<std::string>(&Config::cluster_config_file)));
  registry.Add(StringDirective({.name = "cluster-announce-hostname"},
                               {.empty_is_null = true, .check = CheckHostname},
                               Field<std::string>(&Config::cluster_announce_hostname)));
  registry.Add(
      EnumDirective({.name = "cluster-preferred-endpoint-type"},
                    {.values = {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}, .def = 0},
                    Field<int>(&Config::cluster_preferred_endpoint_type)));
  registry.Add(NumericDirective({.name = "cluster-port", .flags = kImmutable}, Signed(0, 65535, 0),
                                Field<int64_t>(&Config::cluster_port)));
  registry.Add(NumericDirective({.name = "cluster-announce-bus-port"}, Signed(0, 65535, 0),
                                Field<int64_t>(&Config::cluster_announce_bus_port)));
  registry.Add(NumericDirective({.name = "cluster-announce-port"}, Signed(0, 65535, 0),
                                Field<int64_t>(&Config::cluster_announce_port)));
  registry.Add(NumericDirective({.name = "cluster-announce-tls-port"}, Signed(0, 65535, 0),
                                Field<int64_t>(&Config::cluster_announce_tls_port)));
  registry.Add(NumericDirective({.name = "cluster-node-timeout"}, Signed(0, kLLongMax, 15000),
                                Field<int64_t>(&Config::cluster_node_timeout_ms)));
  const NumericRow numbers[] = {
      {"cluster-link-sendbuf-limit", "", 0, Memory(Unsigned(0, kULLongMax, 0))},
  };
  AddNumericRows(registry, numbers);
}

}  // namespace redoubt::server
