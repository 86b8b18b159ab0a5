// The control plane's endpoint; see control_server.h.
#include "control/control_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <ctime>

#include "common/ascii.h"
#include "common/log.h"
#include "control/ec2_api.h"
#include "control/elasticache_api.h"
#include "control/secrets_api.h"
#include "control/sigv4.h"

namespace redoubt::control {
namespace {

constexpr size_t kHttpThreads = 64;

void Send(httplib::Response& res, const ApiReply& reply, const std::string& request_id) {
  res.status = reply.http_status;
  res.set_header("x-amzn-RequestId", request_id);
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

ControlServer::ControlServer(ControlOptions options, CredentialsFile credentials,
                             Resources resources)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      http_(std::make_unique<httplib::Server>()) {
  services_["elasticache"] =
      MakeElastiCacheService({options_.region, options_.account, options_.dns_zone},
                             resources.groups, resources.users, resources.subnet_groups);
  secrets_manager_ = MakeSecretsManagerService(resources.secrets, resources.rotator);
  services_["ec2"] = MakeEc2Service(
      options_.account, resources.security_groups,
      resources.subnet_groups ? resources.subnet_groups->subnets() : std::vector<Subnet>(),
      options_.region + "a");
  http_->set_payload_max_length(options_.max_body_bytes);
  // One thread per open connection while it is kept alive (cpp-httplib serves a connection on
  // one pool thread until it closes): the default pool of 8 made the 50th concurrent poller wait
  // for 42 others, 640 ms at p99. Threads that mostly wait on sockets cost little.
  http_->new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  // SO_REUSEADDR but not cpp-httplib's default SO_REUSEPORT, with which a second control plane
  // started on the same address would share the port instead of failing to bind; TCP_NODELAY
  // (inherited by accepted sockets), since cpp-httplib writes a reply's headers and body
  // separately: with Nagle the body waited for the client's delayed ACK, 40 ms per request.
  http_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  // cpp-httplib passes every reply of status 400 or more through this handler, and answers an
  // oversized body (413) or an unroutable request itself: those, which have no body yet, get
  // the Query protocol's envelope, so that clients see an AWS error.
  http_->set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;  // one of ours
        }
        const std::string request_id = NewRequestId();
        ApiError error{res.status, "InvalidRequest", "The request was refused."};
        if (res.status == 413) {
          error.code = "RequestEntityTooLarge";
          error.message = "The request body is larger than " +
                          std::to_string(options_.max_body_bytes) + " bytes.";
        } else if (res.status == 404) {
          error.code = "InvalidAction";
          error.message = "This endpoint answers POST requests.";
        }
        Send(res, QueryErrorReply(error, services_.at("elasticache"), request_id), request_id);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string request_id = NewRequestId();
    HttpRequestView view{req.method, req.path, "", {}, req.body};
    if (const size_t q = req.target.find('?'); q != std::string::npos) {
      view.query = req.target.substr(q + 1);
    }
    for (const auto& [name, value] : req.headers) {
      view.headers.emplace(common::ToLower(name), value);
    }
    const Sigv4Result auth = Verify(
        view, [this](std::string_view key) { return credentials_.SecretOf(key); },
        static_cast<int64_t>(std::time(nullptr)), options_.max_clock_skew_seconds);
    // Secrets Manager speaks the JSON protocol: its refusals and answers are JSON.
    // (The scope is read from the header itself when the signature failed: a refused request
    // still gets its service's envelope.)
    auto header = view.headers.find("authorization");
    const std::optional<Sigv4Authorization> scope = auth.authorization ? auth.authorization
                                                    : header != view.headers.end()
                                                        ? ParseAuthorization(header->second)
                                                        : std::nullopt;
    const bool json = scope && scope->service == secrets_manager_.target_prefix;
    if (json) {
      if (auth.failure) {
        Send(res,
             JsonErrorReply({auth.failure->http_status, auth.failure->code, auth.failure->message}),
             request_id);
        return;
      }
      auto target = view.headers.find("x-amz-target");  // names lowercased above
      Send(res,
           AnswerJson(secrets_manager_, target == view.headers.end() ? "" : target->second,
                      req.body, request_id),
           request_id);
      return;
    }
    // The service named in the scope answers, in its envelope; a request whose scope does not
    // read gets ElastiCache's.
    const auto service = scope ? services_.find(scope->service) : services_.end();
    const QueryService& envelope =
        service != services_.end() ? service->second : services_.at("elasticache");
    if (auth.failure) {
      common::Log(common::LogLevel::kNotice,
                  "Refused a request from " + req.remote_addr + ": " + auth.failure->code);
      Send(res,
           QueryErrorReply({auth.failure->http_status, auth.failure->code, auth.failure->message},
                           envelope, request_id),
           request_id);
      return;
    }
    if (service == services_.end()) {
      Send(res,
           QueryErrorReply(
               {400, "InvalidAction",
                "This endpoint does not serve the service '" + auth.authorization->service + "'."},
               envelope, request_id),
           request_id);
      return;
    }
    Send(res, AnswerQuery(service->second, req.body, request_id), request_id);
  });
}

ControlServer::~ControlServer() = default;

bool ControlServer::Listen() {
  if (!http_->bind_to_port(options_.host, options_.port)) {
    return false;
  }
  // Debian's cpp-httplib is a compiled library that listens with a backlog of 5: fifty callers
  // connecting at once had connections dropped and retried a second later (Describe's max
  // latency was 1 s). listen() again on the listening socket only raises its backlog.
  if (listen_fd_ >= 0) {
    ::listen(listen_fd_, kListenBacklog);
  }
  return http_->listen_after_bind();
}

void ControlServer::Stop() {
  http_->stop();
}

}  // namespace redoubt::control
