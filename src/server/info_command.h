// Registers INFO [section ...] and exposes the text it builds (for tests and tools).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "commands/command_table.h"

namespace redoubt::server {

class Server;

void RegisterInfoCommand(commands::CommandTable& table);

// The INFO text for the given section arguments (none: the default sections), as Redis 7
// lays it out: "# Server\r\nfield:value\r\n...", sections separated by an empty line.
// Thread-safe.
std::string BuildInfo(Server& server, std::span<const std::string_view> sections);

}  // namespace redoubt::server
