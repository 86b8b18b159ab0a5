// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, on string values.
// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, on string values.
// Semantics, reply types, error texts and the order in which errors are found follow Redis 7.0's
// bitops.c, checked against redis-server 7.0.15; the bit arithmetic is in bit_ops.h. Each
// command is a row at the end of the file.
//
// Bit offsets are limited as Redis limits them: offset / 8 must be below proto-max-bulk-len
// (512 MB by default, so at most 2^32 - 1 bits), and here also below what an Entry can hold.
#include "commands/bitmap_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "commands/bit_ops.h"
#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::Keyspace;
using storage::ValueType;

constexpr std::string_view kErrBitArgument = "ERR The bit argument must be 1 or 0.";
constexpr std::string_view kErrBitOpNot = "ERR BITOP NOT must be called with a single source key.";
constexpr std::string_view kErrFieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";
constexpr std::string_view kErrOverflowType = "ERR Invalid OVERFLOW type specified";
constexpr std::string_view kErrBitFieldRo = "ERR BITFIELD_RO only supports the GET subcommand";

// Entry keeps a value's length in 32 bits, and BITFIELD writes up to 8 bytes past the byte of
// its offset; this matters only if proto-max-bulk-len is raised above 4 GB.
constexpr uint64_t kMaxBitmapBytes = UINT32_MAX - 8;

OpResult<Entry*> FindString(Keyspace& keyspace, int db, std::string_view key, Access access) {
  return keyspace.FindOfType(db, key, ValueType::kString, access);
}

std::string_view ValueOf(const Entry* e) {
  return e == nullptr ? std::string_view() : e->value();
}

// A bit offset as Redis's getBitOffsetFromArgument reads it. With allow_hash (BITFIELD), "#N"
// means N fields of `bits` bits; Redis multiplies in int64 and lets it wrap, so we wrap too and
// the usual range check then rejects most such offsets.
bool ParseBitOffsetOrReply(CommandContext& ctx, std::string_view arg, bool allow_hash, int bits,
                           uint64_t* out) {
  bool hash = allow_hash && arg.size() > 1 && arg[0] == '#';
  std::optional<int64_t> parsed = common::ParseInt64(hash ? arg.substr(1) : arg);
  if (!parsed) {
    ctx.reply.Error(kErrBitOffset);
    return false;
  }
  int64_t offset = *parsed;
  if (hash) {
    offset = static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(bits));
  }
  uint64_t max_bytes = std::min<uint64_t>(
      static_cast<uint64_t>(ctx.settings.proto_max_bulk_len.load(std::memory_order_relaxed)),
      kMaxBitmapBytes);
  if (offset < 0 || (static_cast<uint64_t>(offset) >> 3) >= max_bytes) {
    ctx.reply.Error(kErrBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(offset);
  return true;
}

// "BYTE" or "BIT" after BITCOUNT's and BITPOS's range.
bool ParseRangeUnitOrReply(CommandContext& ctx, std::string_view arg, RangeUnit* unit) {
  if (EqualsIgnoreCase(arg, "bit")) {
    *unit = RangeUnit::kBit;
  } else if (EqualsIgnoreCase(arg, "byte")) {
    *unit = RangeUnit::kByte;
  } else {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

// ---- SETBIT / GETBIT ----

struct SetBitResult {
  int64_t old_bit;
  // The key was created or grew, or the bit flipped: Redis's condition for a change.
  bool changed;
};

// Sets or clears one bit, growing (or creating) the string.
OpResult<SetBitResult> OpSetBit(Keyspace& keyspace, int db, std::string_view key, uint64_t offset,
                                bool on) {
  auto e = FindString(keyspace, db, key, Access::kWrite);
  if (!e.ok()) {
    return e.status();
  }
  size_t byte = offset >> 3;
  bool resized = *e == nullptr || (*e)->value().size() <= byte;
  size_t len = std::max(ValueOf(*e).size(), byte + 1);
  char* value = keyspace.ResizeString(db, key, len)->mutable_value();
  auto mask = static_cast<uint8_t>(0x80 >> (offset & 7));
  auto old = static_cast<uint8_t>(value[byte]);
  value[byte] = static_cast<char>(on ? (old | mask) : (old & ~mask));
  bool was_on = (old & mask) != 0;
  return SetBitResult{.old_bit = was_on ? 1 : 0, .changed = resized || was_on != on};
}

// SETBIT key offset 0|1
void CmdSetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffsetOrReply(ctx, ctx.args[2], false, 0, &offset)) {
    return;
  }
  int64_t on;
  if (!ParseInt64OrReply(ctx, ctx.args[3], &on, kErrBitValue)) {
    return;
  }
  if (on != 0 && on != 1) {
    return ctx.reply.Error(kErrBitValue);
  }
  auto set = OpSetBit(ctx.keyspace, ctx.db(), ctx.args[1], offset, on == 1);
  if (!set.ok()) {
    return ReplyError(ctx, set.status());
  }
  if (set->changed) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyString, "setbit", ctx.args[1]);
  }
  ctx.reply.Integer(set->old_bit);
}

// GETBIT key offset
void CmdGetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffsetOrReply(ctx, ctx.args[2], false, 0, &offset)) {
    return;
  }
  auto e = FindString(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  std::string_view value = ValueOf(*e);
  if ((offset >> 3) >= value.size()) {
    return ctx.reply.Integer(0);
  }
  ctx.reply.Integer(static_cast<int64_t>(GetUnsignedField(value, offset, 1)));
}

// ---- BITCOUNT / BITPOS ----

// BITCOUNT key [start end [BYTE|BIT]]
void CmdBitCount(CommandContext& ctx) {
  // Redis 7.0 looks the key up before it reads the range, so a missing key answers 0 even
  // when the range arguments are invalid (later versions check the arguments first).
  auto e = FindString(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Integer(0);
  }
  std::string_view value = (*e)->value();
  int64_t start = 0;
  int64_t end = -1;
  RangeUnit unit = RangeUnit::kByte;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    if (!ParseInt64OrReply(ctx, ctx.args[2], &start) ||
        !ParseInt64OrReply(ctx, ctx.args[3], &end)) {
      return;
    }
    // Redis answers 0 here before clamping (where clamping alone could leave bit or byte 0),
    // and before it reads the unit, so "-1 -2 FOO" is 0 rather than a syntax error.
    if (start < 0 && end < 0 && start > end) {
      return ctx.reply.Integer(0);
    }
    if (ctx.argc() == 5 && !ParseRangeUnitOrReply(ctx, ctx.args[4], &unit)) {
      return;
    }
  } else if (ctx.argc() != 2) {
    return ctx.reply.Error(kErrSyntax);
  }
  std::optional<BitRange> range = ResolveRange(start, end, unit, value.size());
  ctx.reply.Integer(range ? static_cast<int64_t>(CountBits(value, *range)) : 0);
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void CmdBitPos(CommandContext& ctx) {
  int64_t bit;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &bit)) {
    return;
  }
  if (bit != 0 && bit != 1) {
    return ctx.reply.Error(kErrBitArgument);
  }
  auto e = FindString(ctx.keyspace, ctx.db(), ctx.args[1], Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  // A missing key is an endless run of zero bits.
  if (*e == nullptr) {
    return ctx.reply.Integer(bit == 1 ? -1 : 0);
  }
  std::string_view value = (*e)->value();
  int64_t start = 0;
  int64_t end = INT64_MAX;  // clamped to the last byte
  bool end_given = false;
  RangeUnit unit = RangeUnit::kByte;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    if (!ParseInt64OrReply(ctx, ctx.args[3], &start)) {
      return;
    }
    // Redis reads the unit before the end, so "0 x FOO" is a syntax error.
    if (ctx.argc() == 6 && !ParseRangeUnitOrReply(ctx, ctx.args[5], &unit)) {
      return;
    }
    if (ctx.argc() >= 5) {
      if (!ParseInt64OrReply(ctx, ctx.args[4], &end)) {
        return;
      }
      end_given = true;
    }
  } else if (ctx.argc() != 3) {
    return ctx.reply.Error(kErrSyntax);
  }
  std::optional<BitRange> range = ResolveRange(start, end, unit, value.size());
  if (!range) {
    return ctx.reply.Integer(-1);
  }
  int64_t pos = FindFirstBit(value, bit == 1, *range);
  if (pos == -1 && bit == 0 && !end_given) {
    // Without an explicit end the string counts as padded with zero bits on the right (the
    // BITPOS contract), so the first clear bit is the one just past the string.
    pos = static_cast<int64_t>(value.size()) * 8;
  }
  ctx.reply.Integer(pos);
}

// ---- BITOP ----

// Stores `op` over the strings at sources in dest (a missing source is an empty string) and
// returns the result's length; an empty result deletes dest. Adds to *dirty as Redis counts:
// one for a stored result or a deleted dest, none when dest was already missing.
OpResult<int64_t> OpBitOp(Keyspace& keyspace, int db, BitOpKind op, std::string_view dest,
                          std::span<const std::string_view> source_keys, uint64_t* dirty) {
  std::vector<std::string_view> sources;
  sources.reserve(source_keys.size());
  size_t len = 0;
  for (std::string_view key : source_keys) {
    auto e = FindString(keyspace, db, key, Access::kRead);
    if (!e.ok()) {
      return e.status();
    }
    sources.push_back(ValueOf(*e));
    len = std::max(len, sources.back().size());
  }
  if (len == 0) {
    *dirty += keyspace.Delete(db, dest) ? 1 : 0;
    return 0;
  }
  // Built aside: dest may also be a source, whose bytes must stay put while we read them.
  std::string result(len, '\0');
  ApplyBitOp(op, sources, result.data(), len);
  Entry* stored = keyspace.SetString(db, dest, result, storage::kNoExpire, /*keep_ttl=*/false);
  // Redis stores BITOP's result as a raw string, never as an int or embstr.
  stored->set_encoding(storage::Encoding::kRaw);
  ++*dirty;
  return static_cast<int64_t>(len);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void CmdBitOp(CommandContext& ctx) {
  std::string_view name = ctx.args[1];
  BitOpKind op;
  if (EqualsIgnoreCase(name, "and")) {
    op = BitOpKind::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = BitOpKind::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = BitOpKind::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = BitOpKind::kNot;
  } else {
    return ctx.reply.Error(kErrSyntax);
  }
  if (op == BitOpKind::kNot && ctx.argc() != 4) {
    return ctx.reply.Error(kErrBitOpNot);
  }
  const uint64_t dirty_before = ctx.dirty;
  auto len = OpBitOp(ctx.keyspace, ctx.db(), op, ctx.args[2], ctx.args.subspan(3), &ctx.dirty);
  if (!len.ok()) {
    return ReplyError(ctx, len.status());
  }
  // A result was stored ("set"), or an empty one deleted dest (counted only if it existed).
  if (*len > 0) {
    NotifyKeyspaceEvent(ctx, kNotifyString, "set", ctx.args[2]);
  } else if (ctx.dirty > dirty_before) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[2]);
  }
  ctx.reply.Integer(*len);
}

// ---- BITFIELD / BITFIELD_RO ----

enum class FieldOpCode : uint8_t { kGet, kSet, kIncrBy };

struct FieldOp {
  FieldOpCode code = FieldOpCode::kGet;
  FieldType type;
  Overflow overflow = Overflow::kWrap;
  uint64_t offset = 0;
  int64_t value = 0;  // SET's value or INCRBY's increment
};

// i1..i64 or u1..u63.
bool ParseFieldTypeOrReply(CommandContext& ctx, std::string_view arg, FieldType* type) {
  if (arg.empty()) {
    ctx.reply.Error(kErrFieldType);
    return false;
  }
  // Lower case only: redis-server 7.0 rejects "I8" and "U8".
  char sign = arg[0];
  std::optional<int64_t> bits = common::ParseInt64(arg.substr(1));
  bool is_signed = sign == 'i';
  bool valid_sign = is_signed || sign == 'u';
  if (!valid_sign || !bits || *bits < 1 || *bits > (is_signed ? 64 : 63)) {
    ctx.reply.Error(kErrFieldType);
    return false;
  }
  *type = {.is_signed = is_signed, .bits = static_cast<int>(*bits)};
  return true;
}

bool ParseOverflowOrReply(CommandContext& ctx, std::string_view arg, Overflow* overflow) {
  if (EqualsIgnoreCase(arg, "wrap")) {
    *overflow = Overflow::kWrap;
  } else if (EqualsIgnoreCase(arg, "sat")) {
    *overflow = Overflow::kSat;
  } else if (EqualsIgnoreCase(arg, "fail")) {
    *overflow = Overflow::kFail;
  } else {
    ctx.reply.Error(kErrOverflowType);
    return false;
  }
  return true;
}

// Reads all of BITFIELD's operations before any runs, so that bad input changes nothing. A
// subcommand without enough arguments after it is a syntax error, as in Redis.
bool ParseFieldOpsOrReply(CommandContext& ctx, std::vector<FieldOp>* ops) {
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::string_view name = ctx.args[j];
    size_t remaining = ctx.argc() - j - 1;
    FieldOp op;
    if (EqualsIgnoreCase(name, "get") && remaining >= 2) {
      op.code = FieldOpCode::kGet;
    } else if (EqualsIgnoreCase(name, "set") && remaining >= 3) {
      op.code = FieldOpCode::kSet;
    } else if (EqualsIgnoreCase(name, "incrby") && remaining >= 3) {
      op.code = FieldOpCode::kIncrBy;
    } else if (EqualsIgnoreCase(name, "overflow") && remaining >= 1) {
      if (!ParseOverflowOrReply(ctx, ctx.args[++j], &overflow)) {
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
    if (!ParseFieldTypeOrReply(ctx, ctx.args[j + 1], &op.type) ||
        !ParseBitOffsetOrReply(ctx, ctx.args[j + 2], true, op.type.bits, &op.offset)) {
      return false;
    }
    if (op.code != FieldOpCode::kGet && !ParseInt64OrReply(ctx, ctx.args[j + 3], &op.value)) {
      return false;
    }
    op.overflow = overflow;
    ops->push_back(op);
    j += op.code == FieldOpCode::kGet ? 2 : 3;
  }
  return true;
}

// What one SET or INCRBY did: refused by OVERFLOW FAIL, or wrote the field's old value
// again, or changed it.
enum class FieldWrite : uint8_t { kRefused, kUnchanged, kChanged };

// Runs one SET or INCRBY on the field in value; writes its reply (the old value for SET, the
// new one for INCRBY, null when OVERFLOW FAIL refuses).
FieldWrite RunFieldWrite(CommandContext& ctx, const FieldOp& op, Entry* target) {
  std::string_view value = target->value();
  int bits = op.type.bits;
  int64_t old;
  FieldUpdate update;
  if (op.type.is_signed) {
    old = GetSignedField(value, op.offset, bits);
    update = op.code == FieldOpCode::kSet ? AddSigned(op.value, 0, bits, op.overflow)
                                          : AddSigned(old, op.value, bits, op.overflow);
  } else {
    old = static_cast<int64_t>(GetUnsignedField(value, op.offset, bits));
    update = op.code == FieldOpCode::kSet
                 ? AddUnsigned(static_cast<uint64_t>(op.value), 0, bits, op.overflow)
                 : AddUnsigned(static_cast<uint64_t>(old), op.value, bits, op.overflow);
  }
  if (update.overflowed && op.overflow == Overflow::kFail) {
    ctx.reply.Null();
    return FieldWrite::kRefused;
  }
  SetField(target->mutable_value(), op.offset, bits, static_cast<uint64_t>(update.value));
  ctx.reply.Integer(op.code == FieldOpCode::kSet ? old : update.value);
  return update.value != old ? FieldWrite::kChanged : FieldWrite::kUnchanged;
}

void ReplyFieldGet(CommandContext& ctx, const FieldOp& op, std::string_view value) {
  if (op.type.is_signed) {
    return ctx.reply.Integer(GetSignedField(value, op.offset, op.type.bits));
  }
  ctx.reply.Integer(static_cast<int64_t>(GetUnsignedField(value, op.offset, op.type.bits)));
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
//              [OVERFLOW WRAP|SAT|FAIL] ...
void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  if (!ParseFieldOpsOrReply(ctx, &ops)) {
    return;
  }
  uint64_t highest_bit = 0;
  bool writes = false;
  for (const FieldOp& op : ops) {
    if (op.code != FieldOpCode::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, op.offset + static_cast<uint64_t>(op.type.bits) - 1);
    }
  }
  if (writes && read_only_command) {
    return ctx.reply.Error(kErrBitFieldRo);
  }
  auto e = FindString(ctx.keyspace, ctx.db(), ctx.args[1], writes ? Access::kWrite : Access::kRead);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  Entry* target = nullptr;
  bool resized = false;
  if (writes) {
    // As Redis, the string is created or grown to the highest bit written before any
    // operation runs, even if OVERFLOW FAIL then refuses every write.
    size_t needed = (highest_bit >> 3) + 1;
    resized = *e == nullptr || (*e)->value().size() < needed;
    size_t len = std::max<size_t>(ValueOf(*e).size(), needed);
    target = ctx.keyspace.ResizeString(ctx.db(), ctx.args[1], len);
  }
  ctx.reply.ArrayHeader(ops.size());
  uint64_t changes = 0;
  for (const FieldOp& op : ops) {
    if (op.code == FieldOpCode::kGet) {
      ReplyFieldGet(ctx, op, target != nullptr ? target->value() : ValueOf(*e));
    } else {
      // Redis counts each write that changed its field, and every write that was not refused
      // once the string was created or grew; a refused (OVERFLOW FAIL) write counts nothing.
      FieldWrite done = RunFieldWrite(ctx, op, target);
      if (done == FieldWrite::kChanged || (done == FieldWrite::kUnchanged && resized)) {
        ++changes;
      }
    }
  }
  if (changes > 0) {
    ctx.dirty += changes;
    NotifyKeyspaceEvent(ctx, kNotifyString, "setbit", ctx.args[1]);
  }
}

void CmdBitField(CommandContext& ctx) {
  BitFieldGeneric(ctx, false);
}
void CmdBitFieldRo(CommandContext& ctx) {
  BitFieldGeneric(ctx, true);
}

}  // namespace

// Not clang-formatted: it would put each field of a row on its own line, and the rows read
// better as a table, laid out as in string_commands.cc.
// clang-format off
void RegisterBitmapCommands(CommandTable& table) {
  constexpr uint64_t kBit = kAclBitmap;
  table.Add({.name = "setbit", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kBit | kAclWrite | kAclSlow, .handler = CmdSetBit,
             .summary = "Sets or clears the bit at offset in the string value stored at key",
             .since = "2.2.0", .group = "bitmap"});
  table.Add({.name = "getbit", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
             .acl = kBit | kAclRead | kAclFast, .handler = CmdGetBit,
             .summary = "Returns the bit value at offset in the string value stored at key",
             .since = "2.2.0", .group = "bitmap"});
  table.Add({.name = "bitcount", .arity = -2, .flags = kReadOnly, .keys = {1, 1, 1},
             .acl = kBit | kAclRead | kAclSlow, .handler = CmdBitCount,
             .summary = "Count set bits in a string", .since = "2.6.0", .group = "bitmap"});
  table.Add({.name = "bitpos", .arity = -3, .flags = kReadOnly, .keys = {1, 1, 1},
             .acl = kBit | kAclRead | kAclSlow, .handler = CmdBitPos,
             .summary = "Find first bit set or clear in a string", .since = "2.8.7",
             .group = "bitmap"});
  // The operation name comes first; Redis's COMMAND INFO gives the keys as (2, -1, 1): the
  // destination, then every source. The triple describes them exactly, so no KeyFinder.
  table.Add({.name = "bitop", .arity = -4, .flags = kWrite | kDenyOom, .keys = {2, -1, 1},
             .acl = kBit | kAclWrite | kAclSlow, .handler = CmdBitOp,
             .summary = "Perform bitwise operations between strings", .since = "2.6.0",
             .group = "bitmap"});
  table.Add({.name = "bitfield", .arity = -2, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kBit | kAclWrite | kAclSlow, .handler = CmdBitField,
             .summary = "Perform arbitrary bitfield integer operations on strings",
             .since = "3.2.0", .group = "bitmap"});
  table.Add({.name = "bitfield_ro", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
             .acl = kBit | kAclRead | kAclFast, .handler = CmdBitFieldRo,
             .summary = "Perform arbitrary bitfield integer operations on strings. Read-only "
                        "variant of BITFIELD",
             .since = "6.0.0", .group = "bitmap"});
}
// clang-format on

}  // namespace redoubt::commands
