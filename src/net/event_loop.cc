// epoll event loop; see event_loop.h.
#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
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
    int64_t wait_us = RunDueTimers();  // -1: no timer
    if (periodic_) {
      // Overdue (the batch ran past it) means now, never "no timeout".
      int64_t periodic_wait = std::max<int64_t>(0, next_periodic - common::MonotonicMicros());
      wait_us = wait_us < 0 ? periodic_wait : std::min(wait_us, periodic_wait);
    }
    int timeout_ms = wait_us < 0 ? -1 : wait_us == 0 ? 0 : static_cast<int>((wait_us + 999) / 1000);
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) {
      REDOUBT_CHECK(false && "epoll_wait failed");
    }
    // Posted tasks run before this batch's sockets: a task posted before a client's next
    // request could arrive (ACL SETUSER closing revoked subscribers on its own thread, before
    // its reply went out) then acts before that request, as Redis's synchronous frees do.
    // The wake-up's place among the ready events is not that order: epoll re-queues a
    // level-triggered socket it just reported ahead of descriptors that became ready later.
    if (tasks_pending_.load(std::memory_order_acquire)) {
      DrainWakeAndTasks();
    }
    for (int i = 0; i < n; ++i) {
      auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
      if (handler == kWakeMarker) {
        DrainWakeAndTasks();
        continue;
      }
      handler->OnEvent(events[i].events);
    }
    if (periodic_ && common::MonotonicMicros() >= next_periodic) {
      periodic_();
      next_periodic = common::MonotonicMicros() + int64_t{periodic_ms_} * 1000;
    }
    // Before the handlers closed in this batch are freed: it may still reach them.
    if (before_sleep_) {
      before_sleep_();
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

void EventLoop::HandleOthersNow(const IoHandler* busy) {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 0);
  for (int i = 0; i < n; ++i) {
    auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
    if (handler != kWakeMarker && handler != busy) {
      handler->OnEvent(events[i].events);
    }
  }
}

void EventLoop::Stop() {
  running_.store(false, std::memory_order_release);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Post(std::function<void()> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&tasks_mu_);
    was_empty = tasks_.empty();
    tasks_.push_back(std::move(task));
    tasks_pending_.store(true, std::memory_order_release);
  }
  // One wake-up per batch: the loop drains every queued task when it wakes, so a task queued
  // behind others needs no write of its own (MONITOR posts one task per command).
  if (was_empty) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
}

void EventLoop::DrainWakeAndTasks() {
  uint64_t count;
  while (read(wake_fd_, &count, sizeof(count)) > 0) {
  }
  DrainTasks();
}

void EventLoop::DrainTasks() {
  // Tasks that the drained ones post run in the same drain, before any socket of this batch: a
  // push that wakes a blocked BRPOPLPUSH whose push wakes another waiter on this thread is then
  // served whole before the pusher's next request is read, as Redis serves the chain before the
  // next command. Bounded, so a task that keeps re-posting itself cannot starve the sockets.
  constexpr int kMaxRounds = 64;
  std::vector<std::function<void()>> batch;
  for (int round = 0; round < kMaxRounds; ++round) {
    {
      absl::MutexLock lock(&tasks_mu_);
      if (tasks_.empty()) {
        tasks_pending_.store(false, std::memory_order_relaxed);
        return;
      }
      batch.clear();
      batch.swap(tasks_);
      tasks_pending_.store(false, std::memory_order_relaxed);
    }
    for (auto& task : batch) {
      task();
    }
  }
}

bool EventLoop::Add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
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

void EventLoop::RunAfter(int delay_ms, std::function<void()> fn) {
  timers_.push_back({common::MonotonicMicros() + int64_t{delay_ms} * 1000, std::move(fn)});
}

int64_t EventLoop::RunDueTimers() {
  if (timers_.empty()) {
    return -1;
  }
  int64_t now = common::MonotonicMicros();
  std::vector<std::function<void()>> due;
  int64_t next = -1;
  for (size_t i = 0; i < timers_.size();) {
    if (timers_[i].due_us <= now) {
      due.push_back(std::move(timers_[i].fn));
      timers_[i] = std::move(timers_.back());
      timers_.pop_back();
    } else {
      int64_t wait = timers_[i].due_us - now;
      next = next < 0 ? wait : std::min(next, wait);
      ++i;
    }
  }
  for (auto& fn : due) {
    fn();  // may add timers: they are waited for on the next turn
  }
  return due.empty() ? next : 0;
}

}  // namespace redoubt::net
