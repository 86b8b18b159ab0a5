// epoll event loop; see event_loop.h.
#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "common/check.h"
#include "common/clock.h"

namespace redoubt::net {
namespace {

// Marks the wake-up eventfd in epoll's data field; real handlers are never at this address.
IoHandler* const kWakeMarker = nullptr;

}  // namespace

EventLoop::EventLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  REDOUBT_CHECK(epoll_fd_ >= 0 && wake_fd_ >= 0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = kWakeMarker;
  REDOUBT_CHECK(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) == 0);
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

void EventLoop::Run() {
  thread_id_.store(std::this_thread::get_id());
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int64_t next_periodic = common::MonotonicMicros();
  while (running_.load(std::memory_order_acquire)) {
    int timeout_ms = -1;
    if (periodic_) {
      int64_t wait_us = next_periodic - common::MonotonicMicros();
      timeout_ms = wait_us <= 0 ? 0 : static_cast<int>((wait_us + 999) / 1000);
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) {
      REDOUBT_CHECK(false && "epoll_wait failed");
    }
    for (int i = 0; i < n; ++i) {
      auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
      if (handler == kWakeMarker) {
        uint64_t count;
        while (read(wake_fd_, &count, sizeof(count)) > 0) {
        }
        DrainTasks();
        continue;
      }
      handler->OnEvent(events[i].events);
    }
    if (periodic_ && common::MonotonicMicros() >= next_periodic) {
      periodic_();
      next_periodic = common::MonotonicMicros() + int64_t{periodic_ms_} * 1000;
    }
    for (IoHandler* h : doomed_) {
      delete h;
    }
    doomed_.clear();
  }
  DrainTasks();
  for (IoHandler* h : doomed_) {
    delete h;
  }
  doomed_.clear();
}

void EventLoop::Stop() {
  running_.store(false, std::memory_order_release);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Post(std::function<void()> task) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    was_empty = tasks_.empty();
    tasks_.push_back(std::move(task));
  }
  // One wake-up per batch: the loop drains every queued task when it wakes, so a task queued
  // behind others needs no write of its own (MONITOR posts one task per command).
  if (was_empty) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
}

void EventLoop::DrainTasks() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) {
    task();
  }
}

void EventLoop::Add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  REDOUBT_CHECK(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0);
}

void EventLoop::Modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::Remove(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::DeleteLater(IoHandler* handler) {
  doomed_.push_back(handler);
}

void EventLoop::SetPeriodic(int period_ms, std::function<void()> fn) {
  periodic_ms_ = period_ms;
  periodic_ = std::move(fn);
}

}  // namespace redoubt::net
