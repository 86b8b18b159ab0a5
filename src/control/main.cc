// redoubt-control: the control plane's daemon. `redoubt-control [--data-dir DIR] [--listen
// HOST:PORT]` serves the ElastiCache API (SigV4-signed, with the keys of DIR/credentials, which
// the first start writes) over the replication groups it runs (state in DIR/state.db, nodes'
// folders in DIR/nodes), and writes DIR/aws-data for AWS_DATA_PATH; `redoubt-control aws-env`
// prints the export lines that make awscli and boto3 use it.
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "common/errno_text.h"
#include "common/file_io.h"
#include "common/log.h"
#include "common/numbers.h"
#include "control/aws_data_path.h"
#include "control/certificate_authority.h"
#include "control/control_server.h"
#include "control/credentials_file.h"
#include "control/hosts_file.h"
#include "control/local_node_host.h"
#include "control/replication_groups.h"
#include "control/secret_keyring.h"
#include "control/secrets.h"
#include "control/security_groups.h"
#include "control/state_store.h"
#include "control/subnets.h"
#include "control/users.h"

namespace {

// HOST:PORT into its parts; false when malformed.
bool SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  const std::optional<int64_t> parsed = redoubt::common::ParseInt64(listen.substr(colon + 1));
  if (!parsed || *parsed <= 0 || *parsed > 65535) {
    return false;
  }
  *port = static_cast<int>(*parsed);
  *host = listen.substr(0, colon);
  return true;
}

// A.B.C.D/N into the first and last addresses of the range (host byte order), without the
// network's own address (A.B.C.0 for a /24); false when malformed.
bool ParseIpv4Range(const std::string& cidr, uint32_t* first, uint32_t* last) {
  const size_t slash = cidr.find('/');
  in_addr base{};
  if (slash == std::string::npos || inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &base) != 1) {
    return false;
  }
  const std::optional<int64_t> bits = redoubt::common::ParseInt64(cidr.substr(slash + 1));
  if (!bits || *bits < 8 || *bits > 30) {
    return false;
  }
  const uint32_t mask = ~uint32_t{0} << (32 - *bits);
  *first = (ntohl(base.s_addr) & mask) + 1;
  *last = (ntohl(base.s_addr) | ~mask) - 1;  // nor its broadcast address
  return true;
}

// redoubt-server in the folder of this executable: both are built into build/bin.
std::string ServerBesideUs() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "redoubt-server" : (self.parent_path() / "redoubt-server").string();
}

std::string Absolute(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

// The keys that seal the secrets' values (secret_keyring.h).
std::string SecretKeyFile(const std::string& data_dir) {
  return data_dir + "/secrets.key";
}

// The address clients are sent to: the listen address, which aws-env reads back.
std::string EndpointFile(const std::string& data_dir) {
  return data_dir + "/endpoint";
}

int PrintAwsEnv(const std::string& data_dir, const std::string& region) {
  std::string endpoint;
  if (!redoubt::common::ReadSmallFile(EndpointFile(data_dir), 4096, &endpoint).ok() ||
      endpoint.empty()) {
    std::cerr << "no endpoint recorded in " << EndpointFile(data_dir)
              << ": start redoubt-control with this --data-dir first\n";
    return 1;
  }
  std::cout << "export AWS_SHARED_CREDENTIALS_FILE='" << data_dir << "/credentials'\n"
            << "export AWS_DEFAULT_REGION='" << region << "'\n"
            << "export AWS_ENDPOINT_URL='" << endpoint << "'\n"
            << "export AWS_DATA_PATH='" << data_dir << "/aws-data'\n"
            << "export SSL_CERT_FILE='" << data_dir << "/ca/ca.crt'\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Redoubt's control plane: the ElastiCache API over real redoubt-server nodes"};
  std::string data_dir = "./control-data";
  std::string listen = "127.0.0.1:4566";
  std::string region = "us-east-1";
  app.add_option("--data-dir", data_dir, "State, credentials and the AWS_DATA_PATH folder");
  app.add_option("--listen", listen, "HOST:PORT of the API endpoint");
  app.add_option("--region", region, "The region of ARNs, and aws-env's AWS_DEFAULT_REGION");
  std::string node_addresses = "127.77.0.0/16";
  std::string server_binary = ServerBesideUs();
  int64_t cluster_node_timeout_ms = 5000;
  int64_t modify_dwell_ms = 5000;
  int64_t node_cert_seconds = 365 * 86400;
  std::string node_cert_key = "ecdsa";
  std::string dns_zone = "cache.redoubt.internal";
  std::string hosts_path = "/etc/hosts";
  app.add_option("--node-addresses", node_addresses,
                 "IPv4 range (CIDR) whose addresses nodes take, one each; the control plane's "
                 "calls to them leave from its network address");
  app.add_option("--server-binary", server_binary, "The redoubt-server the nodes run");
  app.add_option("--cluster-node-timeout", cluster_node_timeout_ms,
                 "cluster-node-timeout of cluster-mode nodes, in milliseconds");
  app.add_option("--dns-zone", dns_zone, "The zone of the groups' endpoint names");
  app.add_option("--hosts-file", hosts_path,
                 "Where the endpoint names are published (a block of this file); 'none': "
                 "clients get the nodes' addresses");
  app.add_option("--node-cert-key", node_cert_key,
                 "Key type of the nodes' certificates: ecdsa (P-256) or rsa (2048 bits)")
      ->check(CLI::IsMember({"ecdsa", "rsa"}));
  app.add_option("--node-cert-seconds", node_cert_seconds,
                 "Lifetime of the nodes' certificates; each is renewed two thirds through it")
      ->check(CLI::Range(int64_t{10}, int64_t{10} * 365 * 86400));
  app.add_option("--modify-dwell", modify_dwell_ms,
                 "Milliseconds a modified group stays `modifying` at least");
  int64_t rotation_grace_seconds = 600;
  app.add_option("--rotation-grace", rotation_grace_seconds,
                 "Seconds a single-user rotation keeps the previous password valid at most "
                 "(it goes sooner once no connection uses it)");
  CLI::App* aws_env = app.add_subcommand(
      "aws-env", "Print the export lines that point awscli and boto3 at this control plane");
  aws_env->fallthrough();  // the options above may also follow "aws-env"
  CLI::App* new_secret_key = app.add_subcommand(
      "new-secret-key",
      "Add a key to the secrets' key file: it seals every secret value from the next start on");
  new_secret_key->fallthrough();
  CLI11_PARSE(app, argc, argv);

  data_dir = Absolute(data_dir);
  if (aws_env->parsed()) {
    return PrintAwsEnv(data_dir, region);
  }
  if (new_secret_key->parsed()) {
    absl::StatusOr<std::string> id =
        redoubt::control::SecretKeyring::AddKey(SecretKeyFile(data_dir));
    if (!id.ok()) {
      std::cerr << id.status().message() << "\n";
      return 1;
    }
    std::cout << "key " << *id << " added to " << SecretKeyFile(data_dir)
              << ": restart redoubt-control to seal every secret under it\n";
    return 0;
  }
  redoubt::control::ControlOptions options;
  options.region = region;
  if (!SplitListen(listen, &options.host, &options.port)) {
    std::cerr << "--listen: expected HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  redoubt::control::GroupsOptions groups_options;
  groups_options.cluster_node_timeout_ms = cluster_node_timeout_ms;
  groups_options.modify_dwell_ms = modify_dwell_ms;
  groups_options.node_cert_seconds = node_cert_seconds;
  groups_options.node_cert_rsa = node_cert_key == "rsa";
  groups_options.dns_zone = dns_zone;
  if (!ParseIpv4Range(node_addresses, &groups_options.first_address,
                      &groups_options.last_address)) {
    std::cerr << "--node-addresses: expected an IPv4 range as A.B.C.D/N (N 8 to 30), got '"
              << node_addresses << "'\n";
    return 2;
  }
  groups_options.call_source = redoubt::control::Ipv4Text(groups_options.first_address - 1);
  if (access(server_binary.c_str(), X_OK) != 0) {
    std::cerr << "--server-binary: " << server_binary << " is not an executable\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "cannot create " << data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  absl::StatusOr<redoubt::control::CredentialsFile> credentials =
      redoubt::control::CredentialsFile::LoadOrCreate(data_dir + "/credentials");
  if (!credentials.ok()) {
    std::cerr << credentials.status().message() << "\n";
    return 1;
  }
  const std::string endpoint = "http://" + listen;
  if (absl::Status s = redoubt::control::WriteAwsDataPath(data_dir + "/aws-data", endpoint);
      !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  if (const int err = redoubt::common::ReplaceFile(EndpointFile(data_dir), endpoint, 0644);
      err != 0) {
    std::cerr << "cannot write " << EndpointFile(data_dir) << ": "
              << redoubt::common::ErrnoText(err) << "\n";
    return 1;
  }

  // SIGINT and SIGTERM stop the server from a thread of their own: stopping it is no work for a
  // signal handler. Blocked here, so that every thread started later inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  absl::StatusOr<std::unique_ptr<redoubt::control::StateStore>> store =
      redoubt::control::StateStore::Open(data_dir + "/state.db");
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return 1;
  }
  redoubt::control::LocalNodeHost host(server_binary, data_dir + "/nodes");
  absl::StatusOr<std::shared_ptr<const redoubt::control::CertificateAuthority>> ca =
      redoubt::control::CertificateAuthority::LoadOrCreate(data_dir + "/ca");
  if (!ca.ok()) {
    std::cerr << ca.status().message() << "\n";
    return 1;
  }
  // Names when the hosts file can be written (as root, or with a file of one's own), else plain
  // addresses: Describe says which by what it returns.
  std::unique_ptr<redoubt::control::HostsFile> hosts;
  if (hosts_path != "none" && access(hosts_path.c_str(), W_OK) == 0) {
    hosts = std::make_unique<redoubt::control::HostsFile>(hosts_path, data_dir);
    options.dns_zone = dns_zone;
  } else if (hosts_path != "none") {
    redoubt::common::Log(redoubt::common::LogLevel::kNotice,
                         hosts_path + " is not writable: endpoints are the nodes' addresses");
  }
  redoubt::control::SecurityGroups security_groups(**store);
  if (absl::Status s = security_groups.Load(); !s.ok()) {
    std::cerr << "cannot read the security groups back: " << s.message() << "\n";
    return 1;
  }
  redoubt::control::Users users(**store);
  if (absl::Status s = users.Load(); !s.ok()) {
    std::cerr << "cannot read the users back: " << s.message() << "\n";
    return 1;
  }
  redoubt::control::CacheSubnetGroups subnet_groups(
      **store,
      redoubt::control::SubnetsOf(groups_options.first_address, groups_options.last_address));
  if (absl::Status s = subnet_groups.Load(); !s.ok()) {
    std::cerr << "cannot read the cache subnet groups back: " << s.message() << "\n";
    return 1;
  }
  absl::StatusOr<redoubt::control::SecretKeyring> keyring =
      redoubt::control::SecretKeyring::LoadOrCreate(SecretKeyFile(data_dir));
  if (!keyring.ok()) {
    std::cerr << keyring.status().message() << "\n";
    return 1;
  }
  redoubt::control::Secrets secrets(**store, *std::move(keyring), region, options.account);
  if (absl::Status s = secrets.Load(); !s.ok()) {
    std::cerr << "cannot read the secrets back: " << s.message() << "\n";
    return 1;
  }
  redoubt::control::ReplicationGroups groups(groups_options, **store, host, *ca);
  groups.UseHostsFile(hosts.get());
  groups.UseSecurityGroups(&security_groups);
  groups.UseUsers(&users);
  groups.UseSubnetGroups(&subnet_groups);
  if (absl::Status s = groups.Recover(); !s.ok()) {
    std::cerr << "cannot read the replication groups back: " << s.message() << "\n";
    return 1;
  }
  groups.StartSupervisor();
  redoubt::control::SecretRotator rotator(
      secrets,
      {.find_user = [&](const std::string& id) { return users.FindUser(id); },
       .find_partner =
           [&](const std::string& name, const std::string& user_id) {
             const std::vector<std::string> groups_of_user = users.GroupsOfUser(user_id);
             for (const redoubt::control::UserRecord& other : users.AllUsers()) {
               const std::vector<std::string> theirs = users.GroupsOfUser(other.id);
               if (other.name == name && other.id != user_id &&
                   std::any_of(theirs.begin(), theirs.end(), [&](const std::string& g) {
                     return std::find(groups_of_user.begin(), groups_of_user.end(), g) !=
                            groups_of_user.end();
                   })) {
                 return std::optional<redoubt::control::UserRecord>(other);
               }
             }
             return std::optional<redoubt::control::UserRecord>();
           },
       .set_passwords =
           [&](const std::string& id, const std::vector<std::string>& passwords) {
             redoubt::control::UserChange change;
             change.passwords = passwords;
             redoubt::control::UserRecord modified;
             return users.ModifyUser(id, change, &modified);
           },
       .test_password =
           [&](const redoubt::control::UserRecord& user, const std::string& password) {
             return groups.TestUserPassword(user, password);
           },
       .older_password_use =
           [&](const redoubt::control::UserRecord& user) {
             return groups.OlderPasswordUseOf(user);
           },
       .find_group = [&](const std::string& id) { return groups.Find(id); },
       .change_auth_token =
           [&](const std::string& id, const std::string& strategy, const std::string& token) {
             redoubt::control::GroupModification change;
             change.auth_strategy = strategy;
             change.auth_token = token;
             redoubt::control::GroupRecord modified;
             return groups.Modify(id, change, &modified);
           },
       .repush_auth_tokens = [&](const std::string& id) { return groups.RepushUsers(id); },
       .test_auth_token = [&](const std::string& id,
                              const std::string& token) { return groups.TestAuthToken(id, token); },
       .older_token_use = [&](const std::string& id) { return groups.OlderAuthTokenUse(id); },
       .event =
           [&](const std::string& source_type, const std::string& source_id,
               const std::string& message) {
             groups.RecordEvent(source_type, source_id, message);
           }},
      rotation_grace_seconds * 1000);
  rotator.Start();
  redoubt::control::ControlServer server(options, *std::move(credentials),
                                         {.groups = &groups,
                                          .users = &users,
                                          .subnet_groups = &subnet_groups,
                                          .security_groups = &security_groups,
                                          .secrets = &secrets,
                                          .rotator = &rotator});
  std::thread stopper([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.Stop();
  });
  stopper.detach();
  redoubt::common::Log(
      redoubt::common::LogLevel::kNotice,
      "redoubt-control serving the ElastiCache API on " + endpoint + " (data in " + data_dir + ")");
  if (!server.Listen()) {
    std::cerr << "cannot listen on " << listen << "\n";
    return 1;
  }
  return 0;
}
