// Registers the ACL command (SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG SAVE
// LOAD DRYRUN HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterAclCommand(commands::CommandTable& table);

}  // namespace redoubt::server
