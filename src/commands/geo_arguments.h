// Reading the GEO commands' arguments as Redis 7.0's geo.c reads them, with its error texts and
// in its order: a longitude and latitude, a unit, and the options of the search commands
// (GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH, GEOSEARCHSTORE).
//
// Redis reads a search's arguments in one pass and looks FROMMEMBER's member up in that pass,
// so a missing member is reported before a later bad option; the parser is therefore given the
// searched sorted set.
//
// Thread: per command.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "commands/command_context.h"
#include "commands/geo_shape.h"
#include "commands/geohash.h"
#include "commands/zset_operations.h"

namespace redoubt::commands {

// A longitude and a latitude: floats ("ERR value is not a valid float"), inside the score
// ranges ("ERR invalid longitude,latitude pair <lon>,<lat>").
bool ParseGeoPointOrReply(CommandContext& ctx, std::string_view longitude,
                          std::string_view latitude, GeoCoordinates* out);

// m, km, ft or mi in any case: *meters_per_unit is its length in meters.
bool ParseGeoUnitOrReply(CommandContext& ctx, std::string_view unit, double* meters_per_unit);

enum class GeoSearchForm : uint8_t {
  kRadius,          // GEORADIUS[_RO] key longitude latitude radius unit [options]
  kRadiusByMember,  // GEORADIUSBYMEMBER[_RO] key member radius unit [options]
  kSearch,          // GEOSEARCH key FROMMEMBER|FROMLONLAT ... BYRADIUS|BYBOX ... [options]
  kSearchStore,     // GEOSEARCHSTORE destination key FROM... BY... [options] [STOREDIST]
};

enum class GeoSort : uint8_t { kNone, kAscending, kDescending };

struct GeoSearchRequest {
  GeoShape shape;
  bool with_dist = false;
  bool with_hash = false;
  bool with_coord = false;
  GeoSort sort = GeoSort::kNone;
  bool any = false;   // stop scanning once `count` members are found
  int64_t count = 0;  // at most this many results; 0: all
  std::optional<std::string_view> store_key;
  bool store_dist = false;  // store distances rather than positions
};

// Reads the arguments of a search command of `form` into *out. `store_allowed` is false for the
// _RO forms (STORE and STOREDIST are then syntax errors). `source` is the searched sorted set,
// nullptr when its key is missing: then, as in Redis, a member to search around is not looked
// up, and GEORADIUSBYMEMBER's radius is not read at all. False after replying an error.
bool ParseGeoSearchOrReply(CommandContext& ctx, GeoSearchForm form, bool store_allowed,
                           const ZsetReader* source, GeoSearchRequest* out);

}  // namespace redoubt::commands
