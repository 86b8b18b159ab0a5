// Runs the commands of an append-only file at start-up through a dispatcher, as Redis's loader
// runs them on a fake client: every stage a network command passes (lookup, arity, the
// handler), as a user with every permission, replies discarded. An unknown command stops the
// load, as in Redis; a command that fails as commands do (WRONGTYPE) does not.
//
// Thread: start-up, on the thread that loads.
#pragma once

#include <memory>

#include "commands/execution_services.h"
#include "persistence/aof_loader.h"

namespace redoubt::server {

// A runner that stays valid as long as services does.
persistence::AofCommandRunner MakeAofReplayRunner(const commands::ExecutionServices& services);

}  // namespace redoubt::server
