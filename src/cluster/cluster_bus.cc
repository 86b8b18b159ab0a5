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
    close(link->fd);
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
  if (!source_ip_.empty()) {
    // Best effort, as Redis: a source of the other family (or gone) leaves it to the kernel.
    sockaddr_storage source{};
    auto* s4 = reinterpret_cast<sockaddr_in*>(&source);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&source);
    if (address.ss_family == AF_INET &&
        inet_pton(AF_INET, source_ip_.c_str(), &s4->sin_addr) == 1) {
      s4->sin_family = AF_INET;
      (void)bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(sockaddr_in));
    } else if (address.ss_family == AF_INET6 &&
               inet_pton(AF_INET6, source_ip_.c_str(), &s6->sin6_addr) == 1) {
      s6->sin6_family = AF_INET6;
      (void)bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(sockaddr_in6));
    }
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 && errno != EINPROGRESS) {
    close(fd);
    state_.LinkFailed(c.serial);
    return;
  }
  auto link = std::make_unique<Link>();
  link->fd = fd;
  link->outbound = true;
  link->connecting = true;
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
  close(link->fd);
  link->fd = -1;  // removed from links_ at the end of the pass
}

void ClusterBus::ReportLinks() {
  std::vector<LinkReport> reports;
  for (const auto& link : links_) {
    if (link->fd >= 0 && link->node_serial != 0 && !link->connecting) {
      reports.push_back({.inbound = !link->outbound,
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
    ssize_t n = read(link.fd, buf, sizeof(buf));
    if (n > 0) {
      link.input.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
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
    ssize_t n = send(link.fd, link.output.data(), link.output.size(), MSG_NOSIGNAL);
    if (n > 0) {
      link.output.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
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
            return link != nullptr && link->fd >= 0 && !link->connecting;
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
      }
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
      if (link->fd >= 0 && !link->connecting && !link->output.empty() && !FlushLink(*link)) {
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
      if (link->connecting || !link->output.empty()) {
        events |= POLLOUT;
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
      const short revents = fds[first_link + i].revents;
      if (link.fd < 0 || revents == 0) {
        continue;
      }
      if (link.connecting) {
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(link.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0 || (revents & (POLLERR | POLLHUP))) {
          state_.LinkFailed(link.node_serial);
          Close(&link);
          continue;
        }
        if (!(revents & POLLOUT)) {
          continue;
        }
        link.connecting = false;
        link.local_ip = IpOf(net::LocalAddress(link.fd));
        std::string greeting = state_.GreetingFor(link.node_serial);
        if (greeting.empty()) {
          Close(&link);
          continue;
        }
        Send(link, std::move(greeting));
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
