// The GEO commands' argument readers; see geo_arguments.h. The branches of the option loop keep
// the order of Redis 7.0's georadiusGeneric: where an option is not allowed for a form, or lacks
// its values, it falls through to the syntax error.
#include "commands/geo_arguments.h"

#include <cstdio>
#include <string>

#include "commands/command_table.h"
#include "commands/errors.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

struct GeoUnit {
  std::string_view name;
  double meters;
};

constexpr GeoUnit kGeoUnits[] = {{"m", 1}, {"km", 1000}, {"ft", 0.3048}, {"mi", 1609.34}};

// printf's "%f", which Redis uses for the coordinates it refuses (any size of number).
std::string FormatFixed(double v) {
  const int len = std::snprintf(nullptr, 0, "%f", v);
  std::string text(static_cast<size_t>(len) + 1, '\0');
  std::snprintf(text.data(), text.size(), "%f", v);
  text.resize(static_cast<size_t>(len));
  return text;
}

// A float argument, or the command's own error text.
bool ParseNumberOrReply(CommandContext& ctx, std::string_view arg, std::string_view error,
                        double* out) {
  std::optional<double> v = common::ParseDouble(arg);
  if (!v) {
    ctx.reply.Error(error);
    return false;
  }
  *out = *v;
  return true;
}

// radius unit
bool ParseRadiusOrReply(CommandContext& ctx, std::string_view radius, std::string_view unit,
                        GeoShape* shape) {
  if (!ParseNumberOrReply(ctx, radius, "ERR need numeric radius", &shape->radius)) {
    return false;
  }
  if (shape->radius < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  return ParseGeoUnitOrReply(ctx, unit, &shape->meters_per_unit);
}

// width height unit
bool ParseBoxOrReply(CommandContext& ctx, std::span<const std::string_view> args, GeoShape* shape) {
  if (!ParseNumberOrReply(ctx, args[0], "ERR need numeric width", &shape->width) ||
      !ParseNumberOrReply(ctx, args[1], "ERR need numeric height", &shape->height)) {
    return false;
  }
  if (shape->height < 0 || shape->width < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  return ParseGeoUnitOrReply(ctx, args[2], &shape->meters_per_unit);
}

// The position of a member of the searched set.
bool MemberPositionOrReply(CommandContext& ctx, const ZsetReader& source, std::string_view member,
                           GeoCoordinates* out) {
  std::optional<double> score = source.Score(member);
  if (!score) {
    ctx.reply.Error("ERR could not decode requested zset member");
    return false;
  }
  *out = GeoDecodeScore(*score);
  return true;
}

// The arguments before the options: GEORADIUS's point and radius, GEORADIUSBYMEMBER's member
// and radius, GEOSEARCHSTORE's destination. Returns the index of the first option, 0 after an
// error.
size_t ParseFixedArgumentsOrReply(CommandContext& ctx, GeoSearchForm form, const ZsetReader* source,
                                  GeoSearchRequest* r) {
  switch (form) {
    case GeoSearchForm::kRadius:
      r->shape.type = GeoShapeType::kCircle;
      if (!ParseGeoPointOrReply(ctx, ctx.args[2], ctx.args[3], &r->shape.center) ||
          !ParseRadiusOrReply(ctx, ctx.args[4], ctx.args[5], &r->shape)) {
        return 0;
      }
      return 6;
    case GeoSearchForm::kRadiusByMember:
      // Without the sorted set Redis reads only the options, to know which empty reply to give.
      if (source != nullptr) {
        r->shape.type = GeoShapeType::kCircle;
        if (!MemberPositionOrReply(ctx, *source, ctx.args[2], &r->shape.center) ||
            !ParseRadiusOrReply(ctx, ctx.args[3], ctx.args[4], &r->shape)) {
          return 0;
        }
      }
      return 5;
    case GeoSearchForm::kSearch:
      return 2;
    case GeoSearchForm::kSearchStore:
      r->store_key = ctx.args[1];
      return 3;
  }
  return 0;
}

}  // namespace

bool ParseGeoPointOrReply(CommandContext& ctx, std::string_view longitude,
                          std::string_view latitude, GeoCoordinates* out) {
  if (!ParseDoubleOrReply(ctx, longitude, &out->longitude) ||
      !ParseDoubleOrReply(ctx, latitude, &out->latitude)) {
    return false;
  }
  if (out->longitude < kGeoLongMin || out->longitude > kGeoLongMax || out->latitude < kGeoLatMin ||
      out->latitude > kGeoLatMax) {
    ctx.reply.Error("ERR invalid longitude,latitude pair " + FormatFixed(out->longitude) + "," +
                    FormatFixed(out->latitude));
    return false;
  }
  return true;
}

bool ParseGeoUnitOrReply(CommandContext& ctx, std::string_view unit, double* meters_per_unit) {
  for (const GeoUnit& u : kGeoUnits) {
    if (EqualsIgnoreCase(unit, u.name)) {
      *meters_per_unit = u.meters;
      return true;
    }
  }
  ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return false;
}

bool ParseGeoSearchOrReply(CommandContext& ctx, GeoSearchForm form, bool store_allowed,
                           const ZsetReader* source, GeoSearchRequest* out) {
  GeoSearchRequest& r = *out;
  const size_t first_option = ParseFixedArgumentsOrReply(ctx, form, source, &r);
  if (first_option == 0) {
    return false;
  }
  const bool search = form == GeoSearchForm::kSearch || form == GeoSearchForm::kSearchStore;
  bool from_member = false;
  bool from_lonlat = false;
  bool by_radius = false;
  bool by_box = false;
  for (size_t i = first_option; i < ctx.argc(); ++i) {
    const std::string_view arg = ctx.args[i];
    const size_t left = ctx.argc() - i - 1;
    const bool store = EqualsIgnoreCase(arg, "store");
    const bool store_dist = EqualsIgnoreCase(arg, "storedist");
    if (EqualsIgnoreCase(arg, "withdist")) {
      r.with_dist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      r.with_hash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      r.with_coord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      r.any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      r.sort = GeoSort::kAscending;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      r.sort = GeoSort::kDescending;
    } else if (EqualsIgnoreCase(arg, "count") && left >= 1) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &r.count)) {
        return false;
      }
      if (r.count <= 0) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return false;
      }
      ++i;
    } else if ((store || store_dist) && left >= 1 && store_allowed && !search) {
      r.store_key = ctx.args[i + 1];
      r.store_dist = store_dist;
      ++i;
    } else if (store_dist && form == GeoSearchForm::kSearchStore) {
      r.store_dist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && left >= 1 && search && !from_lonlat) {
      if (source != nullptr &&
          !MemberPositionOrReply(ctx, *source, ctx.args[i + 1], &r.shape.center)) {
        return false;
      }
      from_member = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && left >= 2 && search && !from_member) {
      if (!ParseGeoPointOrReply(ctx, ctx.args[i + 1], ctx.args[i + 2], &r.shape.center)) {
        return false;
      }
      from_lonlat = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && left >= 2 && search && !by_box) {
      if (!ParseRadiusOrReply(ctx, ctx.args[i + 1], ctx.args[i + 2], &r.shape)) {
        return false;
      }
      r.shape.type = GeoShapeType::kCircle;
      by_radius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && left >= 3 && search && !by_radius) {
      if (!ParseBoxOrReply(ctx, ctx.args.subspan(i + 1, 3), &r.shape)) {
        return false;
      }
      r.shape.type = GeoShapeType::kBox;
      by_box = true;
      i += 3;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }

  if (r.store_key && (r.with_dist || r.with_hash || r.with_coord)) {
    ctx.reply.Error(
        std::string("ERR ") +
        (form == GeoSearchForm::kSearchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
        " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  // Redis names the command as the client spelled it.
  if (search && !from_member && !from_lonlat) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                    std::string(ctx.args[0]));
    return false;
  }
  if (search && !by_radius && !by_box) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                    std::string(ctx.args[0]));
    return false;
  }
  if (r.any && r.count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

}  // namespace redoubt::commands
