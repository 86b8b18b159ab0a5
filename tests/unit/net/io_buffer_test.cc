// Tests of the connection input buffer: append, consume, compaction and growth keep the
// unconsumed bytes intact.
#include "net/io_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace redoubt::net {
namespace {

void Append(IoBuffer& b, std::string_view s) {
  b.Reserve(s.size());
  std::memcpy(b.write_ptr(), s.data(), s.size());
  b.Commit(s.size());
}

TEST(IoBufferTest, ConsumeKeepsTheRest) {
  IoBuffer b;
  Append(b, "hello world");

  b.Consume(6);

  EXPECT_EQ(b.readable(), "world");
}

TEST(IoBufferTest, GrowthAndCompactionPreserveUnconsumedBytes) {
  IoBuffer b;
  Append(b, std::string(10000, 'a'));
  b.Consume(9990);
  std::string big(100000, 'b');

  Append(b, big);

  EXPECT_EQ(b.size(), 10u + big.size());
  EXPECT_EQ(b.readable().substr(0, 10), std::string(10, 'a'));
  EXPECT_EQ(b.readable().substr(10), big);
}

TEST(IoBufferTest, EmptyBufferReleasesItsStorage) {
  IoBuffer b;
  Append(b, std::string(1 << 20, 'x'));
  b.Consume(1 << 20);

  b.Release();

  EXPECT_EQ(b.capacity(), 0u);
}

TEST(IoBufferTest, BufferWithDataIsNotReleased) {
  IoBuffer b;
  Append(b, "abc");

  b.Release();

  EXPECT_EQ(b.readable(), "abc");
}

TEST(IoBufferTest, ShrinkKeepsTheDataAndAtLeastItsSize) {
  IoBuffer b;
  Append(b, std::string(1 << 20, 'x'));
  b.Consume((1 << 20) - 100);

  b.ShrinkTo(16 * 1024);

  EXPECT_EQ(b.capacity(), 16u * 1024);
  EXPECT_EQ(b.readable(), std::string(100, 'x'));
  b.ShrinkTo(10);
  EXPECT_EQ(b.capacity(), 100u);
}

TEST(IoBufferTest, ReserveExactGrowsToExactlyWhatIsNeeded) {
  IoBuffer b;
  Append(b, "ab");

  b.ReserveExact(1000000);

  EXPECT_EQ(b.capacity(), 2u + 1000000u);
  EXPECT_EQ(b.readable(), "ab");
}

}  // namespace
}  // namespace redoubt::net
