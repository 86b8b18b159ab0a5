// Registers the GEO commands (GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUS_RO
// GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE) in a command table. Points
// live in sorted sets, each member scored with its geohash (geohash.h); the areas searched are
// geo_shape.h's, the scan geo_search.h's, the arguments geo_arguments.h's.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterGeoCommands(CommandTable& table);

}  // namespace redoubt::commands
