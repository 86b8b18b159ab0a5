// Runs commands that come from no connection through a dispatcher, as Redis runs them on a
// fake client: every stage a network command passes (lookup, arity, the handler), as a user
// with every permission, replies discarded. Two users: the AOF's commands at start-up (an
// unknown command stops the load, as in Redis; a command that fails as commands do, WRONGTYPE,
// does not), and a replica's link applying its primary's stream (a client the dispatcher
// knows as the primary's: replication's refusals, maxmemory and a failed save never stop it).
//
// Thread: a runner is used by one thread at a time (the loader's, the link's).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "commands/execution_services.h"
#include "persistence/aof_loader.h"

namespace redoubt::server {

// A runner that stays valid as long as services does.
persistence::AofCommandRunner MakeAofReplayRunner(const commands::ExecutionServices& services);

// The primary's client on a replica: runs one command; false when CLIENT PAUSE holds it (the
// link tries again). Valid as long as services is.
std::function<bool(std::span<const std::string_view>)> MakePrimaryLinkRunner(
    const commands::ExecutionServices& services);

}  // namespace redoubt::server
