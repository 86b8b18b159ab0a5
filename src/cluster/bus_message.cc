// The cluster bus's wire format; see bus_message.h. Offsets are Redis 7.0's clusterMsg.
#include "cluster/bus_message.h"

#include <endian.h>

#include <cstring>

namespace redoubt::cluster {
namespace {

// Header offsets (kAt…: where a field starts).
constexpr size_t kAtTotlen = 4;
constexpr size_t kAtVersion = 8;
constexpr size_t kAtPort = 10;
constexpr size_t kAtType = 12;
constexpr size_t kAtCount = 14;
constexpr size_t kAtCurrentEpoch = 16;
constexpr size_t kAtConfigEpoch = 24;
constexpr size_t kAtOffset = 32;
constexpr size_t kAtSender = 40;
constexpr size_t kAtSlots = 80;
constexpr size_t kAtPrimary = 2128;
constexpr size_t kAtMyIp = 2168;
constexpr size_t kAtExtensions = 2214;
constexpr size_t kAtPport = 2246;
constexpr size_t kAtCport = 2248;
constexpr size_t kAtFlags = 2250;
constexpr size_t kAtState = 2252;
constexpr size_t kAtMflags = 2253;
constexpr size_t kNameBytes = 40;
constexpr size_t kIpBytes = 46;
constexpr size_t kSlotBytes = common::kClusterSlots / 8;
constexpr uint16_t kProtocolVersion = 1;
constexpr uint16_t kHostnameExtension = 0;
constexpr size_t kExtensionHeader = 8;
// Body lengths past the header.
constexpr size_t kFailBody = kNameBytes;
constexpr size_t kPublishHead = 8;
constexpr size_t kUpdateBody = 8 + kNameBytes + kSlotBytes;

void Put16(std::string& b, size_t at, uint16_t v) {
  v = htobe16(v);
  std::memcpy(&b[at], &v, 2);
}
void Put32(std::string& b, size_t at, uint32_t v) {
  v = htobe32(v);
  std::memcpy(&b[at], &v, 4);
}
void Put64(std::string& b, size_t at, uint64_t v) {
  v = htobe64(v);
  std::memcpy(&b[at], &v, 8);
}
// A string into a zeroed field of `size` bytes (cut to size, as Redis's fields are).
void PutText(std::string& b, size_t at, std::string_view s, size_t size) {
  std::memcpy(&b[at], s.data(), std::min(s.size(), size));
}
void PutSlots(std::string& b, size_t at, const SlotBitmap& slots) {
  // Slot s is bit (s & 7) of byte s >> 3.
  for (int s = 0; s < common::kClusterSlots; ++s) {
    if (slots.test(s)) {
      b[at + (s >> 3)] = static_cast<char>(b[at + (s >> 3)] | (1 << (s & 7)));
    }
  }
}

uint16_t Get16(std::string_view b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return be16toh(v);
}
uint32_t Get32(std::string_view b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return be32toh(v);
}
uint64_t Get64(std::string_view b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return be64toh(v);
}
// A NUL-terminated string in a field of `size` bytes.
std::string GetText(std::string_view b, size_t at, size_t size) {
  std::string_view field = b.substr(at, size);
  return std::string(field.substr(0, field.find('\0')));
}
std::string GetName(std::string_view b, size_t at) {
  return std::string(b.substr(at, kNameBytes));
}
SlotBitmap GetSlots(std::string_view b, size_t at) {
  SlotBitmap slots;
  for (size_t byte = 0; byte < kSlotBytes; ++byte) {
    const auto bits = static_cast<uint8_t>(b[at + byte]);
    if (bits == 0) {
      continue;
    }
    for (int bit = 0; bit < 8; ++bit) {
      if (bits & (1 << bit)) {
        slots.set(byte * 8 + bit);
      }
    }
  }
  return slots;
}

bool IsPingLike(MessageType t) {
  return t == MessageType::kPing || t == MessageType::kPong || t == MessageType::kMeet;
}

size_t HostnameExtensionBytes(const std::string& hostname) {
  // The name, its NUL, zero padding to a multiple of 8.
  return kExtensionHeader + ((hostname.size() + 1 + 7) & ~size_t{7});
}

}  // namespace

std::string EncodeBusMessage(const BusMessage& m) {
  size_t body = 0;
  const bool extension = IsPingLike(m.type) && m.hostname && !m.hostname->empty();
  switch (m.type) {
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kMeet:
      body = m.gossip.size() * kGossipEntryBytes +
             (extension ? HostnameExtensionBytes(*m.hostname) : 0);
      break;
    case MessageType::kFail:
      body = kFailBody;
      break;
    case MessageType::kPublish:
    case MessageType::kPublishShard:
      body = kPublishHead + m.channel.size() + m.message.size();
      break;
    case MessageType::kUpdate:
      body = kUpdateBody;
      break;
    default:
      break;
  }
  std::string b(kBusHeaderBytes + body, '\0');
  b.replace(0, 4, "RCmb");
  Put32(b, kAtTotlen, static_cast<uint32_t>(b.size()));
  Put16(b, kAtVersion, kProtocolVersion);
  Put16(b, kAtPort, m.port);
  Put16(b, kAtType, static_cast<uint16_t>(m.type));
  Put16(b, kAtCount, IsPingLike(m.type) ? static_cast<uint16_t>(m.gossip.size()) : 0);
  Put64(b, kAtCurrentEpoch, m.current_epoch);
  Put64(b, kAtConfigEpoch, m.config_epoch);
  Put64(b, kAtOffset, m.offset);
  PutText(b, kAtSender, m.sender, kNameBytes);
  PutSlots(b, kAtSlots, m.slots);
  PutText(b, kAtPrimary, m.primary, kNameBytes);  // all zeros for a primary
  PutText(b, kAtMyIp, m.myip, kIpBytes - 1);
  Put16(b, kAtExtensions, extension ? 1 : 0);
  Put16(b, kAtPport, m.pport);
  Put16(b, kAtCport, m.cport);
  Put16(b, kAtFlags, m.flags);
  b[kAtState] = static_cast<char>(m.state);
  // The extension flag is set exactly when extensions follow: a receiver walks them by count.
  b[kAtMflags] =
      static_cast<char>((m.mflags & ~kMessageExtData) | (extension ? kMessageExtData : 0));
  size_t at = kBusHeaderBytes;
  switch (m.type) {
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kMeet:
      for (const GossipEntry& g : m.gossip) {
        PutText(b, at, g.name, kNameBytes);
        Put32(b, at + 40, g.ping_sent_s);
        Put32(b, at + 44, g.pong_received_s);
        PutText(b, at + 48, g.ip, kIpBytes - 1);
        Put16(b, at + 94, g.port);
        Put16(b, at + 96, g.cport);
        Put16(b, at + 98, g.flags);
        Put16(b, at + 100, g.pport);
        at += kGossipEntryBytes;
      }
      if (extension) {
        Put32(b, at, static_cast<uint32_t>(HostnameExtensionBytes(*m.hostname)));
        Put16(b, at + 4, kHostnameExtension);
        PutText(b, at + kExtensionHeader, *m.hostname, m.hostname->size());
      }
      break;
    case MessageType::kFail:
      PutText(b, at, m.node, kNameBytes);
      break;
    case MessageType::kPublish:
    case MessageType::kPublishShard:
      Put32(b, at, static_cast<uint32_t>(m.channel.size()));
      Put32(b, at + 4, static_cast<uint32_t>(m.message.size()));
      b.replace(at + kPublishHead, m.channel.size(), m.channel);
      b.replace(at + kPublishHead + m.channel.size(), m.message.size(), m.message);
      break;
    case MessageType::kUpdate:
      Put64(b, at, m.node_config_epoch);
      PutText(b, at + 8, m.node, kNameBytes);
      PutSlots(b, at + 8 + kNameBytes, m.node_slots);
      break;
    default:
      break;
  }
  return b;
}

MessageType TypeOfEncoded(std::string_view encoded) {
  return static_cast<MessageType>(Get16(encoded, kAtType));
}

DecodeStatus DecodeBusMessage(std::string_view input, BusMessage* out, size_t* consumed) {
  if (input.size() < 8) {
    return DecodeStatus::kNeedMore;
  }
  if (input.substr(0, 4) != "RCmb") {
    return DecodeStatus::kCorrupt;
  }
  const uint32_t total = Get32(input, kAtTotlen);
  if (total < kBusHeaderBytes) {
    return DecodeStatus::kCorrupt;
  }
  if (input.size() < total) {
    return DecodeStatus::kNeedMore;
  }
  *consumed = total;
  std::string_view b = input.substr(0, total);
  const uint16_t type = Get16(b, kAtType);
  if (Get16(b, kAtVersion) != kProtocolVersion || type >= kMessageTypes) {
    return DecodeStatus::kSkipped;
  }
  BusMessage& m = *out;
  m = BusMessage{};
  m.type = static_cast<MessageType>(type);
  const uint16_t count = Get16(b, kAtCount);
  const uint16_t extensions = Get16(b, kAtExtensions);
  m.mflags = static_cast<uint8_t>(b[kAtMflags]);
  // The length each type must have (Redis ignores a message of any other length).
  size_t expected = kBusHeaderBytes;
  switch (m.type) {
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kMeet: {
      expected += size_t{count} * kGossipEntryBytes;
      size_t at = expected;
      for (uint16_t i = 0; i < extensions; ++i) {
        if (at + kExtensionHeader > total) {
          return DecodeStatus::kSkipped;
        }
        // Redis reads the length as 16 bits; a length of 0 or not a multiple of 8 is invalid.
        const uint32_t length = Get32(b, at) & 0xFFFF;
        if (length < kExtensionHeader || length % 8 != 0 || at + length > total) {
          return DecodeStatus::kSkipped;
        }
        if (Get16(b, at + 4) == kHostnameExtension) {
          m.hostname = GetText(b, at + kExtensionHeader, length - kExtensionHeader);
        }
        at += length;
      }
      expected = at;
      break;
    }
    case MessageType::kFail:
      expected += kFailBody;
      break;
    case MessageType::kPublish:
    case MessageType::kPublishShard:
      if (total < kBusHeaderBytes + kPublishHead) {
        return DecodeStatus::kSkipped;
      }
      expected += kPublishHead + size_t{Get32(b, kBusHeaderBytes)} + Get32(b, kBusHeaderBytes + 4);
      break;
    case MessageType::kUpdate:
      expected += kUpdateBody;
      break;
    case MessageType::kModule:
      return DecodeStatus::kSkipped;  // Redoubt has no modules
    default:
      break;
  }
  if (expected != total) {
    return DecodeStatus::kSkipped;
  }
  m.port = Get16(b, kAtPort);
  m.current_epoch = Get64(b, kAtCurrentEpoch);
  m.config_epoch = Get64(b, kAtConfigEpoch);
  m.offset = Get64(b, kAtOffset);
  m.sender = GetName(b, kAtSender);
  m.slots = GetSlots(b, kAtSlots);
  if (b.substr(kAtPrimary, kNameBytes).find_first_not_of('\0') != std::string_view::npos) {
    m.primary = GetName(b, kAtPrimary);
  }
  m.myip = GetText(b, kAtMyIp, kIpBytes);
  m.pport = Get16(b, kAtPport);
  m.cport = Get16(b, kAtCport);
  m.flags = Get16(b, kAtFlags);
  m.state = static_cast<uint8_t>(b[kAtState]);
  size_t at = kBusHeaderBytes;
  switch (m.type) {
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kMeet:
      for (uint16_t i = 0; i < count; ++i, at += kGossipEntryBytes) {
        GossipEntry g;
        g.name = GetName(b, at);
        g.ping_sent_s = Get32(b, at + 40);
        g.pong_received_s = Get32(b, at + 44);
        g.ip = GetText(b, at + 48, kIpBytes);
        g.port = Get16(b, at + 94);
        g.cport = Get16(b, at + 96);
        g.flags = Get16(b, at + 98);
        g.pport = Get16(b, at + 100);
        m.gossip.push_back(std::move(g));
      }
      break;
    case MessageType::kFail:
      m.node = GetName(b, at);
      break;
    case MessageType::kPublish:
    case MessageType::kPublishShard: {
      const uint32_t channel = Get32(b, at);
      m.channel = std::string(b.substr(at + kPublishHead, channel));
      m.message = std::string(b.substr(at + kPublishHead + channel));
      break;
    }
    case MessageType::kUpdate:
      m.node_config_epoch = Get64(b, at);
      m.node = GetName(b, at + 8);
      m.node_slots = GetSlots(b, at + 8 + kNameBytes);
      break;
    default:
      break;
  }
  return DecodeStatus::kMessage;
}

}  // namespace redoubt::cluster
