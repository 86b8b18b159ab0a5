// redoubt-control's HTTP endpoint: every request is checked for a SigV4 signature by one of the
// credentials file's keys, and the service named in the signature's scope routes it
// (elasticache and ec2 over the Query protocol, secretsmanager over JSON 1.1). HTTP itself is
// cpp-httplib's (a thread pool of blocking connections, plenty for an API whose callers poll every
// few seconds).
//
// Thread: Listen blocks the calling thread serving; Stop may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "control/credentials_file.h"
#include "control/json_protocol.h"
#include "control/query_protocol.h"
#include "control/replication_groups.h"
#include "control/secret_rotation.h"
#include "control/secrets.h"
#include "control/security_groups.h"

namespace httplib {
class Server;
}

namespace redoubt::control {

struct ControlOptions {
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // The zone of published endpoint names; empty: Describe gives the nodes' addresses.
  std::string dns_zone;
  // A body over this is refused (413, with the service's error envelope) unread.
  size_t max_body_bytes = 1 << 20;
  int64_t max_clock_skew_seconds = 300;
};

class ControlServer {
 public:
  // What the services answer about; every member is borrowed and must outlive the server.
  struct Resources {
    ReplicationGroups* groups = nullptr;
    Users* users = nullptr;
    CacheSubnetGroups* subnet_groups = nullptr;
    SecurityGroups* security_groups = nullptr;
    Secrets* secrets = nullptr;
    SecretRotator* rotator = nullptr;
  };
  ControlServer(ControlOptions options, CredentialsFile credentials, Resources resources);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and serves until Stop; false when the address cannot be bound.
  bool Listen();
  void Stop();

 private:
  ControlOptions options_;
  CredentialsFile credentials_;
  // By the service a request's credential scope names.
  std::map<std::string, QueryService, std::less<>> services_;
  JsonService secrets_manager_;  // the JSON 1.1 protocol's one service
  std::unique_ptr<httplib::Server> http_;
  static constexpr int kListenBacklog = 1024;
  int listen_fd_ = -1;  // the listening socket, as cpp-httplib made it
};

}  // namespace redoubt::control
