// List commands: pushes, pops (LPOP RPOP LMPOP, and the blocking BLPOP BRPOP BLMPOP), LLEN LRANGE
// LINDEX LSET LINSERT LREM LTRIM LPOS, and moves (LMOVE RPOPLPUSH BLMOVE BRPOPLPUSH). Semantics,
// reply types and error texts follow Redis 7.0's t_list.c; each command is a row at the end of the
// file.
//
// Invariants every writer keeps: a list is never empty (popping the last element deletes the
// key, as Redis does), and the shard's memory accounting follows the list's size (MutateList).
#include "commands/list_commands.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "commands/blocking.h"
#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/mpop_arguments.h"
#include "common/index_range.h"
#include "common/numbers.h"
#include "storage/entry.h"
#include "storage/list_value.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::Keyspace;
using storage::ListValue;
using storage::ValueType;

inline constexpr std::string_view kErrIndexOutOfRange = "ERR index out of range";

enum class End : uint8_t { kHead, kTail };

OpResult<Entry*> FindList(Keyspace& keyspace, int db, std::string_view key, Access access) {
  return keyspace.FindOfType(db, key, ValueType::kList, access);
}

// Runs fn on the list of `e` (at key) and keeps the invariants: the bytes the list gained or lost
// go to the shard's accounting, and a list left empty deletes its key. Returns whether it did.
template <typename Fn>
bool MutateList(Keyspace& keyspace, int db, std::string_view key, Entry* e, Fn&& fn) {
  ListValue& list = e->mutable_list();
  size_t before = list.AllocatedBytes();
  fn(list);
  keyspace.AdjustUsedBytes(
      key, static_cast<int64_t>(list.AllocatedBytes()) - static_cast<int64_t>(before));
  if (list.empty()) {
    keyspace.Delete(db, key);
    return true;
  }
  return false;
}

std::string_view PushEvent(End end) {
  return end == End::kHead ? "lpush" : "rpush";
}

// Redis's listElementsRemoved: "lpop" or "rpop", then "del" when the list is gone.
void NotifyPopped(CommandContext& ctx, std::string_view key, End end, bool deleted) {
  NotifyElementsRemoved(ctx, kNotifyList, end == End::kHead ? "lpop" : "rpop", key, deleted);
}

// LPUSH/RPUSH and, with only_existing, LPUSHX/RPUSHX. Returns the list's new length (0 when
// only_existing and the key is missing).
OpResult<int64_t> OpPush(Keyspace& keyspace, int db, std::string_view key,
                         std::span<const std::string_view> elements, End end, bool only_existing) {
  auto found = FindList(keyspace, db, key, Access::kWrite);
  if (!found.ok()) {
    return found.status();
  }
  Entry* e = *found;
  if (e == nullptr) {
    if (only_existing) {
      return 0;
    }
    e = keyspace.CreateList(db, key);
  }
  size_t length = 0;
  MutateList(keyspace, db, key, e, [&](ListValue& list) {
    for (std::string_view element : elements) {
      end == End::kHead ? list.PushFront(element) : list.PushBack(element);
    }
    length = list.size();
  });
  return static_cast<int64_t>(length);
}

// Removes one element from `end`; *deleted tells whether that emptied (deleted) the list.
// kKeyNotFound when the key is missing. The element is moved out of the list, so LPOP/RPOP
// allocate nothing.
OpResult<std::string> OpPopOne(Keyspace& keyspace, int db, std::string_view key, End end,
                               bool* deleted) {
  auto found = FindList(keyspace, db, key, Access::kWrite);
  if (!found.ok()) {
    return found.status();
  }
  if (*found == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  std::string popped;
  *deleted = MutateList(keyspace, db, key, *found, [&](ListValue& list) {
    popped = end == End::kHead ? list.TakeFront() : list.TakeBack();
  });
  return popped;
}

// Removes up to `count` elements from `end`, in the order they were removed (RPOP's come last
// element first); *deleted as OpPopOne. kKeyNotFound when the key is missing.
OpResult<std::vector<std::string>> OpPop(Keyspace& keyspace, int db, std::string_view key, End end,
                                         size_t count, bool* deleted) {
  auto found = FindList(keyspace, db, key, Access::kWrite);
  if (!found.ok()) {
    return found.status();
  }
  if (*found == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  std::vector<std::string> popped;
  *deleted = MutateList(keyspace, db, key, *found, [&](ListValue& list) {
    size_t n = std::min(count, list.size());
    popped.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      popped.push_back(end == End::kHead ? list.TakeFront() : list.TakeBack());
    }
  });
  return popped;
}

OpResult<bool> OpSet(Keyspace& keyspace, int db, std::string_view key, int64_t index,
                     std::string_view element) {
  auto found = FindList(keyspace, db, key, Access::kWrite);
  if (!found.ok()) {
    return found.status();
  }
  if (*found == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  bool replaced = false;
  MutateList(keyspace, db, key, *found,
             [&](ListValue& list) { replaced = list.Set(index, element); });
  if (!replaced) {
    return OpStatus::kOutOfRange;
  }
  return true;
}

void Push(CommandContext& ctx, End end, bool only_existing) {
  auto length =
      OpPush(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args.subspan(2), end, only_existing);
  if (!length.ok()) {
    return ReplyError(ctx, length.status());
  }
  ctx.reply.Integer(*length);
  // One change per element pushed; LPUSHX/RPUSHX on a missing key (length 0) pushed none.
  if (*length > 0) {
    ctx.dirty += ctx.argc() - 2;
    NotifyKeyspaceEvent(ctx, kNotifyList, PushEvent(end), ctx.args[1]);
  }
}

void CmdLPush(CommandContext& ctx) {
  Push(ctx, End::kHead, false);
}
void CmdRPush(CommandContext& ctx) {
  Push(ctx, End::kTail, false);
}
void CmdLPushX(CommandContext& ctx) {
  Push(ctx, End::kHead, true);
}
void CmdRPushX(CommandContext& ctx) {
  Push(ctx, End::kTail, true);
}

// LPOP/RPOP key [count]. Without count: a bulk string, or nil. With count: an array (empty for
// count 0), or a nil array when the key is missing, as Redis 7.0's popGenericCommand replies. Redis
// parses count before looking the key up, and looks the key up before honouring count 0.
void Pop(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error(WrongArityText(ctx.spec.name));
  }
  bool has_count = ctx.argc() == 3;
  int64_t count = 0;
  if (has_count) {
    // Redis's getPositiveLongFromObjectOrReply gives one error for "not a number" and "< 0".
    if (!ParseInt64OrReply(ctx, ctx.args[2], &count, kErrMustBePositive)) {
      return;
    }
    if (count < 0) {
      return ctx.reply.Error(kErrMustBePositive);
    }
  }
  bool deleted = false;
  if (!has_count) {
    auto popped = OpPopOne(ctx.keyspace, ctx.db(), ctx.args[1], end, &deleted);
    if (popped.status() == OpStatus::kKeyNotFound) {
      return ctx.reply.Null();
    }
    if (!popped.ok()) {
      return ReplyError(ctx, popped.status());
    }
    ++ctx.dirty;
    ctx.reply.Bulk(*popped);
    return NotifyPopped(ctx, ctx.args[1], end, deleted);
  }
  auto popped =
      OpPop(ctx.keyspace, ctx.db(), ctx.args[1], end, static_cast<size_t>(count), &deleted);
  if (popped.status() == OpStatus::kKeyNotFound) {
    return ctx.reply.NullArray();
  }
  if (!popped.ok()) {
    return ReplyError(ctx, popped.status());
  }
  ctx.dirty += popped->size();
  ctx.reply.ArrayHeader(popped->size());
  for (const std::string& element : *popped) {
    ctx.reply.Bulk(element);
  }
  if (!popped->empty()) {  // COUNT 0 pops nothing and reports nothing
    NotifyPopped(ctx, ctx.args[1], end, deleted);
  }
}

void CmdLPop(CommandContext& ctx) {
  Pop(ctx, End::kHead);
}
void CmdRPop(CommandContext& ctx) {
  Pop(ctx, End::kTail);
}

void CmdLLen(CommandContext& ctx) {
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  ctx.reply.Integer(*e == nullptr ? 0 : static_cast<int64_t>((*e)->list().size()));
}

// LRANGE key start stop. Redis parses both indexes before the lookup.
void CmdLRange(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &start) || !ParseInt64OrReply(ctx, ctx.args[3], &stop)) {
    return;
  }
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.ArrayHeader(0);
  }
  const ListValue& list = (*e)->list();
  std::optional<common::IndexRange> range =
      common::ClampRange(start, stop, list.size(), common::NegativeEnd::kEmpty);
  if (!range) {
    return ctx.reply.ArrayHeader(0);
  }
  ctx.reply.ArrayHeader(range->size());
  ListValue::Cursor cursor = list.CursorAt(range->first);
  for (size_t left = range->size(); left > 0; --left, cursor.Next()) {
    ctx.reply.Bulk(*cursor);
  }
}

// LINDEX key index. Redis looks the key up before parsing the index, so a missing key answers
// nil even for an index that is not a number.
void CmdLIndex(CommandContext& ctx) {
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  int64_t index;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &index)) {
    return;
  }
  auto element = (*e)->list().At(index);
  if (!element) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(*element);
}

// LSET key index element. Redis checks for a missing key, then the type, then the index; a bad
// index is rare, so only then do we look the key up to pick the error.
void CmdLSet(CommandContext& ctx) {
  std::optional<int64_t> index = common::ParseInt64(ctx.args[2]);
  if (!index) {
    auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kWrite);
    if (!e.ok()) {
      return ReplyError(ctx, e.status());
    }
    return ctx.reply.Error(*e == nullptr ? kErrNoSuchKey : kErrNotInteger);
  }
  auto set = OpSet(ctx.keyspace, ctx.db(), ctx.args[1], *index, ctx.args[3]);
  if (set.status() == OpStatus::kOutOfRange) {
    return ctx.reply.Error(kErrIndexOutOfRange);
  }
  if (!set.ok()) {
    return ReplyError(ctx, set.status());
  }
  ++ctx.dirty;
  ctx.reply.Ok();
  NotifyKeyspaceEvent(ctx, kNotifyList, "lset", ctx.args[1]);
}

bool ParseEndOrReply(CommandContext& ctx, std::string_view arg, End* end) {
  if (EqualsIgnoreCase(arg, "left")) {
    *end = End::kHead;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *end = End::kTail;
  } else {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

// LINSERT key BEFORE|AFTER pivot element: the new length, -1 when pivot is missing, 0 when the
// key is.
void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.args[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.args[2], "before")) {
    after = false;
  } else {
    return ctx.reply.Error(kErrSyntax);
  }
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Integer(0);
  }
  int64_t length = -1;
  MutateList(ctx.keyspace, ctx.db(), ctx.args[1], *e, [&](ListValue& list) {
    for (ListValue::Cursor c = list.CursorAt(0); !c.done(); c.Next()) {
      if (*c == ctx.args[3]) {
        list.Insert(after ? c.index() + 1 : c.index(), ctx.args[4]);
        length = static_cast<int64_t>(list.size());
        return;
      }
    }
  });
  if (length > 0) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyList, "linsert", ctx.args[1]);
  }
  ctx.reply.Integer(length);
}

// LREM key count element.
void CmdLRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &count)) {
    return;
  }
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  size_t removed = 0;
  bool deleted = false;
  if (*e != nullptr) {
    deleted = MutateList(ctx.keyspace, ctx.db(), ctx.args[1], *e,
                         [&](ListValue& list) { removed = list.Remove(ctx.args[3], count); });
  }
  ctx.dirty += removed;
  if (removed > 0) {
    NotifyElementsRemoved(ctx, kNotifyList, "lrem", ctx.args[1], deleted);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop: a range that selects nothing empties (deletes) the list.
void CmdLTrim(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &start) || !ParseInt64OrReply(ctx, ctx.args[3], &stop)) {
    return;
  }
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e != nullptr) {
    bool deleted = MutateList(ctx.keyspace, ctx.db(), ctx.args[1], *e, [&](ListValue& list) {
      const size_t before = list.size();
      std::optional<common::IndexRange> keep =
          common::ClampRange(start, stop, list.size(), common::NegativeEnd::kEmpty);
      if (keep) {
        list.Trim(keep->first, keep->last);
      } else {
        list.Clear();
      }
      ctx.dirty += before - list.size();
    });
    // Even when nothing was trimmed, as Redis's ltrimCommand.
    NotifyElementsRemoved(ctx, kNotifyList, "ltrim", ctx.args[1], deleted);
  }
  ctx.reply.Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
void CmdLPos(CommandContext& ctx) {
  int64_t rank = 1;
  int64_t count = -1;  // no COUNT: one index or nil
  int64_t maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.args[j];
    const bool more = j + 1 < ctx.argc();
    if (more && EqualsIgnoreCase(opt, "rank")) {
      if (!ParseInt64OrReply(ctx, ctx.args[++j], &rank)) {
        return;
      }
      if (rank == 0) {
        return ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
    } else if (more && EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[++j], 0, LONG_MAX, &count,
                                    "ERR COUNT can't be negative")) {
        return;
      }
    } else if (more && EqualsIgnoreCase(opt, "maxlen")) {
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[++j], 0, LONG_MAX, &maxlen,
                                    "ERR MAXLEN can't be negative")) {
        return;
      }
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  auto e = FindList(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return count >= 0 ? ctx.reply.ArrayHeader(0) : ctx.reply.Null();
  }
  const ListValue& list = (*e)->list();
  const size_t n = list.size();
  const size_t scan = maxlen == 0 ? n : std::min(n, static_cast<size_t>(maxlen));
  const bool from_tail = rank < 0;
  // Redis negates the rank, so INT64_MIN stays negative and every match is past it: the first
  // match from the tail answers.
  uint64_t skip = rank == INT64_MIN ? 0 : static_cast<uint64_t>(from_tail ? -rank : rank) - 1;
  std::vector<int64_t> found;
  ListValue::Cursor c = list.CursorAt(from_tail ? n - 1 : 0);
  for (size_t k = 0; k < scan; ++k, from_tail ? c.Prev() : c.Next()) {
    if (*c != ctx.args[2]) {
      continue;
    }
    if (skip > 0) {
      --skip;
      continue;
    }
    found.push_back(static_cast<int64_t>(c.index()));
    // Without COUNT the first match is the answer; COUNT 0 means every match.
    if (count < 0 || (count > 0 && found.size() >= static_cast<size_t>(count))) {
      break;
    }
  }
  if (count < 0) {
    return found.empty() ? ctx.reply.Null() : ctx.reply.Integer(found[0]);
  }
  ctx.reply.ArrayHeader(found.size());
  for (int64_t i : found) {
    ctx.reply.Integer(i);
  }
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT, and RPOPLPUSH (RIGHT, LEFT): the destination's
// type is checked before anything is popped. Reported as Redis's lmoveGenericCommand reports it:
// the push on the destination first, then the pop on the source (and its "del").
void Move(CommandContext& ctx, End from, End to) {
  const std::string_view source = ctx.args[1];
  const std::string_view destination = ctx.args[2];
  auto src = FindList(ctx.keyspace, ctx.db(), source, Access::kWrite);
  if (!src.ok()) {
    return ReplyError(ctx, src.status());
  }
  if (*src == nullptr) {
    return ctx.reply.Null();
  }
  auto dst = FindList(ctx.keyspace, ctx.db(), destination, Access::kWrite);
  if (!dst.ok()) {
    return ReplyError(ctx, dst.status());
  }
  std::string element;
  bool deleted = false;
  if (*dst == *src) {
    // A rotation: the list never becomes empty.
    MutateList(ctx.keyspace, ctx.db(), source, *src, [&](ListValue& list) {
      element = from == End::kHead ? list.TakeFront() : list.TakeBack();
      to == End::kHead ? list.PushFront(element) : list.PushBack(element);
    });
  } else {
    deleted = MutateList(ctx.keyspace, ctx.db(), source, *src, [&](ListValue& list) {
      element = from == End::kHead ? list.TakeFront() : list.TakeBack();
    });
    const std::string_view one[] = {element};
    auto pushed = OpPush(ctx.keyspace, ctx.db(), destination, one, to, false);
    if (!pushed.ok()) {
      return ReplyError(ctx, pushed.status());
    }
  }
  ctx.dirty += 1;
  NotifyKeyspaceEvent(ctx, kNotifyList, PushEvent(to), destination);
  ctx.reply.Bulk(element);
  NotifyPopped(ctx, source, from, deleted);
}

void CmdLMove(CommandContext& ctx) {
  End from;
  End to;
  if (ParseEndOrReply(ctx, ctx.args[3], &from) && ParseEndOrReply(ctx, ctx.args[4], &to)) {
    Move(ctx, from, to);
  }
}

void CmdRPopLPush(CommandContext& ctx) {
  Move(ctx, End::kTail, End::kHead);
}

// BLPOP / BRPOP key [key ...] timeout: [key, element] from the first non-empty list.
void BlockingPop(CommandContext& ctx, End end) {
  PopFirstOrWait(ctx, ValueType::kList, [&](std::string_view key, Entry*) {
    bool deleted;
    auto popped = OpPopOne(ctx.keyspace, ctx.db(), key, end, &deleted);
    ++ctx.dirty;
    ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", key});  // a replay must not wait
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(*popped);
    NotifyPopped(ctx, key, end, deleted);
  });
}

void CmdBLPop(CommandContext& ctx) {
  BlockingPop(ctx, End::kHead);
}
void CmdBRPop(CommandContext& ctx) {
  BlockingPop(ctx, End::kTail);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, and BRPOPLPUSH source destination
// timeout: waits on the source; a destination of another type is WRONGTYPE, also when the
// command runs again (Redis 7.0 unblocks such a client with the error, popping nothing).
void BlockingMove(CommandContext& ctx, End from, End to, std::string_view timeout) {
  int64_t deadline;
  if (!ParseBlockTimeoutOrReply(ctx, timeout, &deadline)) {
    return;
  }
  Entry* src;
  if (!FindKeyToPopOrReply(ctx, ctx.args[1], ValueType::kList, &src)) {
    return;
  }
  if (src != nullptr) {
    Move(ctx, from, to);
    // A replay must not wait: LMOVE, as Redis 7.0 propagates BLMOVE and BRPOPLPUSH.
    if (ctx.dirty > 0) {
      ctx.PropagateAs({"LMOVE", ctx.args[1], ctx.args[2], from == End::kHead ? "LEFT" : "RIGHT",
                       to == End::kHead ? "LEFT" : "RIGHT"});
    }
    return;
  }
  WaitOrReplyNull(ctx, ctx.args.subspan(1, 1), deadline, /*null_bulk=*/true);
}

void CmdBLMove(CommandContext& ctx) {
  End from;
  End to;
  if (ParseEndOrReply(ctx, ctx.args[3], &from) && ParseEndOrReply(ctx, ctx.args[4], &to)) {
    BlockingMove(ctx, from, to, ctx.args[5]);
  }
}

void CmdBRPopLPush(CommandContext& ctx) {
  BlockingMove(ctx, End::kTail, End::kHead, ctx.args[3]);
}

// Pops from the first of args.keys holding a list and replies [key, [elements]]; false when
// none does.
bool MpopOrReply(CommandContext& ctx, const MpopArguments& args) {
  for (std::string_view key : args.keys) {
    Entry* e;
    if (!FindKeyToPopOrReply(ctx, key, ValueType::kList, &e)) {
      return true;
    }
    if (e == nullptr) {
      continue;
    }
    const End end = args.from_second_end ? End::kTail : End::kHead;
    bool deleted;
    auto popped = OpPop(ctx.keyspace, ctx.db(), key, end, args.count, &deleted);
    ctx.dirty += popped->size();
    // As Redis 7.0 propagates [B]LMPOP: the plain pop of what was taken, from the key served.
    if (ctx.propagating) {
      std::string count = std::to_string(popped->size());
      ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", key, count});
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(popped->size());
    for (const std::string& element : *popped) {
      ctx.reply.Bulk(element);
    }
    NotifyPopped(ctx, key, end, deleted);
    return true;
  }
  return false;
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void CmdBLMPop(CommandContext& ctx) {
  MpopOrWait(ctx, "left", "right", MpopOrReply);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: [key, [elements]] from the first
// non-empty list, or a nil array.
void CmdLMPop(CommandContext& ctx) {
  MpopArguments args{.ends = {"left", "right"}};
  if (!ParseMpopArgumentsOrReply(ctx, 1, &args)) {
    return;
  }
  if (!MpopOrReply(ctx, args)) {
    ctx.reply.NullArray();
  }
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  constexpr uint64_t kList = kAclList;
  table.Add({.name = "lpush",
             .arity = -3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdLPush,
             .summary = "Prepend one or multiple elements to a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "rpush",
             .arity = -3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdRPush,
             .summary = "Append one or multiple elements to a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "lpushx",
             .arity = -3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdLPushX,
             .summary = "Prepend an element to a list, only if the list exists",
             .since = "2.2.0",
             .group = "list"});
  table.Add({.name = "rpushx",
             .arity = -3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdRPushX,
             .summary = "Append an element to a list, only if the list exists",
             .since = "2.2.0",
             .group = "list"});
  table.Add({.name = "lpop",
             .arity = -2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdLPop,
             .summary = "Remove and get the first elements in a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "rpop",
             .arity = -2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclFast,
             .handler = CmdRPop,
             .summary = "Remove and get the last elements in a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "llen",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kList | kAclRead | kAclFast,
             .handler = CmdLLen,
             .summary = "Get the length of a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "lrange",
             .arity = 4,
             .flags = kReadOnly,
             .keys = {1, 1, 1},
             .acl = kList | kAclRead | kAclSlow,
             .handler = CmdLRange,
             .summary = "Get a range of elements from a list",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "lindex",
             .arity = 3,
             .flags = kReadOnly,
             .keys = {1, 1, 1},
             .acl = kList | kAclRead | kAclSlow,
             .handler = CmdLIndex,
             .summary = "Get an element from a list by its index",
             .since = "1.0.0",
             .group = "list"});
  table.Add({.name = "lset",
             .arity = 4,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kList | kAclWrite | kAclSlow,
             .handler = CmdLSet,
             .summary = "Set the value of an element in a list by its index",
             .since = "1.0.0",
             .group = "list"});
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, KeySpec keys,
                 Handler handler, std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = keys,
               .acl = kList | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "list"});
  };
  row("linsert", 5, kWrite | kDenyOom, kAclWrite | kAclSlow, {1, 1, 1}, CmdLInsert,
      "Insert an element before or after another element in a list", "2.2.0");
  row("lrem", 4, kWrite, kAclWrite | kAclSlow, {1, 1, 1}, CmdLRem, "Remove elements from a list",
      "1.0.0");
  row("ltrim", 4, kWrite, kAclWrite | kAclSlow, {1, 1, 1}, CmdLTrim,
      "Trim a list to the specified range", "1.0.0");
  row("lpos", -3, kReadOnly, kAclRead | kAclSlow, {1, 1, 1}, CmdLPos,
      "Return the index of matching elements on a list", "6.0.6");
  row("lmove", 5, kWrite | kDenyOom, kAclWrite | kAclSlow, {1, 2, 1}, CmdLMove,
      "Pop an element from a list, push it to another list and return it", "6.2.0");
  row("rpoplpush", 3, kWrite | kDenyOom, kAclWrite | kAclSlow, {1, 2, 1}, CmdRPopLPush,
      "Remove the last element in a list, prepend it to another list and return it", "1.2.0");
  row("blpop", -3, kWrite | kNoScript | kBlocking, kAclWrite | kAclSlow | kAclBlocking, {1, -2, 1},
      CmdBLPop, "Remove and get the first element in a list, or block until one is available",
      "2.0.0");
  row("brpop", -3, kWrite | kNoScript | kBlocking, kAclWrite | kAclSlow | kAclBlocking, {1, -2, 1},
      CmdBRPop, "Remove and get the last element in a list, or block until one is available",
      "2.0.0");
  row("blmove", 6, kWrite | kDenyOom | kNoScript | kBlocking, kAclWrite | kAclSlow | kAclBlocking,
      {1, 2, 1}, CmdBLMove,
      "Pop an element from a list, push it to another list and return it; or block until one is "
      "available",
      "6.2.0");
  row("brpoplpush", 4, kWrite | kDenyOom | kNoScript | kBlocking,
      kAclWrite | kAclSlow | kAclBlocking, {1, 2, 1}, CmdBRPopLPush,
      "Pop an element from a list, push it to another list and return it; or block until one is "
      "available",
      "2.2.0");
  table.Add({.name = "blmpop",
             .arity = -5,
             .flags = kWrite | kBlocking,
             .acl = kList | kAclWrite | kAclSlow | kAclBlocking,
             .handler = CmdBLMPop,
             .key_finder = KeysAfterCount<2>,
             .summary = "Pop elements from a list, or block until one is available",
             .since = "7.0.0",
             .group = "list"});
  table.Add({.name = "lmpop",
             .arity = -4,
             .flags = kWrite,
             .acl = kList | kAclWrite | kAclSlow,
             .handler = CmdLMPop,
             .key_finder = KeysAfterCount<1>,
             .summary = "Pop elements from a list",
             .since = "7.0.0",
             .group = "list"});
}

}  // namespace redoubt::commands
