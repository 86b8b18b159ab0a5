// Tests of the event loop: tasks posted from other threads run on the loop's thread, Stop ends
// Run, the periodic callback fires (also when overdue), and handlers are told about readable
// descriptors.
#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

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

TEST(EventLoopTest, PeriodicCallbackFires) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  loop.SetPeriodic(1, [&] { ++ticks; });
  std::thread runner([&] { loop.Run(); });

  while (ticks < 3) {
    std::this_thread::yield();
  }
  loop.Stop();
  runner.join();

  EXPECT_GE(ticks.load(), 3);
}

TEST(EventLoopTest, OverduePeriodicCallbackStillFires) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  loop.SetPeriodic(1, [&] { ++ticks; });
  // A timer slower than the period makes the periodic callback overdue before the first wait.
  loop.RunAfter(0, [] { std::this_thread::sleep_for(std::chrono::milliseconds(5)); });
  std::thread runner([&] { loop.Run(); });

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ticks.load() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  bool fired = ticks.load() >= 1;
  loop.Stop();
  runner.join();

  EXPECT_TRUE(fired);
}

class PipeReader : public IoHandler {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  void OnEvent(uint32_t events) override {
    char buf[16];
    if ((events & EPOLLIN) && read(fd_, buf, sizeof(buf)) > 0) {
      ++reads;
    }
  }
  std::atomic<int> reads{0};

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

}  // namespace
}  // namespace redoubt::net
