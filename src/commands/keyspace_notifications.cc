// Keyspace notifications; see keyspace_notifications.h.
#include "commands/keyspace_notifications.h"

#include <atomic>
#include <utility>

#include "commands/command_context.h"
#include "commands/execution_services.h"

namespace redoubt::commands {
namespace {

// The classes with a letter of their own, in the order CONFIG GET prints them.
constexpr std::pair<char, uint32_t> kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew},
};

}  // namespace

std::optional<uint32_t> ParseNotifyFlags(std::string_view text) {
  uint32_t flags = 0;
  for (char ch : text) {
    uint32_t bit = 0;
    switch (ch) {
      case 'A':
        bit = kNotifyAll;
        break;
      case 'K':
        bit = kNotifyKeyspace;
        break;
      case 'E':
        bit = kNotifyKeyevent;
        break;
      case 'm':
        bit = kNotifyKeyMiss;
        break;
      default:
        break;
    }
    for (const auto& [letter, b] : kClassLetters) {
      bit = letter == ch ? b : bit;
    }
    if (bit == 0) {
      return std::nullopt;
    }
    flags |= bit;
  }
  return flags;
}

std::string FormatNotifyFlags(uint32_t flags) {
  std::string text;
  if ((flags & kNotifyAll) == kNotifyAll) {
    text += 'A';  // and 'n' is not shown, as in Redis's keyspaceEventsFlagsToString
  } else {
    for (const auto& [letter, b] : kClassLetters) {
      if ((flags & b) != 0) {
        text += letter;
      }
    }
  }
  text += (flags & kNotifyKeyspace) != 0 ? "K" : "";
  text += (flags & kNotifyKeyevent) != 0 ? "E" : "";
  text += (flags & kNotifyKeyMiss) != 0 ? "m" : "";
  return text;
}

void PublishKeyspaceEvent(MessageBus& bus, uint32_t flags, uint32_t type, std::string_view event,
                          int db, std::string_view key, const Client* publisher) {
  if ((flags & type) == 0) {
    return;
  }
  std::string channel;
  if ((flags & kNotifyKeyspace) != 0) {
    channel.append("__keyspace@").append(std::to_string(db)).append("__:").append(key);
    bus.Publish(channel, event, publisher);
  }
  if ((flags & kNotifyKeyevent) != 0) {
    channel.clear();
    channel.append("__keyevent@").append(std::to_string(db)).append("__:").append(event);
    bus.Publish(channel, key, publisher);
  }
}

void PublishCommandEvent(CommandContext& ctx, uint32_t flags, uint32_t type, std::string_view event,
                         std::string_view key, int db) {
  PublishKeyspaceEvent(ctx.services.pubsub, flags, type, event, db, key, &ctx.client);
}

}  // namespace redoubt::commands
