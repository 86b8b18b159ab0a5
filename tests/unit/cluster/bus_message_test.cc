// Tests of the cluster bus's wire format: every field where Redis 7.0's clusterMsg puts it,
// messages read back as written, the length rules (a short or foreign header closes the link,
// a wrong length for the type is skipped), and input that arrives in pieces.
#include "cluster/bus_message.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::cluster {
namespace {

BusMessage SamplePing() {
  BusMessage m;
  m.type = MessageType::kPing;
  m.port = 7000;
  m.cport = 17000;
  m.current_epoch = 5;
  m.config_epoch = 3;
  m.offset = 123456789;
  m.sender = std::string(40, 'a');
  m.slots.set(0);
  m.slots.set(9);
  m.slots.set(16383);
  m.myip = "127.0.1.1";
  m.flags = 0x11;  // myself, master
  m.gossip.push_back({.name = std::string(40, 'b'),
                      .ping_sent_s = 17,
                      .pong_received_s = 18,
                      .ip = "127.0.1.2",
                      .port = 7001,
                      .cport = 17001,
                      .flags = 0x1,
                      .pport = 0});
  m.hostname = "node-1.example";
  return m;
}

uint16_t Be16(const std::string& b, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[at]) << 8) |
                               static_cast<uint8_t>(b[at + 1]));
}

TEST(BusMessageTest, HeaderFieldsAtRedisOffsets) {
  const std::string b = EncodeBusMessage(SamplePing());
  // 2256 header + one 104-byte gossip entry + the hostname extension (8 + 16).
  ASSERT_EQ(b.size(), 2256u + 104 + 24);
  EXPECT_EQ(b.substr(0, 4), "RCmb");
  EXPECT_EQ(Be16(b, 8), 1);      // version
  EXPECT_EQ(Be16(b, 10), 7000);  // port
  EXPECT_EQ(Be16(b, 14), 1);     // gossip count
  EXPECT_EQ(b.substr(40, 40), std::string(40, 'a'));
  EXPECT_EQ(static_cast<uint8_t>(b[80]), 0x01 | 0x00);   // slot 0: bit 0 of byte 0
  EXPECT_EQ(static_cast<uint8_t>(b[81]), 0x02);          // slot 9: bit 1 of byte 1
  EXPECT_EQ(static_cast<uint8_t>(b[80 + 2047]), 0x80);   // slot 16383
  EXPECT_EQ(b.substr(2128, 40), std::string(40, '\0'));  // a primary: no slaveof
  EXPECT_EQ(b.substr(2168, 9), "127.0.1.1");
  EXPECT_EQ(Be16(b, 2214), 1);      // one extension
  EXPECT_EQ(Be16(b, 2248), 17000);  // cport
  EXPECT_EQ(Be16(b, 2250), 0x11);   // flags
  EXPECT_EQ(static_cast<uint8_t>(b[2253]), kMessageExtData);
  EXPECT_EQ(b.substr(2256, 40), std::string(40, 'b'));
  EXPECT_EQ(Be16(b, 2256 + 94), 7001);
  EXPECT_EQ(TypeOfEncoded(b), MessageType::kPing);
}

TEST(BusMessageTest, ReadsBackWhatItWrites) {
  const BusMessage in = SamplePing();
  const std::string b = EncodeBusMessage(in);
  BusMessage out;
  size_t consumed = 0;
  ASSERT_EQ(DecodeBusMessage(b, &out, &consumed), DecodeStatus::kMessage);
  EXPECT_EQ(consumed, b.size());
  EXPECT_EQ(out.sender, in.sender);
  EXPECT_EQ(out.current_epoch, 5u);
  EXPECT_EQ(out.config_epoch, 3u);
  EXPECT_EQ(out.offset, 123456789u);
  EXPECT_EQ(out.slots, in.slots);
  EXPECT_TRUE(out.primary.empty());
  EXPECT_EQ(out.myip, "127.0.1.1");
  ASSERT_EQ(out.gossip.size(), 1u);
  EXPECT_EQ(out.gossip[0].ip, "127.0.1.2");
  EXPECT_EQ(out.gossip[0].pong_received_s, 18u);
  EXPECT_EQ(out.hostname, "node-1.example");

  BusMessage update;
  update.type = MessageType::kUpdate;
  update.sender = std::string(40, 'c');
  update.primary = std::string(40, 'd');
  update.node = std::string(40, 'e');
  update.node_config_epoch = 9;
  update.node_slots.set(42);
  const std::string u = EncodeBusMessage(update);
  EXPECT_EQ(u.size(), 4352u);
  ASSERT_EQ(DecodeBusMessage(u, &out, &consumed), DecodeStatus::kMessage);
  EXPECT_EQ(out.primary, std::string(40, 'd'));
  EXPECT_EQ(out.node, std::string(40, 'e'));
  EXPECT_EQ(out.node_config_epoch, 9u);
  EXPECT_TRUE(out.node_slots.test(42));

  BusMessage publish;
  publish.type = MessageType::kPublish;
  publish.channel = "chan";
  publish.message = "hello";
  const std::string p = EncodeBusMessage(publish);
  EXPECT_EQ(p.size(), 2273u);  // as Redis sends it
  ASSERT_EQ(DecodeBusMessage(p, &out, &consumed), DecodeStatus::kMessage);
  EXPECT_EQ(out.channel, "chan");
  EXPECT_EQ(out.message, "hello");
}

TEST(BusMessageTest, FramingAndLengthRules) {
  const std::string b = EncodeBusMessage(SamplePing());
  BusMessage out;
  size_t consumed = 0;
  EXPECT_EQ(DecodeBusMessage(b.substr(0, 7), &out, &consumed), DecodeStatus::kNeedMore);
  EXPECT_EQ(DecodeBusMessage(b.substr(0, 2000), &out, &consumed), DecodeStatus::kNeedMore);
  EXPECT_EQ(DecodeBusMessage("GET / HTTP/1.1\r\n", &out, &consumed), DecodeStatus::kCorrupt);
  std::string short_total = b;
  short_total[4] = short_total[5] = short_total[6] = 0;
  short_total[7] = 100;  // under the header's 2256 bytes
  EXPECT_EQ(DecodeBusMessage(short_total, &out, &consumed), DecodeStatus::kCorrupt);
  // A gossip count that does not fit the length: the message is skipped, the link kept.
  std::string bad_count = b;
  bad_count[15] = 3;
  EXPECT_EQ(DecodeBusMessage(bad_count, &out, &consumed), DecodeStatus::kSkipped);
  EXPECT_EQ(consumed, b.size());
  // Two messages back to back are read one at a time.
  const std::string two = b + b;
  ASSERT_EQ(DecodeBusMessage(two, &out, &consumed), DecodeStatus::kMessage);
  ASSERT_EQ(DecodeBusMessage(std::string_view(two).substr(consumed), &out, &consumed),
            DecodeStatus::kMessage);
}

}  // namespace
}  // namespace redoubt::cluster
