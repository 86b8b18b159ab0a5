// The messages of Redis 7.0's cluster bus, byte for byte, so that Redoubt and redis-server nodes
// form one cluster: a 2,256-byte header (signature "RCmb", length, version 1, the sender's
// name, epochs, replication offset, slot bitmap, primary, addresses and flags) and a body by
// type: gossip entries of 104 bytes and ping extensions (PING, PONG, MEET), a node's name
// (FAIL), a channel and message (PUBLISH, PUBLISHSHARD), a node's epoch and slots (UPDATE),
// nothing (FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART). Integers are big-endian; a
// string shorter than its field ends with a NUL and zeros.
//
// Decode frames one message off a link's input: a bad signature or a length under the header's
// closes the link; a length that does not match its type is skipped, as Redis does.
//
// Thread: functions of their arguments only.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash_slot.h"

namespace redoubt::cluster {

enum class MessageType : uint16_t {
  kPing = 0,
  kPong = 1,
  kMeet = 2,
  kFail = 3,
  kPublish = 4,
  kAuthRequest = 5,
  kAuthAck = 6,
  kUpdate = 7,
  kMfStart = 8,
  kModule = 9,
  kPublishShard = 10,
};
inline constexpr int kMessageTypes = 11;

inline constexpr size_t kBusHeaderBytes = 2256;
inline constexpr size_t kGossipEntryBytes = 104;

// mflags[0]
inline constexpr uint8_t kMessagePaused = 1;    // a primary during a manual failover
inline constexpr uint8_t kMessageForceAck = 2;  // a manual failover's vote request
inline constexpr uint8_t kMessageExtData = 4;   // ping extensions follow the gossip

using SlotBitmap = std::bitset<common::kClusterSlots>;

// What a PING, PONG or MEET says about another node.
struct GossipEntry {
  std::string name;
  uint32_t ping_sent_s = 0;
  uint32_t pong_received_s = 0;
  std::string ip;
  uint16_t port = 0;
  uint16_t cport = 0;
  uint16_t flags = 0;
  uint16_t pport = 0;
};

struct BusMessage {
  MessageType type = MessageType::kPing;
  uint16_t port = 0;  // the sender's client port
  uint64_t current_epoch = 0;
  uint64_t config_epoch = 0;  // a primary's own; a replica's primary's
  uint64_t offset = 0;        // replication offset
  std::string sender;         // 40 hex digits
  SlotBitmap slots;           // a primary's own; a replica's primary's
  std::string primary;        // empty when the sender is a primary
  std::string myip;           // cluster-announce-ip, or empty
  uint16_t pport = 0;
  uint16_t cport = 0;
  uint16_t flags = 0;  // the sender's NodeFlag bits, kMyself included
  uint8_t state = 0;   // 0 ok, 1 fail
  uint8_t mflags = 0;

  // PING, PONG, MEET.
  std::vector<GossipEntry> gossip;
  std::optional<std::string> hostname;  // the hostname extension
  // FAIL: the failed node. UPDATE: the node whose slots follow.
  std::string node;
  // UPDATE.
  uint64_t node_config_epoch = 0;
  SlotBitmap node_slots;
  // PUBLISH, PUBLISHSHARD.
  std::string channel;
  std::string message;
};

std::string EncodeBusMessage(const BusMessage& m);
// The type of an encoded message (one this node built: whole, header first).
MessageType TypeOfEncoded(std::string_view encoded);

enum class DecodeStatus {
  kMessage,   // *out holds a message; *consumed bytes were used
  kNeedMore,  // not a whole message yet
  kSkipped,   // a whole message of an unknown type or a wrong length: *consumed to drop
  kCorrupt,   // not the bus protocol: close the link
};
DecodeStatus DecodeBusMessage(std::string_view input, BusMessage* out, size_t* consumed);

}  // namespace redoubt::cluster
