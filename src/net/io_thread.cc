// An I/O thread: loop, thread, acceptors; see io_thread.h.
#include "net/io_thread.h"

#include <algorithm>

namespace redoubt::net {

void IoThread::Start() {
  thread_ = std::thread([this] { loop.Run(); });
}

void IoThread::StopAndJoin() {
  loop.Stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool IoThread::AddAcceptor(std::unique_ptr<Acceptor> acceptor) {
  Acceptor* raw = acceptor.get();
  acceptors_.push_back(std::move(acceptor));
  return raw->Start();
}

void IoThread::RemoveAcceptor(int listen_fd) {
  auto it = std::find_if(acceptors_.begin(), acceptors_.end(),
                         [listen_fd](const auto& a) { return a->listen_fd() == listen_fd; });
  if (it == acceptors_.end()) {
    return;
  }
  (*it)->Stop();
  loop.DeleteLater(it->release());  // an event for it may follow in this batch
  acceptors_.erase(it);
}

void IoThread::StopAccepting() {
  for (auto& acceptor : acceptors_) {
    acceptor->Stop();  // OnEvent checks watching_ before every accept4
  }
}

}  // namespace redoubt::net
