// The list of command families: the one place that decides which commands the server has.
#include "commands/string_commands.h"
#include "server/connection_commands.h"
#include "server/server.h"

namespace redoubt::server {

void RegisterAllCommands(commands::CommandTable& table) {
  commands::RegisterStringCommands(table);
  RegisterConnectionCommands(table);
}

}  // namespace redoubt::server
