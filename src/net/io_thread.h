// An I/O thread: an event loop, the thread that runs it, and the acceptors it runs on the
// listening sockets (one per socket; every I/O thread registers every socket with
// EPOLLEXCLUSIVE, acceptor.h). What runs on it besides — connections, command execution — is the
// owner's: the server's IoThread derives from this one and adds them.
//
// Thread: Start/StopAndJoin on the owning (main) thread; the acceptor list only on the loop's
// thread once it runs (or before Start).
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "net/acceptor.h"
#include "net/event_loop.h"

namespace redoubt::net {

class IoThread {
 public:
  explicit IoThread(int index) : index(index) {}
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  virtual ~IoThread() = default;

  // Runs the loop on a new thread.
  void Start();
  // Stops the loop (tasks posted before still run) and waits for the thread.
  void StopAndJoin();

  // Starts accepting on the acceptor's socket (its handler decides what a socket becomes).
  // False when epoll refused it (errno set); the acceptor is kept either way.
  bool AddAcceptor(std::unique_ptr<Acceptor> acceptor);
  // Stops accepting on listen_fd; the acceptor is freed after the current batch of events.
  // Requires: on the loop's thread.
  void RemoveAcceptor(int listen_fd);
  // Stops accepting on every socket (shutdown): a connection still queued in the kernel, or
  // whose event is later in this batch, is no longer accepted. Requires: on the loop's thread.
  void StopAccepting();

  const int index;
  EventLoop loop;

 private:
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::thread thread_;
};

}  // namespace redoubt::net
