// Accepting on a listening socket, with a back-off when descriptors run out; see acceptor.h.
#include "net/acceptor.h"

#include <sys/epoll.h>

#include <cerrno>

namespace redoubt::net {
namespace {

// Failures that leave the connection queued until resources free up: retrying at once spins.
bool IsResourceExhaustion(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Acceptor::Acceptor(EventLoop& loop, int listen_fd, absl::Mutex& order_mu,
                   std::unique_ptr<AcceptHandler> handler)
    : loop_(loop),
      listen_fd_(listen_fd),
      order_mu_(order_mu),
      handler_(std::move(handler)),
      self_(std::make_shared<Acceptor*>(this)) {}

Acceptor::~Acceptor() = default;

bool Acceptor::Start() {
  // EPOLLEXCLUSIVE cannot be changed by EPOLL_CTL_MOD: pausing removes the socket and resuming
  // adds it again.
  watching_ = loop_.Add(listen_fd_, EPOLLIN | EPOLLEXCLUSIVE, this);
  return watching_;
}

void Acceptor::Stop() {
  if (watching_) {
    loop_.Remove(listen_fd_);
    watching_ = false;
  }
  self_ = std::make_shared<Acceptor*>(this);  // a pending resume's token expires
}

void Acceptor::OnEvent(uint32_t) {
  for (int i = 0; i < kBatch && watching_; ++i) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    int fd;
    uint64_t id = 0;
    {
      absl::MutexLock lock(&order_mu_);
      fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        id = handler_->NextConnectionId();
      }
    }
    if (fd < 0) {
      if (IsResourceExhaustion(errno)) {
        PauseAfter(errno);
      }
      // Otherwise EAGAIN (another loop took it), or a connection that died in the queue
      // (ECONNABORTED and the like): wait for the next event.
      return;
    }
    handler_->OnAccepted(fd, peer, id);
  }
}

void Acceptor::PauseAfter(int error) {
  loop_.Remove(listen_fd_);
  watching_ = false;
  handler_->OnAcceptExhausted(error, kBackoffMs);
  std::weak_ptr<Acceptor*> token = self_;
  loop_.RunAfter(kBackoffMs, [token] {
    std::shared_ptr<Acceptor*> self = token.lock();
    if (self != nullptr && !(*self)->watching_) {
      // If epoll refuses it now, the next back-off tries again.
      if (!(*self)->Start()) {
        (*self)->PauseAfter(errno);
      }
    }
  });
}

}  // namespace redoubt::net
