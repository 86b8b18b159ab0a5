// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, on string values holding
// Redis's HLL bytes (hyperloglog.h). Semantics, reply types, error texts and the order in which
// keys are looked up follow Redis 7.0's hyperloglog.c, checked against redis-server 7.0.15;
// each command is a row at the end of the file.
//
// An HLL is an ordinary string: GET shows its bytes, SETRANGE and APPEND may corrupt it, and
// every command checks it again (a string that is not an HLL is WRONGTYPE with Redis's own
// text; sparse opcodes that do not add up are INVALIDOBJ). PFCOUNT of one key stores the
// estimate in the value's header, as Redis does, so a read-only command may change the bytes.
// A dense HLL is edited in place; a sparse one, at most hll-sparse-max-bytes long unless a
// client wrote it so, is edited in a copy that then replaces the value.
#include "commands/hyperloglog_commands.h"

#include <absl/strings/str_cat.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/hyperloglog.h"
#include "commands/keyspace_notifications.h"
#include "commands/random_picks.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

// Redis sends both with their own prefix (addReplyError("-WRONGTYPE ...")).
constexpr std::string_view kErrNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kErrCorruptHll = "INVALIDOBJ Corrupted HLL object detected";

size_t SparseMaxBytes(const CommandContext& ctx) {
  return static_cast<size_t>(ctx.settings.hll_sparse_max_bytes.load(std::memory_order_relaxed));
}

// The HLL at `key`: *out is its entry, or nullptr when the key is missing. False after replying
// WRONGTYPE for another type, or for a string that is not an HLL (Redis's isHLLObjectOrReply).
bool FindHllOrReply(CommandContext& ctx, std::string_view key, Access access, Entry** out) {
  if (!FindKeyOfTypeOrReply(ctx, key, ValueType::kString, access, out)) {
    return false;
  }
  if (*out != nullptr && !IsHll((*out)->value())) {
    ctx.reply.Error(kErrNotHll);
    return false;
  }
  return true;
}

// Redis edits an HLL only as a raw string (dbUnshareStringValue), so a small one written by SET
// (stored embstr) reports raw once a command has looked into it for editing.
void PrepareForEdit(Entry* e) {
  e->set_encoding(storage::Encoding::kRaw);
}

// Replaces the value of `previous` (the entry at key, or nullptr to create the key) with `hll`,
// keeping its TTL and its LRU/LFU state: Redis edits the value object in place, or swaps in
// a copy that keeps the old object's LFU counter (dbOverwrite).
Entry* StoreHll(CommandContext& ctx, std::string_view key, const Entry* previous,
                std::string_view hll) {
  std::optional<uint32_t> access;
  if (previous != nullptr) {
    access = previous->access();
  }
  Entry* e = ctx.keyspace.SetString(ctx.db(), key, hll, storage::kNoExpire, /*keep_ttl=*/true);
  PrepareForEdit(e);
  if (access) {
    e->set_access(*access);
  }
  return e;
}

// ---- PFADD ----

void PfAddDense(CommandContext& ctx, Entry* e) {
  PrepareForEdit(e);
  char* hll = e->mutable_value();
  uint64_t raised = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    HllObservation seen = ObserveHllElement(ctx.args[i]);
    raised += RaiseDenseRegister(hll, seen.index, seen.rank) ? 1 : 0;
  }
  if (raised > 0) {
    InvalidateHllCardinality(hll);
    ctx.dirty += raised;
    NotifyKeyspaceEvent(ctx, kNotifyString, "pfadd", ctx.args[1]);
  }
  ctx.reply.Integer(raised > 0 ? 1 : 0);
}

// PFADD key [element ...]: 1 when the key was created or a register rose, else 0. Redis counts
// one change for the creation and one per register raised.
void CmdPfAdd(CommandContext& ctx) {
  Entry* e;
  if (!FindHllOrReply(ctx, ctx.args[1], Access::kWrite, &e)) {
    return;
  }
  if (e != nullptr && EncodingOfHll(e->value()) == HllEncoding::kDense) {
    return PfAddDense(ctx, e);
  }
  std::string hll = e == nullptr ? NewSparseHll() : std::string(e->value());
  uint64_t changes = e == nullptr ? 1 : 0;
  bool corrupt = false;
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (size_t i = 2; i < ctx.argc() && !corrupt; ++i) {
    HllObservation seen = ObserveHllElement(ctx.args[i]);
    HllChange change = RaiseHllRegister(&hll, seen.index, seen.rank, max_bytes);
    corrupt = change == HllChange::kCorrupt;
    changes += change == HllChange::kRaised ? 1 : 0;
  }
  if (changes > 0 && !corrupt) {
    InvalidateHllCardinality(hll.data());
  }
  // Redis edits the value in place, so what was raised before a corruption was met stays.
  if (e == nullptr || hll != e->value()) {
    StoreHll(ctx, ctx.args[1], e, hll);
  } else {
    PrepareForEdit(e);
  }
  if (corrupt) {
    return ctx.reply.Error(kErrCorruptHll);
  }
  ctx.dirty += changes;
  if (changes > 0) {
    NotifyKeyspaceEvent(ctx, kNotifyString, "pfadd", ctx.args[1]);
  }
  ctx.reply.Integer(changes > 0 ? 1 : 0);
}

// ---- PFCOUNT ----

// PFCOUNT of several keys: the estimate of their union, cached nowhere. A missing key is an
// empty HLL.
void PfCountUnion(CommandContext& ctx) {
  HllRegisters max{};
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e;
    if (!FindHllOrReply(ctx, ctx.args[i], Access::kRead, &e)) {
      return;
    }
    if (e != nullptr && !MergeHllInto(e->value(), &max)) {
      return ctx.reply.Error(kErrCorruptHll);
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(EstimateHllRegisters(max)));
}

// PFCOUNT key [key ...]: one key answers from its cached estimate, or computes it and stores
// it in the header (one change, as Redis counts it, so that replicas get the same bytes).
void CmdPfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    return PfCountUnion(ctx);
  }
  Entry* e;
  if (!FindHllOrReply(ctx, ctx.args[1], Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  PrepareForEdit(e);
  if (std::optional<uint64_t> cached = CachedHllCardinality(e->value())) {
    return ctx.reply.Integer(static_cast<int64_t>(*cached));
  }
  std::optional<uint64_t> estimate = EstimateHll(e->value());
  if (!estimate) {
    return ctx.reply.Error(kErrCorruptHll);
  }
  StoreHllCardinality(e->mutable_value(), *estimate);
  ctx.dirty += 1;
  ctx.reply.Integer(static_cast<int64_t>(*estimate));
}

// ---- PFMERGE ----

// PFMERGE destkey [sourcekey ...]: the union of every named HLL, destination included, stored
// at destkey. The destination stays sparse unless a source is dense or the union does not fit
// hll-sparse-max-bytes, as in Redis 7.0.
void CmdPfMerge(CommandContext& ctx) {
  HllRegisters max{};
  bool any_dense = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e;
    if (!FindHllOrReply(ctx, ctx.args[i], Access::kRead, &e)) {
      return;
    }
    if (e == nullptr) {
      continue;
    }
    any_dense = any_dense || EncodingOfHll(e->value()) == HllEncoding::kDense;
    if (!MergeHllInto(e->value(), &max)) {
      return ctx.reply.Error(kErrCorruptHll);
    }
  }
  Entry* dest = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kWrite);
  std::string hll = dest == nullptr ? NewSparseHll() : std::string(dest->value());
  // Unreachable in practice: the destination was read above by the same rules.
  if (any_dense && !ConvertHllToDense(&hll)) {
    return ctx.reply.Error(kErrCorruptHll);
  }
  const size_t max_bytes = SparseMaxBytes(ctx);
  for (int j = 0; j < kHllRegisters; ++j) {
    if (max[j] != 0) {
      RaiseHllRegister(&hll, j, max[j], max_bytes);
    }
  }
  InvalidateHllCardinality(hll.data());
  StoreHll(ctx, ctx.args[1], dest, hll);
  ctx.dirty += 1;
  // "pfadd", as Redis reports a merge: a mass add of elements.
  NotifyKeyspaceEvent(ctx, kNotifyString, "pfadd", ctx.args[1]);
  ctx.reply.Ok();
}

// ---- PFDEBUG ----

// Makes the HLL at key dense (one change when it was sparse). Returns its entry, or nullptr
// after replying INVALIDOBJ.
Entry* MakeDenseOrReply(CommandContext& ctx, Entry* e, bool* converted) {
  *converted = false;
  if (EncodingOfHll(e->value()) == HllEncoding::kDense) {
    return e;
  }
  std::string hll(e->value());
  if (!ConvertHllToDense(&hll)) {
    ctx.reply.Error(kErrCorruptHll);
    return nullptr;
  }
  *converted = true;
  ctx.dirty += 1;
  return StoreHll(ctx, ctx.args[2], e, hll);
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. Redis looks the key up before it reads the
// subcommand, so an unknown subcommand on a missing key says the key is missing.
void CmdPfDebug(CommandContext& ctx) {
  std::string_view sub = ctx.args[1];
  Entry* e;
  if (!FindHllOrReply(ctx, ctx.args[2], Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Error("ERR The specified key does not exist");
  }
  PrepareForEdit(e);
  bool converted;
  if (EqualsIgnoreCase(sub, "getreg")) {
    e = MakeDenseOrReply(ctx, e, &converted);
    if (e == nullptr) {
      return;
    }
    ctx.reply.ArrayHeader(kHllRegisters);
    for (int j = 0; j < kHllRegisters; ++j) {
      ctx.reply.Integer(GetDenseRegister(e->value().data(), j));
    }
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (EncodingOfHll(e->value()) != HllEncoding::kSparse) {
      return ctx.reply.Error("ERR HLL encoding is not sparse");
    }
    ctx.reply.Bulk(DescribeSparseHll(e->value()));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    bool dense = EncodingOfHll(e->value()) == HllEncoding::kDense;
    ctx.reply.SimpleString(dense ? "dense" : "sparse");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (MakeDenseOrReply(ctx, e, &converted) != nullptr) {
      ctx.reply.Integer(converted ? 1 : 0);
    }
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// ---- PFSELFTEST ----

// Redis's two checks, with its sizes and bounds: random values written to every register read
// back unchanged, and ten million distinct elements added to a dense HLL and to one that starts
// sparse give the same estimates, within six standard errors at each power of ten.
constexpr int kRegisterTestCycles = 1000;
constexpr uint64_t kEstimateTestElements = 10'000'000;

std::string CheckRegisterAccess(std::mt19937_64& rng) {
  std::string hll = NewSparseHll();
  ConvertHllToDense(&hll);
  HllRegisters expected;
  for (int cycle = 0; cycle < kRegisterTestCycles; ++cycle) {
    for (int i = 0; i < kHllRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(rng() & 63);
      SetDenseRegister(hll.data(), i, expected[i]);
    }
    for (int i = 0; i < kHllRegisters; ++i) {
      uint8_t got = GetDenseRegister(hll.data(), i);
      if (got != expected[i]) {
        return absl::StrCat("ERR TESTFAILED Register ", i, " should be ",
                            static_cast<int>(expected[i]), " but is ", static_cast<int>(got));
      }
    }
  }
  return "";
}

std::string CheckEstimates(std::mt19937_64& rng, size_t sparse_max_bytes) {
  std::string dense = NewSparseHll();
  ConvertHllToDense(&dense);
  std::string hll = NewSparseHll();
  const double relative_error = 1.04 / std::sqrt(kHllRegisters);
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= kEstimateTestElements; ++j) {
    // The element is the 8 bytes of j ^ seed, little endian, as Redis hashes its uint64_t.
    char element[8];
    for (int b = 0; b < 8; ++b) {
      element[b] = static_cast<char>((j ^ seed) >> (8 * b));
    }
    HllObservation seen = ObserveHllElement(std::string_view(element, sizeof(element)));
    RaiseDenseRegister(dense.data(), seen.index, seen.rank);
    RaiseHllRegister(&hll, seen.index, seen.rank, sparse_max_bytes);
    if (j != checkpoint) {
      continue;
    }
    if (j < sparse_max_bytes / 2 && EncodingOfHll(hll) != HllEncoding::kSparse) {
      return "ERR TESTFAILED sparse encoding not used";
    }
    uint64_t estimate = EstimateHll(dense).value_or(0);
    if (estimate != EstimateHll(hll).value_or(0)) {
      return "ERR TESTFAILED dense/sparse disagree";
    }
    // At 10 a collision is likely enough now and then that Redis allows an error of one.
    auto max_error = static_cast<uint64_t>(std::ceil(relative_error * 6 * checkpoint));
    if (j == 10) {
      max_error = 1;
    }
    uint64_t error = estimate > checkpoint ? estimate - checkpoint : checkpoint - estimate;
    if (error > max_error) {
      return absl::StrCat("ERR TESTFAILED Too big error. card:", checkpoint, " abserr:", error);
    }
    checkpoint *= 10;
  }
  return "";
}

void CmdPfSelfTest(CommandContext& ctx) {
  std::mt19937_64& rng = CommandRng();
  std::string failure = CheckRegisterAccess(rng);
  if (failure.empty()) {
    failure = CheckEstimates(rng, SparseMaxBytes(ctx));
  }
  if (!failure.empty()) {
    return ctx.reply.Error(failure);
  }
  ctx.reply.Ok();
}

}  // namespace

// Not clang-formatted: it would put each field of a row on its own line, and the rows read
// better as a table, laid out as in string_commands.cc.
// clang-format off
void RegisterHyperLogLogCommands(CommandTable& table) {
  constexpr uint64_t kHll = kAclHyperLogLog;
  table.Add({.name = "pfadd", .arity = -2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kHll | kAclWrite | kAclFast, .handler = CmdPfAdd,
             .summary = "Adds the specified elements to the specified HyperLogLog.",
             .since = "2.8.9", .group = "hyperloglog"});
  table.Add({.name = "pfcount", .arity = -2, .flags = kReadOnly | kMayReplicate,
             .keys = {1, -1, 1}, .acl = kHll | kAclRead | kAclSlow, .handler = CmdPfCount,
             .summary = "Return the approximated cardinality of the set(s) observed by the "
                        "HyperLogLog at key(s).",
             .since = "2.8.9", .group = "hyperloglog"});
  table.Add({.name = "pfmerge", .arity = -2, .flags = kWrite | kDenyOom, .keys = {1, -1, 1},
             .acl = kHll | kAclWrite | kAclSlow, .handler = CmdPfMerge,
             .summary = "Merge N different HyperLogLogs into a single one.", .since = "2.8.9",
             .group = "hyperloglog"});
  table.Add({.name = "pfdebug", .arity = 3, .flags = kWrite | kDenyOom | kAdmin,
             .keys = {2, 2, 1}, .acl = kHll | kAclWrite | kAclAdmin | kAclSlow | kAclDangerous,
             .handler = CmdPfDebug,
             .summary = "Internal commands for debugging HyperLogLog values", .since = "2.8.9",
             .group = "hyperloglog"});
  table.Add({.name = "pfselftest", .arity = 1, .flags = kAdmin,
             .acl = kHll | kAclAdmin | kAclSlow | kAclDangerous, .handler = CmdPfSelfTest,
             .summary = "An internal command for testing HyperLogLog values", .since = "2.8.9",
             .group = "hyperloglog"});
}
// clang-format on

}  // namespace redoubt::commands
