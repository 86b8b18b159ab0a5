// GEO commands: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER
// GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE. Semantics, reply types, number formats and
// error texts follow Redis 7.0's geo.c, checked against redis-server 7.0.15; each command is a
// row at the end of the file.
//
// A point is a sorted-set member whose score is its 52-bit geohash, so GEOADD is ZADD with
// scores computed from coordinates (and the sorted-set commands see the points as they are).
// Any score decodes to a position, one that no GEOADD wrote too, as in Redis. Distances are
// replied with four decimals, coordinates in Redis's long-double "human" form (a bulk string in
// RESP2, a double in RESP3).
#include "commands/geo_commands.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/geo_arguments.h"
#include "commands/geo_search.h"
#include "commands/geo_shape.h"
#include "commands/geohash.h"
#include "commands/keyspace_notifications.h"
#include "commands/zset_commands.h"
#include "commands/zset_operations.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

// The sorted set at args[key_index] (nullopt when the key is missing); false after replying
// WRONGTYPE.
bool FindPointsOrReply(CommandContext& ctx, size_t key_index, std::optional<ZsetReader>* out) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ctx.args[key_index], ValueType::kZset, Access::kRead, &e)) {
    return false;
  }
  if (e != nullptr) {
    out->emplace(*e);
  }
  return true;
}

// The position of a member, nullopt when the set or the member is missing.
std::optional<GeoCoordinates> PositionOf(const std::optional<ZsetReader>& zset,
                                         std::string_view member) {
  std::optional<double> score = zset ? zset->Score(member) : std::nullopt;
  if (!score) {
    return std::nullopt;
  }
  return GeoDecodeScore(*score);
}

// A distance as Redis's addReplyDoubleDistance writes it: rounded to four decimals (llrint of
// the value times 10^4, so halves go to even), always four of them, as a bulk string.
void ReplyDistance(CommandContext& ctx, double distance) {
  if (distance == 0) {
    return ctx.reply.Bulk("0.0000");
  }
  const long long scaled = std::llrint(distance * 10000.0);
  const bool negative = scaled < 0;
  // Only a NaN distance (the haversine of nearly antipodal points can round past 1) comes out
  // negative: llrint makes it LLONG_MIN, which Redis prints as such.
  const unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(scaled)
                                                : static_cast<unsigned long long>(scaled);
  std::string fraction = std::to_string(magnitude % 10000);
  std::string text = negative ? "-" : "";
  text += std::to_string(magnitude / 10000);
  text += '.';
  text.append(4 - fraction.size(), '0');
  text += fraction;
  ctx.reply.Bulk(text);
}

// A coordinate as Redis's addReplyHumanLongDouble writes it: "%.17Lf" without trailing zeros,
// a bulk string in RESP2 and a double in RESP3.
void ReplyCoordinate(CommandContext& ctx, double v) {
  const std::string text = common::FormatLongDoubleHuman(v);
  if (!ctx.reply.resp3()) {
    return ctx.reply.Bulk(text);
  }
  ctx.reply.Raw(",");
  ctx.reply.Raw(text);
  ctx.reply.Raw("\r\n");
}

void ReplyPosition(CommandContext& ctx, GeoCoordinates p) {
  ctx.reply.ArrayHeader(2);
  ReplyCoordinate(ctx, p.longitude);
  ReplyCoordinate(ctx, p.latitude);
}

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]: ZADD of
// the members scored with their geohashes, as Redis's geoaddCommand hands them to zaddCommand.
// Every point is checked before the key is looked at.
void CmdGeoAdd(CommandContext& ctx) {
  uint32_t flags = 0;
  const size_t first = ParseZaddFlags(ctx.args, 2, kZaddNx | kZaddXx | kZaddCh, &flags);
  const size_t triples_args = ctx.argc() - first;
  // No triple at all is ZADD's syntax error.
  if (triples_args == 0 || triples_args % 3 != 0 || ((flags & kZaddNx) && (flags & kZaddXx))) {
    return ctx.reply.Error(kErrSyntax);
  }
  std::vector<ZsetElement> elements(triples_args / 3);
  for (size_t i = 0; i < elements.size(); ++i) {
    const size_t at = first + 3 * i;
    GeoCoordinates point;
    if (!ParseGeoPointOrReply(ctx, ctx.args[at], ctx.args[at + 1], &point)) {
      return;
    }
    elements[i] = {.member = ctx.args[at + 2], .score = GeoScoreOf(point)};
  }
  ZaddAndReply(ctx, flags, elements);
}

// One entry per member named from args[2] on: `found` writes a member's, a missing one (or a
// missing key) gets a null, or a null array when `missing_is_array`.
void ReplyPerMember(CommandContext& ctx, bool missing_is_array,
                    void (*found)(CommandContext&, GeoCoordinates)) {
  std::optional<ZsetReader> zset;
  if (!FindPointsOrReply(ctx, 1, &zset)) {
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (std::optional<GeoCoordinates> p = PositionOf(zset, ctx.args[i])) {
      found(ctx, *p);
    } else if (missing_is_array) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
  }
}

// GEOPOS key [member ...]: [longitude, latitude] per member.
void CmdGeoPos(CommandContext& ctx) {
  ReplyPerMember(ctx, true, ReplyPosition);
}

// GEOHASH key [member ...]: the standard geohash string per member.
void CmdGeoHash(CommandContext& ctx) {
  ReplyPerMember(ctx, false,
                 [](CommandContext& c, GeoCoordinates p) { c.reply.Bulk(GeoHashString(p)); });
}

// GEODIST key member1 member2 [unit]: null unless both members exist. The unit is read before
// the key is looked at.
void CmdGeoDist(CommandContext& ctx) {
  double meters_per_unit = 1;
  if (ctx.argc() > 5) {
    return ctx.reply.Error(kErrSyntax);
  }
  if (ctx.argc() == 5 && !ParseGeoUnitOrReply(ctx, ctx.args[4], &meters_per_unit)) {
    return;
  }
  std::optional<ZsetReader> zset;
  if (!FindPointsOrReply(ctx, 1, &zset)) {
    return;
  }
  std::optional<GeoCoordinates> a = PositionOf(zset, ctx.args[2]);
  std::optional<GeoCoordinates> b = PositionOf(zset, ctx.args[3]);
  if (!a || !b) {
    return ctx.reply.Null();
  }
  ReplyDistance(ctx, GeoDistance(*a, *b) / meters_per_unit);
}

void SortMatches(std::vector<GeoMatch>* matches, GeoSort sort) {
  // Stable, as glibc's qsort (a merge sort) leaves Redis's equal distances in scan order.
  if (sort == GeoSort::kAscending) {
    std::stable_sort(matches->begin(), matches->end(), [](const GeoMatch& a, const GeoMatch& b) {
      return a.distance_meters < b.distance_meters;
    });
  } else if (sort == GeoSort::kDescending) {
    std::stable_sort(matches->begin(), matches->end(), [](const GeoMatch& a, const GeoMatch& b) {
      return a.distance_meters > b.distance_meters;
    });
  }
}

void ReplyMatches(CommandContext& ctx, const GeoSearchRequest& r,
                  std::span<const GeoMatch> matches) {
  const size_t extras = (r.with_dist ? 1 : 0) + (r.with_hash ? 1 : 0) + (r.with_coord ? 1 : 0);
  ctx.reply.ArrayHeader(matches.size());
  for (const GeoMatch& m : matches) {
    if (extras > 0) {
      ctx.reply.ArrayHeader(extras + 1);
    }
    ctx.reply.Bulk(m.member);
    if (r.with_dist) {
      ReplyDistance(ctx, m.distance_meters / r.shape.meters_per_unit);
    }
    if (r.with_hash) {
      ctx.reply.Integer(static_cast<int64_t>(m.score));
    }
    if (r.with_coord) {
      ReplyPosition(ctx, m.position);
    }
  }
}

// Replaces the destination with the matches, scored with their geohashes or (STOREDIST) their
// distances in the request's unit, or deletes it when there are none; replies their number.
void StoreMatchesAndReply(CommandContext& ctx, const GeoSearchRequest& r,
                          std::span<const GeoMatch> matches) {
  const std::string_view key = *r.store_key;
  if (matches.empty()) {
    if (ctx.keyspace.Delete(ctx.db(), key)) {
      ctx.dirty += 1;
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    }
    return ctx.reply.Integer(0);
  }
  std::vector<std::pair<std::string, double>> elements;
  elements.reserve(matches.size());
  for (const GeoMatch& m : matches) {
    elements.emplace_back(std::string(m.member),
                          r.store_dist ? m.distance_meters / r.shape.meters_per_unit : m.score);
  }
  // Redis names the event after the command family: GEOSEARCHSTORE, or GEORADIUS[BYMEMBER]'s
  // STORE and STOREDIST.
  StoreZsetAndReply(
      ctx, key, elements,
      EqualsIgnoreCase(ctx.args[0], "geosearchstore") ? "geosearchstore" : "georadiusstore");
  // Redis counts one change per member stored where the sorted-set STOREs count one in all.
  ctx.dirty += elements.size() - 1;
}

// Every search command, as Redis's georadiusGeneric: the sorted set at args[source] is looked
// up (WRONGTYPE first), then the arguments are read, then it is searched.
void Search(CommandContext& ctx, GeoSearchForm form, bool store_allowed) {
  const size_t source = form == GeoSearchForm::kSearchStore ? 2 : 1;
  std::optional<ZsetReader> zset;
  if (!FindPointsOrReply(ctx, source, &zset)) {
    return;
  }
  GeoSearchRequest r;
  if (!ParseGeoSearchOrReply(ctx, form, store_allowed, zset ? &*zset : nullptr, &r)) {
    return;
  }
  std::vector<GeoMatch> matches;
  if (zset) {
    // COUNT alone asks for the nearest ones, so it sorts; with ANY the first ones found do.
    if (r.count != 0 && r.sort == GeoSort::kNone && !r.any) {
      r.sort = GeoSort::kAscending;
    }
    matches = GeoMembersInShape(*zset, r.shape, r.any ? static_cast<size_t>(r.count) : 0);
    SortMatches(&matches, r.sort);
    if (r.count != 0 && matches.size() > static_cast<uint64_t>(r.count)) {
      matches.resize(static_cast<size_t>(r.count));
    }
  }
  if (r.store_key) {
    return StoreMatchesAndReply(ctx, r, matches);
  }
  ReplyMatches(ctx, r, matches);
}

void CmdGeoRadius(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kRadius, true);
}
void CmdGeoRadiusRo(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kRadius, false);
}
void CmdGeoRadiusByMember(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kRadiusByMember, true);
}
void CmdGeoRadiusByMemberRo(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kRadiusByMember, false);
}
void CmdGeoSearch(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kSearch, false);
}
void CmdGeoSearchStore(CommandContext& ctx) {
  Search(ctx, GeoSearchForm::kSearchStore, false);
}

// The keys of GEORADIUS and GEORADIUSBYMEMBER, whose options start at kFirstOption: the sorted
// set, and the key after each STORE or STOREDIST (the last one is written, as Redis's
// georadiusGetKeys finds it; every one is locked).
template <size_t kFirstOption>
void RadiusKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  if (args.size() < 2) {
    return;
  }
  keys->push_back(args[1]);
  for (size_t i = kFirstOption; i + 1 < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "store") || EqualsIgnoreCase(args[i], "storedist")) {
      keys->push_back(args[++i]);
    }
  }
}

}  // namespace

void RegisterGeoCommands(CommandTable& table) {
  auto row = [&](std::string_view name, int arity, bool write, Handler handler,
                 std::string_view summary, std::string_view since, KeySpec keys = {1, 1, 1},
                 KeyFinder key_finder = nullptr) {
    table.Add({.name = name,
               .arity = arity,
               .flags = write ? kWrite | kDenyOom : kReadOnly,
               .keys = keys,
               .acl = kAclGeo | kAclSlow | (write ? kAclWrite : kAclRead),
               .handler = handler,
               .key_finder = key_finder,
               .summary = summary,
               .since = since,
               .group = "geo"});
  };
  row("geoadd", -5, true, CmdGeoAdd,
      "Add one or more geospatial items in the geospatial index represented using a sorted set",
      "3.2.0");
  row("geodist", -4, false, CmdGeoDist,
      "Returns the distance between two members of a geospatial index", "3.2.0");
  row("geohash", -2, false, CmdGeoHash,
      "Returns members of a geospatial index as standard geohash strings", "3.2.0");
  row("geopos", -2, false, CmdGeoPos,
      "Returns longitude and latitude of members of a geospatial index", "3.2.0");
  // STORE makes the radius commands write; their destination is found among the options.
  row("georadius", -6, true, CmdGeoRadius,
      "Query a sorted set representing a geospatial index to fetch members matching a given "
      "maximum distance from a point",
      "3.2.0", {1, 1, 1}, RadiusKeys<6>);
  row("georadius_ro", -6, false, CmdGeoRadiusRo, "A read-only variant for GEORADIUS", "3.2.10");
  row("georadiusbymember", -5, true, CmdGeoRadiusByMember,
      "Query a sorted set representing a geospatial index to fetch members matching a given "
      "maximum distance from a member",
      "3.2.0", {1, 1, 1}, RadiusKeys<5>);
  row("georadiusbymember_ro", -5, false, CmdGeoRadiusByMemberRo,
      "A read-only variant for GEORADIUSBYMEMBER", "3.2.10");
  row("geosearch", -7, false, CmdGeoSearch,
      "Query a sorted set representing a geospatial index to fetch members inside an area of a "
      "box or a circle.",
      "6.2.0");
  row("geosearchstore", -8, true, CmdGeoSearchStore,
      "Query a sorted set representing a geospatial index to fetch members inside an area of a "
      "box or a circle, and store the result in another key.",
      "6.2.0", {1, 2, 1});
}

}  // namespace redoubt::commands
