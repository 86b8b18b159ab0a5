// The cluster bus's links and thread; see cluster_bus.h.
#include "cluster/cluster_bus.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/clock.h"
#include "common/errno_text.h"
#include "common/log.h"
#include "net/socket_util.h"

namespace redoubt::cluster {
namespace {

constexpr int kTickMs = 100;
constexpr size_t kReadChunk = 64 * 1024;
// Without a BusSecurity (no TLS on this bus), how long an inbound link may stay silent before
// its first byte, and an outbound connect() may take.
constexpr int64_t kDefaultSetupTimeoutMs = 5000;
// The first byte of a TLS handshake record; Redis's bus messages start with "RCmb".
constexpr unsigned char kTlsHandshakeRecord = 0x16;

// "ip" of an "ip:port" address (the port follows the last colon).
std::string IpOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

ClusterBus::~ClusterBus() {
  Stop();
}

absl::Status ClusterBus::Start(const std::vector<std::string>& bind, int port) {
  for (const std::string& address : bind) {
    absl::StatusOr<int> fd = net::ListenTcp(address, port, 511);
    if (!fd.ok()) {
      for (int open_fd : listen_fds_) {
        close(open_fd);
      }
      listen_fds_.clear();
      return absl::FailedPreconditionError(
          "Failed listening on port " + std::to_string(port) +
          " (cluster), aborting: " + std::string(fd.status().message()));
    }
    if (*fd >= 0) {  // an optional address ("-::1") that is not there gives -1
      listen_fds_.push_back(*fd);
    }
  }
  if (!bind.empty()) {
    std::string first = bind.front();
    if (!first.empty() && first[0] == '-') {
      first.erase(0, 1);
    }
    if (first != "*" && first != "0.0.0.0" && first != "::" && first != "::*") {
      source_ip_ = first;
    }
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void ClusterBus::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  stop_.store(true);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  for (auto& link : links_) {
    Close(link.get());
  }
  links_.clear();
  for (int fd : listen_fds_) {
    close(fd);
  }
  close(wake_fd_);
}

void ClusterBus::Publish(std::string_view channel, std::string_view message, bool shard) {
  std::vector<uint64_t> targets;
  std::string bytes = state_.PublishMessage(channel, message, shard, &targets);
  if (targets.empty()) {
    return;
  }
  {
    absl::MutexLock lock(&outbox_mu_);
    for (uint64_t serial : targets) {
      outbox_.emplace_back(serial, bytes);
    }
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

ClusterBus::Link* ClusterBus::OutboundLinkOf(uint64_t serial) {
  for (auto& link : links_) {
    if (link->outbound && link->node_serial == serial) {
      return link.get();
    }
  }
  return nullptr;
}

void ClusterBus::Accept(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    net::SetNoDelay(fd);
    auto link = std::make_unique<Link>();
    link->fd = fd;
    link->stage = Stage::kClassifying;
    link->setup_deadline_ms = common::MonotonicMillis() + SetupTimeoutMs();
    link->created_ms = common::UnixMillis();
    link->peer_ip = IpOf(net::PeerAddress(fd));
    link->local_ip = IpOf(net::LocalAddress(fd));
    links_.push_back(std::move(link));
  }
}

void ClusterBus::Connect(const BusActions::Connect& c) {
  if (OutboundLinkOf(c.serial) != nullptr) {
    return;
  }
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, c.ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(c.cport));
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, c.ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(c.cport));
    length = sizeof(sockaddr_in6);
  } else {
    state_.LinkFailed(c.serial);
    return;
  }
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    state_.LinkFailed(c.serial);
    return;
  }
  net::SetNoDelay(fd);
  net::BindSourceBestEffort(fd, address.ss_family, source_ip_);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 && errno != EINPROGRESS) {
    close(fd);
    state_.LinkFailed(c.serial);
    return;
  }
  auto link = std::make_unique<Link>();
  link->fd = fd;
  link->outbound = true;
  link->stage = Stage::kConnecting;
  link->setup_deadline_ms = common::MonotonicMillis() + SetupTimeoutMs();
  link->node_serial = c.serial;
  link->created_ms = common::UnixMillis();
  link->peer_ip = c.ip;
  links_.push_back(std::move(link));
}

void ClusterBus::Send(Link& link, std::string bytes) {
  state_.CountMessage(TypeOfEncoded(bytes), /*sent=*/true);  // CLUSTER INFO's figures
  link.output += bytes;
}

void ClusterBus::Close(Link* link) {
  if (link->io != nullptr) {
    link->io.reset();  // closes the socket (a TLS session sends close_notify first)
  } else if (link->fd >= 0) {
    close(link->fd);
  }
  link->fd = -1;  // removed from links_ at the end of the pass
}

int64_t ClusterBus::SetupTimeoutMs() const {
  return security_ != nullptr ? security_->handshake_timeout_ms() : kDefaultSetupTimeoutMs;
}

void ClusterBus::LogLinkProblem(const std::string& text) {
  // At most one line a second: a peer with a wrong certificate retries ten times a second.
  const int64_t now = common::MonotonicMillis();
  if (now - last_problem_logged_ms_ < 1000) {
    ++problems_not_logged_;
    return;
  }
  std::string line = text;
  if (problems_not_logged_ > 0) {
    line += " (" + std::to_string(problems_not_logged_) + " similar messages not logged)";
  }
  common::Log(common::LogLevel::kWarning, line);
  last_problem_logged_ms_ = now;
  problems_not_logged_ = 0;
}

bool ClusterBus::FinishConnect(Link& link, short revents) {
  int error = 0;
  socklen_t length = sizeof(error);
  getsockopt(link.fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0 || (revents & (POLLERR | POLLHUP))) {
    return false;
  }
  if (!(revents & POLLOUT)) {
    return true;  // still connecting
  }
  link.local_ip = IpOf(net::LocalAddress(link.fd));
  if (security_ != nullptr && security_->ConnectsWithTls()) {
    std::string why;
    link.io = security_->ConnectTls(link.fd, &why);
    if (link.io == nullptr) {
      link.fd = -1;  // taken and closed
      LogLinkProblem("Cluster bus: no TLS link to " + link.peer_ip + ": " + why);
      return false;
    }
    link.stage = Stage::kHandshaking;
    return ContinueHandshake(link);
  }
  link.io = PlainBusTransport(link.fd);
  return Opened(link);
}

bool ClusterBus::Classify(Link& link) {
  unsigned char first = 0;
  ssize_t n;
  do {
    n = recv(link.fd, &first, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  if (n == 0) {
    return false;
  }
  if (first == kTlsHandshakeRecord) {
    std::string why = "this node's bus takes no TLS (tls-mode none)";
    link.io = security_ != nullptr ? security_->AcceptTls(link.fd, &why) : nullptr;
    if (link.io == nullptr) {
      if (security_ != nullptr) {
        link.fd = -1;  // taken and closed
      }
      LogLinkProblem("Cluster bus: TLS link from " + link.peer_ip + " refused: " + why);
      return false;
    }
    link.stage = Stage::kHandshaking;
    return ContinueHandshake(link);
  }
  if (security_ != nullptr && !security_->AcceptsPlaintext()) {
    LogLinkProblem("Cluster bus: plaintext link from " + link.peer_ip +
                   " refused: tls-mode is required (set tls-cluster yes on that node)");
    return false;
  }
  link.io = PlainBusTransport(link.fd);
  return Opened(link);
}

bool ClusterBus::ContinueHandshake(Link& link) {
  std::string why;
  const BusTransport::Step step = link.io->Handshake(&why);
  switch (step) {
    case BusTransport::Step::kDone:
      return Opened(link);
    case BusTransport::Step::kFailed:
      LogLinkProblem("Cluster bus: TLS handshake " + std::string(link.outbound ? "to " : "from ") +
                     link.peer_ip + " failed: " + why);
      return false;
    default:
      link.handshake_wants = step;
      return true;
  }
}

bool ClusterBus::Opened(Link& link) {
  link.stage = Stage::kOpen;
  if (!link.outbound) {
    return true;  // the peer speaks first
  }
  std::string greeting = state_.GreetingFor(link.node_serial);
  if (greeting.empty()) {
    return false;
  }
  // First on the wire, before what was queued for the node while the link was being set up.
  state_.CountMessage(TypeOfEncoded(greeting), /*sent=*/true);
  link.output.insert(0, greeting);
  return true;
}

void ClusterBus::CloseLinksOfTheWrongKind() {
  if (security_ == nullptr) {
    return;
  }
  const bool tls_out = security_->ConnectsWithTls();
  const bool plaintext_in = security_->AcceptsPlaintext();
  for (auto& link : links_) {
    if (link->fd < 0 || link->io == nullptr) {
      continue;
    }
    if (link->outbound && link->io->tls() != tls_out) {
      // Reopened by the next tick's BusCron, of the kind the settings now ask for.
      common::Log(common::LogLevel::kNotice,
                  "Cluster bus: reconnecting to " + link->peer_ip + " over " +
                      (tls_out ? "TLS (tls-cluster yes)" : "plaintext (tls-cluster no)"));
      Close(link.get());
    } else if (!link->outbound && !link->io->tls() && !plaintext_in) {
      common::Log(common::LogLevel::kNotice, "Cluster bus: closing the plaintext link from " +
                                                 link->peer_ip + " (tls-mode required)");
      Close(link.get());
    }
  }
}

void ClusterBus::ReportLinks() {
  std::vector<LinkReport> reports;
  for (const auto& link : links_) {
    if (link->fd >= 0 && link->node_serial != 0 && link->stage == Stage::kOpen) {
      reports.push_back({.inbound = !link->outbound,
                         .tls = link->io->tls(),
                         .node_serial = link->node_serial,
                         .created_ms = link->created_ms,
                         .writing = !link->output.empty(),
                         .send_buffer_used = link->output.size(),
                         .send_buffer_allocated = link->output.capacity()});
    }
  }
  state_.ReportLinks(std::move(reports));
}

void ClusterBus::FollowRoleChange() {
  if (state_.role_changed()) {
    BusActions actions;
    state_.SyncReplicationRole(&actions);
    Apply(actions, nullptr);
  }
}

void ClusterBus::Apply(BusActions& actions, Link* origin) {
  if (origin != nullptr) {
    for (std::string& reply : actions.reply) {
      Send(*origin, std::move(reply));
    }
    if (actions.tie_link_to != 0 && !origin->outbound) {
      // One inbound link per node: an older one is closed.
      for (auto& link : links_) {
        if (link.get() != origin && !link->outbound && link->node_serial == actions.tie_link_to &&
            link->fd >= 0) {
          Close(link.get());
        }
      }
      origin->node_serial = actions.tie_link_to;
    }
    if (actions.close_this_link) {
      Close(origin);
    }
  }
  for (auto& [serial, bytes] : actions.to_node) {
    if (Link* link = OutboundLinkOf(serial); link != nullptr && link->fd >= 0) {
      Send(*link, std::move(bytes));
    }
  }
  for (uint64_t serial : actions.close_links) {
    for (auto& link : links_) {
      if (link->node_serial == serial && link->fd >= 0) {
        Close(link.get());
      }
    }
  }
  for (const BusActions::Connect& c : actions.connect) {
    Connect(c);
  }
  for (const BusActions::Delivery& d : actions.deliveries) {
    deliver_(d.channel, d.message, d.shard);
  }
}

bool ClusterBus::ReadLink(Link& link) {
  char buf[kReadChunk];
  for (;;) {
    net::IoResult r = link.io->Read(buf, sizeof(buf));
    if (r.kind == net::IoResult::kOk) {
      link.input.append(buf, r.bytes);
      continue;
    }
    if (r.kind == net::IoResult::kWouldBlock) {
      break;
    }
    return false;
  }
  size_t used = 0;
  for (;;) {
    BusMessage m;
    size_t consumed = 0;
    DecodeStatus status =
        DecodeBusMessage(std::string_view(link.input).substr(used), &m, &consumed);
    if (status == DecodeStatus::kNeedMore) {
      break;
    }
    if (status == DecodeStatus::kCorrupt) {
      common::Log(common::LogLevel::kWarning,
                  "Bad message on the cluster bus from " + link.peer_ip + ": closing the link");
      return false;
    }
    used += consumed;
    if (status == DecodeStatus::kSkipped) {
      continue;
    }
    state_.CountMessage(m.type, /*sent=*/false);
    LinkContext context{.outbound = link.outbound,
                        .node_serial = link.node_serial,
                        .peer_ip = link.peer_ip,
                        .local_ip = link.local_ip};
    BusActions actions;
    state_.HandleBusMessage(m, context, &actions);
    Apply(actions, &link);
    FollowRoleChange();
    if (link.fd < 0) {
      return true;  // closed by the message's handling; already removed from service
    }
  }
  link.input.erase(0, used);
  return true;
}

bool ClusterBus::FlushLink(Link& link) {
  while (!link.output.empty()) {
    net::IoResult r = link.io->Write(link.output.data(), link.output.size());
    if (r.kind == net::IoResult::kOk && r.bytes > 0) {
      link.output.erase(0, r.bytes);
      continue;
    }
    return r.kind == net::IoResult::kWouldBlock;
  }
  return true;
}

void ClusterBus::Run() {
  int64_t next_tick = common::MonotonicMillis();
  std::vector<pollfd> fds;
  std::vector<Link*> polled;
  while (!stop_.load()) {
    const int64_t now = common::MonotonicMillis();
    if (now >= next_tick) {
      next_tick = now + kTickMs;
      BusActions actions;
      state_.BusCron(
          [this](uint64_t serial) {
            Link* link = OutboundLinkOf(serial);
            return link != nullptr && link->fd >= 0 && link->stage == Stage::kOpen;
          },
          &actions);
      Apply(actions, nullptr);
      FollowRoleChange();
      // Links of nodes that are no longer known (forgotten, reset, a finished handshake's
      // duplicate) close; the state no longer speaks for them.
      for (auto& link : links_) {
        if (link->fd >= 0 && link->node_serial != 0 && !state_.KnowsSerial(link->node_serial)) {
          Close(link.get());
        }
        if (link->fd >= 0 && link->stage != Stage::kOpen && now > link->setup_deadline_ms) {
          LogLinkProblem("Cluster bus: link " + std::string(link->outbound ? "to " : "from ") +
                         link->peer_ip + " not set up within " + std::to_string(SetupTimeoutMs()) +
                         " ms: closing it");
          if (link->outbound) {
            state_.LinkFailed(link->node_serial);
          }
          Close(link.get());
        }
      }
      CloseLinksOfTheWrongKind();
      ReportLinks();
    }
    std::vector<std::pair<uint64_t, std::string>> outbox;
    {
      absl::MutexLock lock(&outbox_mu_);
      outbox.swap(outbox_);
    }
    for (auto& [serial, bytes] : outbox) {
      if (Link* link = OutboundLinkOf(serial); link != nullptr && link->fd >= 0) {
        Send(*link, std::move(bytes));
      }
    }
    for (auto& link : links_) {
      if (link->fd >= 0 && link->stage == Stage::kOpen && !link->output.empty() &&
          !FlushLink(*link)) {
        Close(link.get());
      }
    }
    std::erase_if(links_, [](const std::unique_ptr<Link>& l) { return l->fd < 0; });
    fds.clear();
    polled.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    for (int fd : listen_fds_) {
      fds.push_back({fd, POLLIN, 0});
    }
    for (auto& link : links_) {
      short events = POLLIN;
      switch (link->stage) {
        case Stage::kConnecting:
          events = POLLOUT;
          break;
        case Stage::kClassifying:
          break;
        case Stage::kHandshaking:
          events = link->handshake_wants == BusTransport::Step::kWantWrite ? POLLOUT : POLLIN;
          break;
        case Stage::kOpen:
          if (!link->output.empty()) {
            events |= POLLOUT;
          }
          break;
      }
      fds.push_back({link->fd, events, 0});
      polled.push_back(link.get());
    }
    const int wait = static_cast<int>(std::max<int64_t>(0, next_tick - common::MonotonicMillis()));
    if (poll(fds.data(), fds.size(), wait) < 0 && errno != EINTR) {
      common::Log(common::LogLevel::kWarning,
                  "Cluster bus poll failed: " + common::ErrnoText(errno));
      continue;
    }
    for (size_t i = 1; i <= listen_fds_.size(); ++i) {
      if (fds[i].revents & POLLIN) {
        Accept(fds[i].fd);
      }
    }
    const size_t first_link = 1 + listen_fds_.size();
    for (size_t i = 0; i < polled.size(); ++i) {
      Link& link = *polled[i];
      short revents = fds[first_link + i].revents;
      if (link.fd < 0 || revents == 0) {
        continue;
      }
      if (link.stage != Stage::kOpen) {
        bool keep = true;
        switch (link.stage) {
          case Stage::kConnecting:
            keep = FinishConnect(link, revents);
            break;
          case Stage::kClassifying:
            keep = Classify(link);
            break;
          default:
            keep = ContinueHandshake(link);
            break;
        }
        if (!keep) {
          if (link.outbound) {
            state_.LinkFailed(link.node_serial);
          }
          Close(&link);
          continue;
        }
        if (link.stage != Stage::kOpen) {
          continue;
        }
        // Just opened: a TLS session may already hold the peer's first message, which poll()
        // would not report.
        revents |= POLLIN;
      }
      if ((revents & (POLLIN | POLLHUP | POLLERR)) && !ReadLink(link)) {
        if (link.outbound) {
          state_.LinkFailed(link.node_serial);
        }
        Close(&link);
        continue;
      }
      if (link.fd >= 0 && (revents & POLLOUT) && !FlushLink(link)) {
        Close(&link);
      }
    }
    if (fds[0].revents & POLLIN) {
      uint64_t drained;
      (void)!read(wake_fd_, &drained, sizeof(drained));
    }
  }
}

}  // namespace redoubt::cluster
