// Keyspace notifications (notify-keyspace-events), as Redis 7.0's notify.c: a command that
// changes a key reports it with its event class and name ("lpush", "expired", …); when the
// class is switched on, the event is published on `__keyspace@<db>__:<key>` (message: the
// event) and/or `__keyevent@<db>__:<event>` (message: the key) through the pub/sub bus.
//
// The check is one relaxed load of RuntimeSettings::notify_keyspace_events, so a command pays
// nothing more while notifications are off (the default).
//
// A command reports its events after its change, in Redis's order, and nothing for a no-op.
// Where Redis writes its reply before an event (LPUSH, HSET, ZADD, the STORE commands) or after
// it (SET, DEL, INCR), the handler does the same: a RESP3 client subscribed to its own events
// receives them at that place among its replies. The keyspace itself reports "new", "expired",
// "evicted" and "keymiss" (server/key_events.h); commands never do.
//
// Thread: any; the bus is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/command_context.h"

namespace redoubt::commands {

class Client;
class MessageBus;

// Event classes, with Redis's bit values and letters.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K: publish on __keyspace@<db>__:<key>
  kNotifyKeyevent = 1u << 1,  // E: publish on __keyevent@<db>__:<event>
  kNotifyGeneric = 1u << 2,   // g: DEL, EXPIRE, RENAME, COPY, …
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZset = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m: a read found no key (not part of A)
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n: a key was created (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// "KEA", "Elg", …: the flags, or nullopt for a character that names no class.
std::optional<uint32_t> ParseNotifyFlags(std::string_view text);
// What CONFIG GET shows for flags: "A" for every class of A, else the letters in Redis's
// order, then K, E and m.
std::string FormatNotifyFlags(uint32_t flags);

// Publishes one event when `flags` (the current setting) enables its class. publisher: the
// client whose command caused it, if any (see MessageBus::Publish).
void PublishKeyspaceEvent(MessageBus& bus, uint32_t flags, uint32_t type, std::string_view event,
                          int db, std::string_view key, const Client* publisher = nullptr);

// Publishes the event of ctx's command; NotifyKeyspaceEvent has checked that its class is on.
void PublishCommandEvent(CommandContext& ctx, uint32_t flags, uint32_t type, std::string_view event,
                         std::string_view key, int db);

// The event of a command changing `key` in database `db` (MOVE's destination, COPY … DB), as
// Redis's notifyKeyspaceEvent(type, event, key, db). `event` is one of Redis's names, a literal.
// Inline, so that a command pays one relaxed load while the class is off: nothing is built or
// called before the check.
inline void NotifyKeyspaceEvent(CommandContext& ctx, uint32_t type, std::string_view event,
                                std::string_view key, int db) {
  uint32_t flags = ctx.settings.notify_keyspace_events.load(std::memory_order_relaxed);
  if ((flags & type) != 0) {
    PublishCommandEvent(ctx, flags, type, event, key, db);
  }
}
// The same in the client's database.
inline void NotifyKeyspaceEvent(CommandContext& ctx, uint32_t type, std::string_view event,
                                std::string_view key) {
  NotifyKeyspaceEvent(ctx, type, event, key, ctx.db());
}

// What Redis reports when a command took elements out of the aggregate at key (LPOP, SREM, HDEL,
// ZREM, LTRIM, …): `event` of class `type`, then the generic "del" when that emptied and so
// deleted the key.
inline void NotifyElementsRemoved(CommandContext& ctx, uint32_t type, std::string_view event,
                                  std::string_view key, bool key_deleted) {
  NotifyKeyspaceEvent(ctx, type, event, key);
  if (key_deleted) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
  }
}

}  // namespace redoubt::commands
