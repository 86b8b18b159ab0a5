// One epoll event loop per I/O thread. Connections are confined to the loop that accepted
// them; other threads reach them only by posting a task (Post), never by locking.
//
// Thread: Run() on its own thread; Post() and Stop() from any thread; everything else only
// on the loop's thread.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace redoubt::net {

// Something with a file descriptor registered in a loop.
class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // events: EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP bits.
  virtual void OnEvent(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Runs until Stop(). Requires: called once, on the thread that will own the loop.
  void Run();
  void Stop();
  // Runs task on the loop's thread soon. Thread-safe.
  void Post(std::function<void()> task);
  bool InLoopThread() const { return std::this_thread::get_id() == thread_id_.load(); }

  // epoll_ctl can fail for want of kernel memory or of epoll watches (max_user_watches): the
  // caller closes that one connection instead of the server aborting. errno says why.
  [[nodiscard]] bool Add(int fd, uint32_t events, IoHandler* handler);
  [[nodiscard]] bool Modify(int fd, uint32_t events, IoHandler* handler);
  void Remove(int fd);
  // Deletes handler after the current batch of events, so that an event for it later in the
  // same batch never reaches freed memory.
  void DeleteLater(IoHandler* handler);
  // From inside a handler that runs for long (a busy script): handles the events ready now
  // for every handler but `busy`, without waiting, and without the posted tasks, timers or
  // before-sleep work, which may need what the long handler holds. Level-triggered events
  // skipped here are reported again by the next wait.
  void HandleOthersNow(const IoHandler* busy);
  // Calls fn about every period_ms on the loop's thread (client timeouts, pauses).
  void SetPeriodic(int period_ms, std::function<void()> fn);
  // Runs fn after each batch of events, before the loop waits again (Redis's beforeSleep):
  // what the batch's handlers left to do once for all of them (the AOF's write and sync, then
  // the replies that waited for it). Set before Run.
  void SetBeforeSleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }
  // Calls fn once, on the loop's thread, after about delay_ms (an acceptor's back-off). A few
  // at a time at most: kept in a vector and scanned once per loop turn.
  void RunAfter(int delay_ms, std::function<void()> fn);

 private:
  void DrainTasks();
  void DrainWakeAndTasks();  // empties the eventfd, then runs the queued tasks

  const int epoll_fd_;
  const int wake_fd_;  // eventfd: wakes epoll_wait for posted tasks and Stop()
  // True from construction: a Stop() that comes before the thread enters Run() (a SIGTERM
  // right after start) must still end it, so Run() never sets it.
  std::atomic<bool> running_{true};
  std::atomic<std::thread::id> thread_id_{};
  absl::Mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_ ABSL_GUARDED_BY(tasks_mu_);
  // Set with tasks_ non-empty (under tasks_mu_), read without the lock once per iteration.
  std::atomic<bool> tasks_pending_{false};
  // Only on the loop's thread.
  std::vector<IoHandler*> doomed_;
  int periodic_ms_ = 0;
  std::function<void()> periodic_;
  std::function<void()> before_sleep_;
  struct Timer {
    int64_t due_us;
    std::function<void()> fn;
  };
  std::vector<Timer> timers_;
  // Runs the timers that are due; returns the wait until the next one in µs (-1: none).
  int64_t RunDueTimers();
};

}  // namespace redoubt::net
