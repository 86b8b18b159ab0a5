// Redis's HyperLogLog as bytes (hyperloglog_commands.cc): the element hash, the 16384 six-bit
// registers in their two encodings, union and the cardinality estimate. Pure functions on a
// string value: no keyspace, no replies, so each is unit-tested on its own
// (tests/unit/commands/hyperloglog_test.cc).
//
// The value is byte for byte Redis 7.0's (hyperloglog.c), so that an HLL written by either
// server reads the same in the other, and GET, SETRANGE and APPEND see the same string:
//   header, 16 bytes: "HYLL", the encoding (0 dense, 1 sparse), 3 unused bytes, then the
//     cached cardinality as 8 bytes little endian whose top bit set means "stale".
//   dense: 12288 bytes of registers, 6 bits each, register 0 in the low bits of byte 0.
//   sparse: run-length opcodes, each covering consecutive registers:
//     00xxxxxx          ZERO:  xxxxxx + 1 (1..64) registers at 0
//     01xxxxxx yyyyyyyy XZERO: xxxxxxyyyyyyyy + 1 (1..16384) registers at 0
//     1vvvvvxx          VAL:   xx + 1 (1..4) registers at vvvvv + 1 (1..32)
// A sparse value whose opcodes do not cover exactly 16384 registers is corrupt: the functions
// that must walk all of it say so, as Redis does. Reading past a value's end yields zero, as
// Redis reads the terminating zero of its strings, so a corrupt value never reads outside it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::commands {

inline constexpr int kHllRegisters = 1 << 14;
inline constexpr size_t kHllHeaderBytes = 16;
inline constexpr size_t kHllDenseBytes = kHllHeaderBytes + kHllRegisters * 6 / 8;
// The largest register value an element can produce (64 - 14 hash bits, plus one).
inline constexpr uint8_t kHllMaxRank = 51;

enum class HllEncoding : uint8_t { kDense = 0, kSparse = 1 };

// Registers one byte each: the union of several HLLs (PFCOUNT of several keys, PFMERGE).
using HllRegisters = std::array<uint8_t, kHllRegisters>;

// Where an element lands: its register and the value it offers that register (the position
// of the first set bit in the rest of its hash, counting from 1).
struct HllObservation {
  int index = 0;
  uint8_t rank = 0;
};

// MurmurHash64A (Austin Appleby's 64-bit MurmurHash2) reading 8-byte blocks little endian, as
// Redis's endian-neutral variant does.
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);

// The register and value `element` offers, with Redis's seed.
HllObservation ObserveHllElement(std::string_view element);

// Whether a string value is an HLL as Redis's isHLLObjectOrReply judges it: at least a header,
// the magic, a known encoding, and exactly kHllDenseBytes when dense. The sparse opcodes are
// not checked here.
bool IsHll(std::string_view value);
// Requires: IsHll(hll).
HllEncoding EncodingOfHll(std::string_view hll);

// An empty HLL as PFADD creates it: sparse, all registers in XZERO opcodes, cached
// cardinality 0 and valid.
std::string NewSparseHll();

// The cached cardinality, or nullopt when it is marked stale. Requires: IsHll(hll).
std::optional<uint64_t> CachedHllCardinality(std::string_view hll);
// Requires: hll points at an HLL's header.
void StoreHllCardinality(char* hll, uint64_t cardinality);
void InvalidateHllCardinality(char* hll);

// One register of a dense HLL (hll points at its header). Requires: index < kHllRegisters;
// the value set is below 64.
uint8_t GetDenseRegister(const char* hll, int index);
void SetDenseRegister(char* hll, int index, uint8_t value);
// Sets the register to `rank` if that raises it; returns whether it did. The cached
// cardinality is left alone: the caller marks it stale once after its changes.
bool RaiseDenseRegister(char* hll, int index, uint8_t rank);

enum class HllChange : uint8_t {
  kUnchanged,
  kRaised,
  kCorrupt,  // a sparse HLL whose opcodes do not reach the register, or that cannot be
             // converted; the value may hold the changes made before the corruption was met
};

// Raises register `index` to `rank` in either encoding. A sparse HLL is edited as Redis edits
// it, opcode by opcode, then marked stale; it becomes dense when `rank` exceeds what a VAL
// opcode holds (32) or when it would grow past sparse_max_bytes (hll-sparse-max-bytes). A
// dense one is raised in place, its cache left alone as RaiseDenseRegister.
// Requires: IsHll(*hll), index < kHllRegisters.
HllChange RaiseHllRegister(std::string* hll, int index, uint8_t rank, size_t sparse_max_bytes);

// Rewrites a sparse HLL as a dense one with the same header (cached cardinality included) and
// registers. Returns false, leaving it unchanged, when the opcodes do not cover exactly 16384
// registers. A dense HLL is left as it is (true).
bool ConvertHllToDense(std::string* hll);

// Raises each of `max`'s registers to the HLL's where the HLL's is higher. Returns false for
// a corrupt sparse HLL (max then holds part of it). Requires: IsHll(hll).
bool MergeHllInto(std::string_view hll, HllRegisters* max);

// The cardinality estimate of the registers (Otmar Ertl's improved estimator, as Redis 7.0),
// computed afresh whatever the cache says; nullopt for a corrupt sparse HLL.
// Requires: IsHll(hll).
std::optional<uint64_t> EstimateHll(std::string_view hll);
uint64_t EstimateHllRegisters(const HllRegisters& registers);

// PFDEBUG DECODE's text for a sparse HLL: "z:<n>" for ZERO, "Z:<n>" for XZERO, "v:<value>,<n>"
// for VAL, separated by spaces. Requires: IsHll(hll), sparse.
std::string DescribeSparseHll(std::string_view hll);

}  // namespace redoubt::commands
