// Accepts connections on one listening socket for one event loop. Every I/O thread's loop
// registers every listening socket with EPOLLEXCLUSIVE, so the kernel wakes one loop per
// incoming connection and connections spread over the threads without an acceptor thread
// handing them over. What to do with an accepted socket (admission: network-allow, maxclients,
// plaintext or TLS) is the owner's, behind AcceptHandler: net knows no policy.
//
// Running out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) leaves the connection
// queued and the socket readable, so a level-triggered loop would call accept4 again at once
// and spin a core. The acceptor stops watching the socket for a back-off instead, tells its
// handler (which counts and logs at a limited rate), and watches it again afterwards; the
// queued connections are accepted then, when descriptors are free again.
//
// Thread: created on any thread before its loop runs, or on its loop's thread; used only on
// the loop's thread. The order mutex is shared by every acceptor of a server.
#pragma once

#include <absl/synchronization/mutex.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>

#include "net/event_loop.h"

namespace redoubt::net {

class AcceptHandler {
 public:
  virtual ~AcceptHandler() = default;
  // Called with the order mutex held, right after accept4 succeeded: the handler numbers the
  // connection there, so that numbers follow the kernel's queue even when loops accept at once
  // (Redis promises that a greater CLIENT ID connected later).
  virtual uint64_t NextConnectionId() = 0;
  // A new connection; the handler owns fd from here on.
  virtual void OnAccepted(int fd, const sockaddr_storage& peer, uint64_t id) = 0;
  // accept4 failed with `error` for want of resources; accepting resumes after backoff_ms.
  virtual void OnAcceptExhausted(int error, int backoff_ms) = 0;
};

class Acceptor final : public IoHandler {
 public:
  // How long accepting pauses after EMFILE and the like: long enough not to spin, short
  // enough that a client whose connection waits in the queue barely notices.
  static constexpr int kBackoffMs = 100;
  // Connections accepted per wake-up at most, so that a storm of them cannot starve the
  // loop's established clients.
  static constexpr int kBatch = 64;

  Acceptor(EventLoop& loop, int listen_fd, absl::Mutex& order_mu,
           std::unique_ptr<AcceptHandler> handler);
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;
  ~Acceptor() override;

  // Registers the socket with the loop. False (errno set) when epoll refused it.
  [[nodiscard]] bool Start();
  // Unregisters it (a pending resume is cancelled). Requires: on the loop's thread.
  void Stop();
  void OnEvent(uint32_t events) override;

  int listen_fd() const { return listen_fd_; }
  AcceptHandler& handler() { return *handler_; }

 private:
  void PauseAfter(int error);

  EventLoop& loop_;
  const int listen_fd_;
  // Guards no field: held around accept4 and the numbering, so that they happen in one step.
  absl::Mutex& order_mu_;
  const std::unique_ptr<AcceptHandler> handler_;
  bool watching_ = false;
  // A resume timer holds a weak reference: it expires with the acceptor or at Stop(), so a
  // timer firing after either does nothing.
  std::shared_ptr<Acceptor*> self_;
};

}  // namespace redoubt::net
