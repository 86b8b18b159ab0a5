// libFuzzer target for what redoubt-control reads from a client before and after the SigV4
// check (control/sigv4.h, control/form_body.h, control/query_protocol.h): the input's first
// line is an Authorization header, the rest a form body. The header is parsed and the request
// verified against one known key; the body is answered by the ElastiCache service and the EC2
// one as a signed request would be, over replication groups whose node host refuses to start
// anything (a creation that passes every check fails there: no process is ever spawned),
// security groups, and an in-memory database, and by Secrets Manager's JSON protocol as a
// sequence of its operations over secrets of the input's own. Invariants checked: a parsed
// authorization has the five parts of a scope; a reply is 200 with the operation's envelope, or an
// error status with its protocol's error envelope, never anything else. Crashes and sanitizer
// reports are the findings.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "common/check.h"
#include "control/ec2_api.h"
#include "control/elasticache_api.h"
#include "control/node_host.h"
#include "control/query_protocol.h"
#include "control/replication_groups.h"
#include "control/secrets_api.h"
#include "control/security_groups.h"
#include "control/sigv4.h"
#include "control/state_store.h"
#include "control/users.h"

namespace {

using namespace redoubt::control;

class RefusingNodeHost : public NodeHost {
 public:
  absl::StatusOr<int64_t> Start(const NodeSpec&) override {
    return absl::UnavailableError("the fuzzer starts no node");
  }
  bool IsRunning(const std::string&, int64_t) override { return false; }
  void Stop(const std::string&, int64_t, int64_t) override {}
  void Remove(const std::string&) override {}
  bool PortsFree(const std::string&, int) override { return true; }
  absl::StatusOr<std::string> WriteNodeFile(const std::string&, const std::string&,
                                            const std::string&, int) override {
    return absl::UnavailableError("the fuzzer writes no file");
  }
  std::string LogTail(const std::string&, size_t) override { return ""; }
};

struct Services {
  QueryService elasticache;
  QueryService ec2;
};

const Services& TheServices() {
  static RefusingNodeHost host;
  static std::unique_ptr<StateStore> store = *StateStore::Open(":memory:");
  static GroupsOptions options = [] {
    GroupsOptions o;
    o.first_address = 0x7f000001;
    o.last_address = 0x7f0000ff;
    return o;
  }();
  static SecurityGroups security_groups(*store);
  static Users users(*store);
  static CacheSubnetGroups subnet_groups(*store, SubnetsOf(0x7f000001, 0x7f0000fe));
  static ReplicationGroups groups(options, *store, host, nullptr);
  static const Services services = [] {
    groups.UseSecurityGroups(&security_groups);
    groups.UseUsers(&users);
    groups.UseSubnetGroups(&subnet_groups);
    return Services{
        MakeElastiCacheService({"us-east-1", "000000000000"}, &groups, &users, &subnet_groups),
        MakeEc2Service("000000000000", &security_groups, subnet_groups.subnets(), "us-east-1a")};
  }();
  return services;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Services& services = TheServices();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  if (std::optional<Sigv4Authorization> auth = ParseAuthorization(header)) {
    REDOUBT_CHECK(!auth->access_key.empty() && auth->date.size() == 8 && !auth->region.empty() &&
                  !auth->service.empty());
  }
  HttpRequestView request{"POST", "/", "", {}, body};
  request.headers.emplace("authorization", std::string(header));
  request.headers.emplace("host", "127.0.0.1:4566");
  request.headers.emplace("x-amz-date", "20261206T220000Z");
  const Sigv4Result verified = Verify(
      request,
      [](std::string_view key) -> std::optional<std::string> {
        if (key == "AKIAFUZZ") {
          return std::string("secret");
        }
        return std::nullopt;
      },
      1796594400);
  REDOUBT_CHECK(verified.authorization.has_value() != verified.failure.has_value());

  for (const QueryService* service : {&services.elasticache, &services.ec2}) {
    const ApiReply reply = AnswerQuery(*service, body, "request-id");
    if (reply.http_status == 200) {
      REDOUBT_CHECK(reply.body.find("Response xmlns=") != std::string::npos);
    } else {
      REDOUBT_CHECK(reply.http_status >= 400 &&
                    reply.body.find(service->dialect == QueryDialect::kEc2
                                        ? "<Response><Errors><Error>"
                                        : "<ErrorResponse") != std::string::npos);
    }
  }
  // Secrets Manager's JSON protocol: the body, cut at NUL bytes, as up to 8 requests in a row
  // over secrets of this input only (a fresh in-memory store: a finding reproduces from its
  // input alone), each request's first byte picking the operation.
  std::unique_ptr<StateStore> secrets_store = *StateStore::Open(":memory:");
  Secrets secrets(*secrets_store, SecretKeyring::FromKeys({{"k1", std::string(32, 'k')}}),
                  "us-east-1", "000000000000");
  const JsonService secrets_manager = MakeSecretsManagerService(&secrets);
  std::string_view rest = body;
  for (int n = 0; n < 8 && !rest.empty(); ++n) {
    const size_t end = rest.find('\0');
    const std::string_view request = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (request.empty()) {
      continue;
    }
    auto operation = secrets_manager.operations.begin();
    std::advance(operation,
                 static_cast<unsigned char>(request[0]) % secrets_manager.operations.size());
    const ApiReply json =
        AnswerJson(secrets_manager, "secretsmanager." + operation->first, request.substr(1), "rid");
    REDOUBT_CHECK(json.http_status == 200 ? json.body.starts_with("{")
                                          : json.body.find("\"__type\"") != std::string::npos);
  }
  return 0;
}
