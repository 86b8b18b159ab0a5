// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE
// destination] and SORT_RO, as Redis 7.0's sort.c: the elements of a list, set or sorted set,
// ordered as numbers (ties by their bytes) or as strings, by themselves or by the values of
// other keys a pattern names ("weight_*", "obj_*->field"), and replaced in the reply by such
// values (GET); stored as a list with STORE.
//
// Locking: the keys BY and GET read are known only while sorting, so SORT runs with every shard
// locked (kWholeKeyspace), as it is a slow command anyway; its key finder names the sorted key
// and the destination for ACL checks.
#include "commands/sort_commands.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/hash_operations.h"
#include "commands/keyspace_notifications.h"
#include "commands/set_operations.h"
#include "commands/zset_operations.h"
#include "storage/entry.h"
#include "storage/list_value.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

struct SortRequest {
  std::optional<std::string_view> by;  // a pattern; none: the elements themselves
  bool dont_sort = false;              // BY a pattern without '*'
  std::vector<std::string_view> gets;
  bool desc = false;
  bool alpha = false;
  int64_t offset = 0;
  int64_t count = -1;
  std::optional<std::string_view> store;
};

bool ParseOrReply(CommandContext& ctx, bool read_only, SortRequest* r) {
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.args[j];
    const size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(opt, "asc")) {
      r->desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      r->desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      r->alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseInt64OrReply(ctx, ctx.args[j + 1], &r->offset) ||
          !ParseInt64OrReply(ctx, ctx.args[j + 2], &r->count)) {
        return false;
      }
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(opt, "store") && left >= 1) {
      r->store = ctx.args[++j];
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      r->by = ctx.args[++j];
      // A pattern naming no key ("nosort") means: keep the elements' own order.
      r->dont_sort = r->by->find('*') == std::string_view::npos;
      // In cluster mode the keys a pattern names may live on other nodes.
      if (!r->dont_sort && ctx.keyspace.cluster_mode()) {
        ctx.reply.Error("ERR BY option of SORT denied in Cluster mode.");
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      if (ctx.keyspace.cluster_mode()) {
        ctx.reply.Error("ERR GET option of SORT denied in Cluster mode.");
        return false;
      }
      r->gets.push_back(ctx.args[++j]);
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// Redis's lookupKeyByPattern: "#" is the element; otherwise the first '*' of the pattern is
// replaced by it, and "->field" after it reads a hash field. nullopt when the key or field is
// missing or of another type.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  if (pattern == "#") {
    return std::string(element);
  }
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view field;
  std::string_view key_pattern = pattern;
  const size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_pattern = pattern.substr(0, arrow);
  }
  std::string key(key_pattern.substr(0, star));
  key.append(element);
  key.append(key_pattern.substr(star + 1));
  Entry* e = ctx.keyspace.Find(ctx.db(), key, Access::kRead);
  if (e == nullptr) {
    return std::nullopt;
  }
  if (!field.empty()) {
    if (e->type() != ValueType::kHash) {
      return std::nullopt;
    }
    std::optional<std::string_view> value = HashReader(*e).Get(field);
    return value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
  }
  if (e->type() != ValueType::kString) {
    return std::nullopt;
  }
  return std::string(e->value());
}

struct Item {
  std::string element;
  std::optional<std::string> by;  // the BY value (alpha), if any
  double score = 0;               // numeric sort
};

// strtod over the whole text, as Redis's sort reads a score.
std::optional<double> ParseSortScore(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(v)) {
    return std::nullopt;
  }
  return v;
}

void Sort(CommandContext& ctx, bool read_only) {
  SortRequest r;
  if (!ParseOrReply(ctx, read_only, &r)) {
    return;
  }
  Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], r.store ? Access::kWrite : Access::kRead);
  if (e != nullptr && e->type() != ValueType::kList && e->type() != ValueType::kSet &&
      e->type() != ValueType::kZset) {
    return ctx.reply.Error(kErrWrongType);
  }
  // A set has no order of its own: when its "unsorted" result is stored or read by a script,
  // Redis sorts it (alphabetically) so that the list or the script's result is the same
  // everywhere.
  if (e != nullptr && r.dont_sort && e->type() == ValueType::kSet &&
      (r.store || ctx.client.is_script())) {
    r.dont_sort = false;
    r.alpha = true;
    r.by.reset();
  }
  std::vector<Item> items;
  if (e != nullptr) {
    if (e->type() == ValueType::kList) {
      for (auto c = e->list().CursorAt(0); !c.done(); c.Next()) {
        items.push_back({std::string(*c)});
      }
    } else if (e->type() == ValueType::kSet) {
      SetReader(*e).ForEach([&](std::string_view m) { items.push_back({std::string(m)}); });
    } else {
      ZsetReader(*e).ForEach(
          [&](const ZsetElement& el) { items.push_back({std::string(el.member)}); });
      if (r.dont_sort && r.desc) {
        std::reverse(items.begin(), items.end());  // a sorted set's own order, reversed
      }
    }
  }
  if (!r.dont_sort) {
    for (Item& item : items) {
      std::optional<std::string> value = r.by ? LookupByPattern(ctx, *r.by, item.element)
                                              : std::optional<std::string>(item.element);
      if (r.alpha) {
        if (r.by) {
          item.by = std::move(value);
        }
      } else if (value) {
        std::optional<double> score = ParseSortScore(*value);
        if (!score) {
          return ctx.reply.Error("ERR One or more scores can't be converted into double");
        }
        item.score = *score;
      }
    }
    auto less = [&](const Item& a, const Item& b) {
      int cmp;
      if (!r.alpha) {
        cmp = a.score < b.score ? -1 : a.score > b.score ? 1 : a.element.compare(b.element);
      } else if (r.by) {
        // A missing BY value sorts first.
        cmp = !a.by && !b.by ? 0 : !a.by ? -1 : !b.by ? 1 : a.by->compare(*b.by);
      } else {
        cmp = a.element.compare(b.element);
      }
      return r.desc ? cmp > 0 : cmp < 0;
    };
    std::stable_sort(items.begin(), items.end(), less);
  }
  // LIMIT, as Redis clamps it.
  const auto n = static_cast<int64_t>(items.size());
  int64_t start = r.offset < 0 ? 0 : r.offset;
  int64_t end = r.count < 0 ? n - 1 : start + r.count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) {
    end = n - 1;
  }
  std::vector<std::optional<std::string>> out;
  for (int64_t i = start; i <= end && i >= 0; ++i) {
    const std::string& element = items[static_cast<size_t>(i)].element;
    if (r.gets.empty()) {
      out.emplace_back(element);
    }
    for (std::string_view get : r.gets) {
      out.push_back(LookupByPattern(ctx, get, element));
    }
  }
  if (!r.store) {
    ctx.reply.ArrayHeader(out.size());
    for (const auto& v : out) {
      if (v) {
        ctx.reply.Bulk(*v);
      } else {
        ctx.reply.Null();
      }
    }
    return;
  }
  // STORE: a list (a missing value stored as an empty string), replacing the destination as a
  // new value (Redis's setKey: "new" only if it was missing); an empty result deletes it. The
  // changes counted are Redis's: one per element stored, or one for a deletion.
  if (out.empty()) {
    if (ctx.keyspace.Delete(ctx.db(), *r.store)) {
      ctx.dirty += 1;
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", *r.store);
    }
    return ctx.reply.Integer(0);
  }
  Entry* list = ctx.keyspace.CreateList(ctx.db(), *r.store);
  storage::ListValue& values = list->mutable_list();
  const size_t before = values.AllocatedBytes();
  for (const auto& v : out) {
    values.PushBack(v ? std::string_view(*v) : std::string_view());
  }
  ctx.keyspace.AdjustUsedBytes(
      *r.store, static_cast<int64_t>(values.AllocatedBytes()) - static_cast<int64_t>(before));
  ctx.dirty += out.size();
  NotifyKeyspaceEvent(ctx, kNotifyList, "sortstore", *r.store);
  ctx.reply.Integer(static_cast<int64_t>(out.size()));
}

void CmdSort(CommandContext& ctx) {
  Sort(ctx, false);
}

void CmdSortRo(CommandContext& ctx) {
  Sort(ctx, true);
}

// The keys of SORT and SORT_RO for locks and ACL checks, as their getkeys procedures find them.
template <GetKeysProc kProc>
void KeysOf(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  std::vector<KeyReference> found;
  kProc(args, &found);
  for (const KeyReference& k : found) {
    keys->push_back(args[static_cast<size_t>(k.pos)]);
  }
}

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  const uint64_t acl = kAclSet | kAclSortedSet | kAclList | kAclSlow | kAclDangerous;
  table.Add({.name = "sort",
             .arity = -2,
             .flags = kWrite | kDenyOom | kWholeKeyspace,
             .keys = {1, 1, 1},
             .acl = acl | kAclWrite,
             .handler = CmdSort,
             .key_finder = KeysOf<SortGetKeys>,
             .summary = "Sort the elements in a list, set or sorted set",
             .since = "1.0.0",
             .group = "generic"});
  table.Add(
      {.name = "sort_ro",
       .arity = -2,
       .flags = kReadOnly | kWholeKeyspace,
       .keys = {1, 1, 1},
       .acl = acl | kAclRead,
       .handler = CmdSortRo,
       .key_finder = KeysOf<SortRoGetKeys>,
       .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
       .since = "7.0.0",
       .group = "generic"});
}

}  // namespace redoubt::commands
