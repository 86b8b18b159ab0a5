// Tests of the event loop: tasks posted from other threads run on the loop's thread, Stop ends
// Run, the periodic callback fires (also after a batch that overran it), one-shot timers fire
// after their delay, and handlers are told about readable descriptors.
#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace redoubt::net {
namespace {

TEST(EventLoopTest, PostedTasksRunOnTheLoopThread) {
  EventLoop loop;
  std::thread runner([&] { loop.Run(); });
  std::atomic<bool> on_loop_thread{false};
  std::atomic<bool> done{false};

  loop.Post([&] {
    on_loop_thread = loop.InLoopThread();
    done = true;
  });
  while (!done) {
    std::this_thread::yield();
  }
  loop.Stop();
  runner.join();

  EXPECT_TRUE(on_loop_thread);
  EXPECT_FALSE(loop.InLoopThread());
}

// Waits (yielding) until done() or 10 s pass; a loop that stopped waking shows as false.
template <typename Done>
bool WaitFor(Done done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  return done();
}

TEST(EventLoopTest, PeriodicCallbackFires) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  loop.SetPeriodic(1, [&] { ++ticks; });
  std::thread runner([&] { loop.Run(); });

  bool fired = WaitFor([&] { return ticks >= 3; });
  loop.Stop();
  runner.join();

  EXPECT_TRUE(fired) << ticks.load();
}

// A handler whose destruction takes longer than the periodic interval: deleted after a batch
// (DeleteLater), it makes the loop reach its next wait with the periodic deadline passed.
class SlowToDelete : public IoHandler {
 public:
  ~SlowToDelete() override { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }
  void OnEvent(uint32_t) override {}
};

// A deadline already passed when the loop computes its wait means "now", never "no timeout".
TEST(EventLoopTest, PeriodicCallbackKeepsFiringAfterItsDeadlinePassed) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  loop.SetPeriodic(1, [&] { ++ticks; });
  std::thread runner([&] { loop.Run(); });
  bool started = WaitFor([&] { return ticks >= 1; });

  loop.Post([&] { loop.DeleteLater(new SlowToDelete); });
  int seen = 0;
  bool fired = WaitFor([&] {
    seen = ticks;
    return seen >= 5;
  });
  loop.Stop();
  runner.join();

  EXPECT_TRUE(started);
  EXPECT_TRUE(fired) << seen;
}

TEST(EventLoopTest, RunAfterFiresOnceAfterItsDelay) {
  EventLoop loop;
  std::thread runner([&] { loop.Run(); });
  std::atomic<int> fired{0};
  std::atomic<int64_t> waited_us{0};
  auto posted = std::chrono::steady_clock::now();
  loop.Post([&] {
    loop.RunAfter(20, [&] {
      waited_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - posted)
                      .count();
      ++fired;
    });
  });

  bool ran = WaitFor([&] { return fired > 0; });
  loop.Stop();
  runner.join();

  ASSERT_TRUE(ran);
  EXPECT_EQ(fired.load(), 1);
  EXPECT_GE(waited_us.load(), 20000);
}

class PipeReader : public IoHandler {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  void OnEvent(uint32_t events) override {
    char buf[16];
    if ((events & EPOLLIN) && read(fd_, buf, sizeof(buf)) > 0) {
      ++reads;
      if (on_read) {
        on_read();
      }
    }
  }
  std::atomic<int> reads{0};
  std::function<void()> on_read;

 private:
  int fd_;
};

TEST(EventLoopTest, ReadableDescriptorReachesItsHandler) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EventLoop loop;
  PipeReader reader(fds[0]);
  ASSERT_TRUE(loop.Add(fds[0], EPOLLIN, &reader));
  std::thread runner([&] { loop.Run(); });

  ASSERT_EQ(write(fds[1], "x", 1), 1);
  while (reader.reads == 0) {
    std::this_thread::yield();
  }
  loop.Stop();
  runner.join();

  EXPECT_EQ(reader.reads.load(), 1);
  close(fds[0]);
  close(fds[1]);
}

// A task posted by a task runs in the same drain, before a socket that was already ready: the
// chain of wake-ups of a push (BRPOPLPUSH into a list another client waits on) is served before
// the pusher's next request, as in Redis. The pipe becomes ready before the first post, so epoll
// reports it ahead of the wake-up descriptor, and a drain that ran only the tasks queued when it
// began would let the pipe in between.
TEST(EventLoopTest, TasksPostedByTasksRunBeforeReadySockets) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EventLoop loop;
  PipeReader reader(fds[0]);
  std::vector<std::string> order;  // written on the loop thread only
  reader.on_read = [&] { order.push_back("socket"); };
  ASSERT_TRUE(loop.Add(fds[0], EPOLLIN, &reader));
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  loop.Post([&] {
    order.push_back("first task");
    loop.Post([&] { order.push_back("task it posted"); });
  });
  std::thread runner([&] { loop.Run(); });
  while (reader.reads == 0) {
    std::this_thread::yield();
  }
  loop.Stop();
  runner.join();

  EXPECT_EQ(order, (std::vector<std::string>{"first task", "task it posted", "socket"}));
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace redoubt::net
