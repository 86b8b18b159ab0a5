// Sorted-set commands over several inputs: ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE
// ZINTERCARD, as Redis 7.0's zunionInterDiffGenericCommand: numkeys, then every key's type (a
// sorted set, or a set whose members score 1), then WEIGHTS, AGGREGATE, WITHSCORES or LIMIT.
// Inputs are visited from the smallest, as Redis does, so that floating-point sums add up in
// the same order and give the same bits.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/set_operations.h"
#include "commands/zset_commands.h"
#include "commands/zset_operations.h"
#include "commands/zset_replies.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

enum class ZsetOp : uint8_t { kUnion, kInter, kDiff };
enum class Aggregate : uint8_t { kSum, kMin, kMax };

// One input: a sorted set, a set, or nothing (a missing key).
struct Source {
  const Entry* entry = nullptr;
  double weight = 1;

  size_t size() const {
    if (entry == nullptr) {
      return 0;
    }
    return entry->type() == ValueType::kSet ? SetReader(*entry).size() : ZsetReader(*entry).size();
  }
  void ForEach(const std::function<void(std::string_view, double)>& fn) const {
    if (entry == nullptr) {
      return;
    }
    if (entry->type() == ValueType::kSet) {
      SetReader(*entry).ForEach([&](std::string_view m) { fn(m, 1.0); });
    } else {
      ZsetReader(*entry).ForEach([&](const ZsetElement& el) { fn(el.member, el.score); });
    }
  }
  std::optional<double> Score(std::string_view member) const {
    if (entry == nullptr) {
      return std::nullopt;
    }
    if (entry->type() == ValueType::kSet) {
      return SetReader(*entry).Contains(member) ? std::optional<double>(1.0) : std::nullopt;
    }
    return ZsetReader(*entry).Score(member);
  }
};

// Redis's zunionInterAggregate: a sum that is NaN (inf + -inf) is 0.
void AggregateInto(double* target, double value, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) {
        *target = 0;
      }
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

double Weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

struct Request {
  ZsetOp op;
  bool store = false;
  bool cardinality_only = false;  // ZINTERCARD
  std::vector<Source> sources;
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;
};

// Reads numkeys at args[numkeys_index], the keys after it and the options; false after replying.
bool ParseOrReply(CommandContext& ctx, size_t numkeys_index, Request* r) {
  int64_t numkeys;
  if (!ParseInt64OrReply(ctx, ctx.args[numkeys_index], &numkeys)) {
    return false;
  }
  if (numkeys < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + std::string(ctx.spec.name) +
                    "' command");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - numkeys_index - 1) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  const auto n = static_cast<size_t>(numkeys);
  for (size_t i = 0; i < n; ++i) {
    Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[numkeys_index + 1 + i], Access::kRead);
    if (e != nullptr && e->type() != ValueType::kZset && e->type() != ValueType::kSet) {
      ctx.reply.Error(kErrWrongType);
      return false;
    }
    r->sources.push_back({e, 1.0});
  }
  for (size_t j = numkeys_index + 1 + n; j < ctx.argc();) {
    const std::string_view opt = ctx.args[j];
    const size_t remaining = ctx.argc() - j;
    const bool weights_allowed = r->op != ZsetOp::kDiff && !r->cardinality_only;
    if (weights_allowed && remaining >= n + 1 && EqualsIgnoreCase(opt, "weights")) {
      for (size_t i = 0; i < n; ++i) {
        std::optional<double> w = common::ParseDouble(ctx.args[j + 1 + i]);
        if (!w) {
          ctx.reply.Error("ERR weight value is not a float");
          return false;
        }
        r->sources[i].weight = *w;
      }
      j += n + 1;
    } else if (weights_allowed && remaining >= 2 && EqualsIgnoreCase(opt, "aggregate")) {
      const std::string_view how = ctx.args[j + 1];
      if (EqualsIgnoreCase(how, "sum")) {
        r->aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        r->aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        r->aggregate = Aggregate::kMax;
      } else {
        ctx.reply.Error(kErrSyntax);
        return false;
      }
      j += 2;
    } else if (!r->store && !r->cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      r->with_scores = true;
      j += 1;
    } else if (r->cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[j + 1], 0, LONG_MAX, &r->limit,
                                    "ERR LIMIT can't be negative")) {
        return false;
      }
      j += 2;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// The result, ascending by score then member; members view the inputs.
std::vector<ZsetElement> Compute(Request& r) {
  std::vector<ZsetElement> result;
  std::vector<Source>& src = r.sources;
  if (r.op == ZsetOp::kDiff) {
    src[0].ForEach([&](std::string_view member, double score) {
      for (size_t j = 1; j < src.size(); ++j) {
        if (src[j].entry == src[0].entry || src[j].Score(member)) {
          return;
        }
      }
      result.push_back({member, score});
    });
  } else {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    if (r.op == ZsetOp::kInter) {
      src[0].ForEach([&](std::string_view member, double score) {
        if (r.limit > 0 && result.size() >= static_cast<size_t>(r.limit)) {
          return;
        }
        double total = Weighted(score, src[0].weight);
        for (size_t j = 1; j < src.size(); ++j) {
          std::optional<double> other =
              src[j].entry == src[0].entry ? std::optional<double>(score) : src[j].Score(member);
          if (!other) {
            return;
          }
          AggregateInto(&total, *other * src[j].weight, r.aggregate);
        }
        result.push_back({member, total});
      });
    } else {
      absl::flat_hash_map<std::string_view, double> totals;
      for (const Source& s : src) {
        s.ForEach([&](std::string_view member, double score) {
          const double v = Weighted(score, s.weight);
          auto [it, fresh] = totals.try_emplace(member, v);
          if (!fresh) {
            AggregateInto(&it->second, v, r.aggregate);
          }
        });
      }
      result.reserve(totals.size());
      for (const auto& [member, total] : totals) {
        result.push_back({member, total});
      }
    }
  }
  std::sort(result.begin(), result.end(), [](const ZsetElement& a, const ZsetElement& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
  return result;
}

void Run(CommandContext& ctx, ZsetOp op, bool store) {
  Request r{.op = op, .store = store};
  if (!ParseOrReply(ctx, store ? 2 : 1, &r)) {
    return;
  }
  std::vector<ZsetElement> result = Compute(r);
  if (store) {
    std::vector<std::pair<std::string, double>> copies;
    copies.reserve(result.size());
    for (const ZsetElement& el : result) {
      copies.emplace_back(std::string(el.member), el.score);
    }
    static constexpr std::string_view kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
    return StoreZsetAndReply(ctx, ctx.args[1], copies, kEvents[static_cast<int>(op)]);
  }
  ReplyZsetElements(ctx, result,
                    r.with_scores ? ZsetReplyShape::kWithScores : ZsetReplyShape::kMembers);
}

void CmdZUnion(CommandContext& ctx) {
  Run(ctx, ZsetOp::kUnion, false);
}
void CmdZInter(CommandContext& ctx) {
  Run(ctx, ZsetOp::kInter, false);
}
void CmdZDiff(CommandContext& ctx) {
  Run(ctx, ZsetOp::kDiff, false);
}
void CmdZUnionStore(CommandContext& ctx) {
  Run(ctx, ZsetOp::kUnion, true);
}
void CmdZInterStore(CommandContext& ctx) {
  Run(ctx, ZsetOp::kInter, true);
}
void CmdZDiffStore(CommandContext& ctx) {
  Run(ctx, ZsetOp::kDiff, true);
}

void CmdZInterCard(CommandContext& ctx) {
  Request r{.op = ZsetOp::kInter, .cardinality_only = true};
  if (ParseOrReply(ctx, 1, &r)) {
    ctx.reply.Integer(static_cast<int64_t>(Compute(r).size()));
  }
}

}  // namespace

void RegisterZsetAlgebraCommands(CommandTable& table) {
  // Keys after numkeys at args[1]; a STORE's destination at args[1] and numkeys at args[2].
  auto row = [&](std::string_view name, bool store, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    CommandSpec spec{.name = name,
                     .arity = store ? -4 : -3,
                     .flags = store ? kWrite | kDenyOom : kReadOnly,
                     .acl = kAclSortedSet | kAclSlow | acl,
                     .handler = handler,
                     .summary = summary,
                     .since = since,
                     .group = "sorted-set"};
    if (store) {
      spec.keys = {1, 1, 1};
      spec.key_finder = DestinationAndKeysAfterCount<2>;
    } else {
      spec.key_finder = KeysAfterCount<1>;
    }
    table.Add(std::move(spec));
  };
  row("zunion", false, kAclRead, CmdZUnion, "Add multiple sorted sets", "6.2.0");
  row("zinter", false, kAclRead, CmdZInter, "Intersect multiple sorted sets", "6.2.0");
  row("zdiff", false, kAclRead, CmdZDiff, "Subtract multiple sorted sets", "6.2.0");
  row("zunionstore", true, kAclWrite, CmdZUnionStore,
      "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0");
  row("zinterstore", true, kAclWrite, CmdZInterStore,
      "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0");
  row("zdiffstore", true, kAclWrite, CmdZDiffStore,
      "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0");
  row("zintercard", false, kAclRead, CmdZInterCard,
      "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0");
}

}  // namespace redoubt::commands
