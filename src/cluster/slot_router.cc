// Slot routing; see slot_router.h.
#include "cluster/slot_router.h"

#include <vector>

#include "common/hash_slot.h"

namespace redoubt::cluster {
namespace {

constexpr std::string_view kCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
constexpr std::string_view kTryAgain = "TRYAGAIN Multiple keys request during rehashing of slot";
constexpr std::string_view kDown = "CLUSTERDOWN The cluster is down";
constexpr std::string_view kDownReadOnly =
    "CLUSTERDOWN The cluster is down and only accepts read commands";
constexpr std::string_view kUnbound = "CLUSTERDOWN Hash slot not served";

}  // namespace

SlotRouter::SlotRouter(ClusterState& state, const commands::CommandTable& table,
                       storage::Keyspace& keyspace)
    : ClusterRouting(state.routing_tables()),
      state_(state),
      table_(table),
      keyspace_(keyspace),
      exec_(table.Find("exec")),
      spublish_(table.Find("spublish")),
      ssubscribe_(table.Find("ssubscribe")),
      sunsubscribe_(table.Find("sunsubscribe")) {}

bool SlotRouter::IsRouted(const commands::CommandSpec& spec) const {
  return spec.keys.first > 0 || spec.key_finder != nullptr || &spec == exec_;
}

bool SlotRouter::Admit(commands::Client& client, const commands::CommandSpec& spec, uint32_t flags,
                       std::span<const std::string_view> args, std::string* error,
                       common::KnownKeySlot* known) {
  if (!IsRouted(spec)) {
    return true;
  }
  const bool exec = &spec == exec_;
  if (exec && !client.in_multi()) {
    return true;  // EXEC without MULTI answers its own error
  }
  const RoutingTable& table = state_.routing();
  int slot = -1;
  int16_t owner = RoutingTable::kNone;
  std::string_view first_key;
  bool migrating = false;
  bool importing = false;
  bool multiple_keys = false;
  bool any_write = false;
  bool shard_pubsub = false;
  int missing = 0;
  int existing = 0;
  // Reused by every command of this thread: one allocation per thread, not per command.
  thread_local std::vector<std::string_view> keys;
  std::string refusal;
  // One command's keys; false when a refusal is decided (in `refusal`).
  auto consider = [&](const commands::CommandSpec& s, uint32_t command_flags,
                      std::span<const std::string_view> command_args) {
    any_write = any_write || (command_flags & commands::kWrite);
    const bool pubsub = IsShardPubSub(s);
    shard_pubsub = shard_pubsub || pubsub;
    keys.clear();
    commands::ExtractKeys(s, command_args, &keys);
    for (std::string_view key : keys) {
      const int this_slot = common::KeyHashSlot(key);
      if (slot < 0) {
        slot = this_slot;
        first_key = key;
        owner = table.owner[slot];
        if (owner == RoutingTable::kNone) {
          refusal = kUnbound;
          return false;
        }
        if (owner == table.myself && table.migrating_to[slot] != RoutingTable::kNone) {
          migrating = true;
        } else if (table.importing_from[slot] != RoutingTable::kNone) {
          importing = true;
        }
      } else if (key != first_key) {
        if (this_slot != slot) {
          refusal = kCrossSlot;
          return false;
        }
        multiple_keys = true;
      }
      if ((migrating || importing) && !pubsub) {
        if (keyspace_.ContainsLiveKey(0, key)) {
          ++existing;
        } else {
          ++missing;
        }
      }
    }
    return true;
  };
  bool go_on = true;
  if (exec) {
    client.ForEachQueued([&](std::span<const std::string_view> queued) {
      if (!go_on) {
        return;
      }
      const commands::CommandSpec* s = table_.Resolve(queued);
      if (s != nullptr) {
        go_on = consider(*s, s->flags, queued);
      }
    });
  } else {
    go_on = consider(spec, flags, args);
  }
  if (!go_on) {
    *error = std::move(refusal);
    return false;
  }
  if (slot < 0) {
    return true;  // no key at all: served here, whatever the cluster's state
  }
  if (!table.ok) {
    if (shard_pubsub) {
      if (!table.allow_pubsubshard_when_down) {
        *error = kDown;
        return false;
      }
    } else if (!table.allow_reads_when_down) {
      *error = kDown;
      return false;
    } else if (any_write) {
      *error = kDownReadOnly;
      return false;
    }
  }
  if ((migrating || importing) && spec.name == "migrate") {  // a rare path: by name
    return true;
  }
  if (migrating && missing > 0) {
    if (existing > 0) {
      *error = kTryAgain;
    } else {
      *error =
          "ASK " + std::to_string(slot) + " " + table.redirect_targets[table.migrating_to[slot]];
    }
    return false;
  }
  if (importing && (client.cluster_asking || (spec.flags & commands::kAsking))) {
    if (multiple_keys && missing > 0) {
      *error = kTryAgain;
      return false;
    }
    return true;
  }
  if ((client.cluster_readonly || shard_pubsub) && !any_write &&
      table.my_primary != RoutingTable::kNone && table.my_primary == owner) {
    return true;
  }
  if (owner != table.myself) {
    *error = "MOVED " + std::to_string(slot) + " " + table.redirect_targets[owner];
    return false;
  }
  if (known != nullptr && !exec) {
    known->Set(first_key, slot);  // one of args, as ClusterRouting::AdmitsOneKeyHere's
  }
  return true;
}

}  // namespace redoubt::cluster
