// The HyperLogLog representation; see hyperloglog.h. Where Redis 7.0's hyperloglog.c makes a
// choice that shows in the bytes (how a sparse opcode is split, which neighbours are merged
// after an edit, when a sparse HLL turns dense) or in what counts as corrupt, this file makes
// the same one, and says so.
#include "commands/hyperloglog.h"

#include <absl/strings/str_cat.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace redoubt::commands {
namespace {

constexpr std::string_view kMagic = "HYLL";
constexpr size_t kEncodingOffset = 4;
constexpr size_t kCardinalityOffset = 8;
constexpr uint64_t kHashSeed = 0xadc83b19;
constexpr int kIndexBits = 14;
constexpr int kRegisterBits = 6;
constexpr unsigned kRegisterMask = (1u << kRegisterBits) - 1;
// The top bit of the cardinality's last byte marks the cache stale.
constexpr uint8_t kStaleBit = 0x80;
// What the sparse opcodes can hold.
constexpr int kValMaxValue = 32;
constexpr int kValMaxRun = 4;
constexpr int kZeroMaxRun = 64;
constexpr int kXZeroMaxRun = 16384;
// After an edit Redis looks at this many opcodes, from the one before the edited one, for
// neighbouring VALs of equal value to join.
constexpr int kMergeScanOpcodes = 5;

enum class OpKind : uint8_t { kZero, kXZero, kVal };

struct Opcode {
  OpKind kind;
  int run;      // registers covered
  int value;    // VAL's value; 0 for the others
  size_t size;  // bytes
};

uint8_t ByteAt(std::string_view s, size_t pos) {
  return pos < s.size() ? static_cast<uint8_t>(s[pos]) : 0;
}

Opcode ReadOpcode(std::string_view hll, size_t pos) {
  uint8_t b = ByteAt(hll, pos);
  if ((b & 0xc0) == 0) {
    return {OpKind::kZero, (b & 0x3f) + 1, 0, 1};
  }
  if ((b & 0xc0) == 0x40) {
    return {OpKind::kXZero, (((b & 0x3f) << 8) | ByteAt(hll, pos + 1)) + 1, 0, 2};
  }
  return {OpKind::kVal, (b & 0x3) + 1, ((b >> 2) & 0x1f) + 1, 1};
}

bool IsValOpcode(uint8_t b) {
  return (b & 0x80) != 0;
}

char ValOpcode(int value, int run) {
  return static_cast<char>(0x80 | ((value - 1) << 2) | (run - 1));
}

// Writes a run of zero registers as ZERO when it fits, else XZERO; returns the bytes written.
size_t WriteZeros(char* out, int64_t run) {
  if (run > kZeroMaxRun) {
    out[0] = static_cast<char>(0x40 | ((run - 1) >> 8));
    out[1] = static_cast<char>((run - 1) & 0xff);
    return 2;
  }
  out[0] = static_cast<char>(run - 1);
  return 1;
}

uint8_t* Registers(char* hll) {
  return reinterpret_cast<uint8_t*>(hll + kHllHeaderBytes);
}
const uint8_t* Registers(const char* hll) {
  return reinterpret_cast<const uint8_t*>(hll + kHllHeaderBytes);
}

// Calls on_group(first, r0, r1, r2, r3) for every four registers of a dense HLL: four six-bit
// registers fill three bytes exactly, so no register straddles a group.
template <typename OnGroup>
void ForEachDenseGroup(std::string_view hll, OnGroup on_group) {
  const uint8_t* r = Registers(hll.data());
  for (int first = 0; first < kHllRegisters; first += 4, r += 3) {
    on_group(first, r[0] & kRegisterMask, ((r[0] >> 6) | (r[1] << 2)) & kRegisterMask,
             ((r[1] >> 4) | (r[2] << 4)) & kRegisterMask, r[2] >> 2);
  }
}

// Calls on_val(first, run, value) for each VAL opcode of a sparse HLL. Returns whether the
// opcodes cover exactly kHllRegisters; the walk stops at the first opcode that would pass the
// last register, as redis-server 7.0.15 does since the fix for CVE-2025-32023 (Debian's build
// included), so an opcode after a complete cover makes the HLL corrupt too.
template <typename OnVal>
bool ForEachSparseVal(std::string_view hll, OnVal on_val) {
  int index = 0;
  for (size_t pos = kHllHeaderBytes; pos < hll.size();) {
    Opcode op = ReadOpcode(hll, pos);
    pos += op.size;
    if (op.run > kHllRegisters - index) {
      return false;
    }
    if (op.kind == OpKind::kVal) {
      on_val(index, op.run, op.value);
    }
    index += op.run;
  }
  return index == kHllRegisters;
}

// How many registers hold each value. Values above kHllMaxRank only come from a corrupted
// dense HLL; they are counted and, as in Redis, play no part in the estimate.
using Histogram = std::array<int, 64>;

// Histogram of a sparse HLL; nullopt unless the opcodes cover exactly kHllRegisters.
std::optional<Histogram> SparseHistogram(std::string_view hll) {
  Histogram histogram{};
  int covered = 0;
  bool complete = ForEachSparseVal(hll, [&](int, int run, int value) {
    histogram[value] += run;
    covered += run;
  });
  if (!complete) {
    return std::nullopt;
  }
  histogram[0] = kHllRegisters - covered;
  return histogram;
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches",
// arXiv:1702.01284), iterated until the sum stops changing, in Redis's order of operations so
// that the doubles, and so the rounded estimate, are the same.
double Sigma(double x) {
  if (x == 1.0) {
    return INFINITY;
  }
  double y = 1.0;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) {
    return 0.0;
  }
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

uint64_t EstimateFromHistogram(const Histogram& histogram) {
  constexpr double m = kHllRegisters;
  constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
  double z = m * Tau((m - histogram[kHllMaxRank]) / m);
  for (int j = kHllMaxRank - 1; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

// Turns a sparse HLL dense and raises the register there (a sparse edit that cannot be made).
HllChange PromoteAndRaise(std::string* hll, int index, uint8_t rank) {
  if (!ConvertHllToDense(hll)) {
    return HllChange::kCorrupt;
  }
  return RaiseDenseRegister(hll->data(), index, rank) ? HllChange::kRaised : HllChange::kUnchanged;
}

// Joins neighbouring VAL opcodes of equal value whose runs fit one opcode, looking at
// kMergeScanOpcodes opcodes from `from`, as Redis does after each sparse edit; a join is
// retried at the same place, so three equal neighbours can become one.
void JoinEqualVals(std::string* hll, size_t from) {
  size_t pos = from;
  int budget = kMergeScanOpcodes;
  while (pos < hll->size() && budget-- > 0) {
    Opcode op = ReadOpcode(*hll, pos);
    if (op.kind != OpKind::kVal) {
      pos += op.size;
      continue;
    }
    if (pos + 1 < hll->size() && IsValOpcode(static_cast<uint8_t>((*hll)[pos + 1]))) {
      Opcode next = ReadOpcode(*hll, pos + 1);
      if (next.value == op.value && op.run + next.run <= kValMaxRun) {
        (*hll)[pos + 1] = ValOpcode(op.value, op.run + next.run);
        hll->erase(pos, 1);
        continue;
      }
    }
    ++pos;
  }
}

HllChange RaiseSparseRegister(std::string* hll, int index, uint8_t rank, size_t sparse_max_bytes) {
  if (rank > kValMaxValue) {
    return PromoteAndRaise(hll, index, rank);
  }
  // Find the opcode covering the register, and the one before it.
  constexpr size_t kNone = SIZE_MAX;
  size_t pos = kHllHeaderBytes;
  size_t prev = kNone;
  int64_t first = 0;
  Opcode op{};
  bool found = false;
  while (pos < hll->size()) {
    op = ReadOpcode(*hll, pos);
    if (index <= first + op.run - 1) {
      found = true;
      break;
    }
    prev = pos;
    pos += op.size;
    first += op.run;
  }
  if (!found) {
    return HllChange::kCorrupt;
  }
  if (op.kind == OpKind::kVal && op.value >= rank) {
    return HllChange::kUnchanged;
  }
  if (op.run == 1 && op.kind != OpKind::kXZero) {
    // A single register: its opcode is overwritten, the length stays.
    (*hll)[pos] = ValOpcode(rank, 1);
  } else {
    // Split the run: [before] VAL(rank) [after], the parts keeping the old opcode's kind.
    char seq[5];
    size_t n = 0;
    int64_t last = first + op.run - 1;
    if (op.kind == OpKind::kVal) {
      if (index != first) {
        seq[n++] = ValOpcode(op.value, static_cast<int>(index - first));
      }
      seq[n++] = ValOpcode(rank, 1);
      if (index != last) {
        seq[n++] = ValOpcode(op.value, static_cast<int>(last - index));
      }
    } else {
      if (index != first) {
        n += WriteZeros(seq + n, index - first);
      }
      seq[n++] = ValOpcode(rank, 1);
      if (index != last) {
        n += WriteZeros(seq + n, last - index);
      }
    }
    if (n > op.size && hll->size() + (n - op.size) > sparse_max_bytes) {
      return PromoteAndRaise(hll, index, rank);
    }
    // Redis sizes the result by the opcode's nominal size, even for an XZERO cut short by the
    // end of a corrupt value.
    size_t new_size = hll->size() + n - op.size;
    hll->replace(pos, std::min(op.size, hll->size() - pos), seq, n);
    hll->resize(new_size);
  }
  JoinEqualVals(hll, prev == kNone ? kHllHeaderBytes : prev);
  InvalidateHllCardinality(hll->data());
  return HllChange::kRaised;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995;
  constexpr int r = 47;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t len = data.size();
  uint64_t h = seed ^ (len * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i, p += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) {
      k = (k << 8) | p[b];
    }
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t tail = len & 7;
  if (tail > 0) {
    for (size_t b = tail; b-- > 0;) {
      h ^= static_cast<uint64_t>(p[b]) << (8 * b);
    }
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

HllObservation ObserveHllElement(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  HllObservation seen;
  seen.index = static_cast<int>(hash & (kHllRegisters - 1));
  // The bit above the hash's remaining 50 bits bounds the rank at 51.
  hash = (hash >> kIndexBits) | (uint64_t{1} << (64 - kIndexBits));
  seen.rank = static_cast<uint8_t>(std::countr_zero(hash) + 1);
  return seen;
}

bool IsHll(std::string_view value) {
  if (value.size() < kHllHeaderBytes || value.substr(0, kMagic.size()) != kMagic) {
    return false;
  }
  auto encoding = static_cast<uint8_t>(value[kEncodingOffset]);
  if (encoding > static_cast<uint8_t>(HllEncoding::kSparse)) {
    return false;
  }
  return encoding == static_cast<uint8_t>(HllEncoding::kSparse) || value.size() == kHllDenseBytes;
}

HllEncoding EncodingOfHll(std::string_view hll) {
  return static_cast<HllEncoding>(hll[kEncodingOffset]);
}

std::string NewSparseHll() {
  std::string hll(kHllHeaderBytes, '\0');
  std::memcpy(hll.data(), kMagic.data(), kMagic.size());
  hll[kEncodingOffset] = static_cast<char>(HllEncoding::kSparse);
  char xzero[2];
  for (int left = kHllRegisters; left > 0; left -= kXZeroMaxRun) {
    hll.append(xzero, WriteZeros(xzero, std::min(left, kXZeroMaxRun)));
  }
  return hll;
}

std::optional<uint64_t> CachedHllCardinality(std::string_view hll) {
  if (static_cast<uint8_t>(hll[kCardinalityOffset + 7]) & kStaleBit) {
    return std::nullopt;
  }
  uint64_t cardinality = 0;
  for (int i = 7; i >= 0; --i) {
    cardinality = (cardinality << 8) | static_cast<uint8_t>(hll[kCardinalityOffset + i]);
  }
  return cardinality;
}

void StoreHllCardinality(char* hll, uint64_t cardinality) {
  for (int i = 0; i < 8; ++i) {
    hll[kCardinalityOffset + i] = static_cast<char>(cardinality >> (8 * i));
  }
}

void InvalidateHllCardinality(char* hll) {
  hll[kCardinalityOffset + 7] = static_cast<char>(hll[kCardinalityOffset + 7] | kStaleBit);
}

// Register i takes bits 6i..6i+5, counted from the low bit of byte 0; it spills into the next
// byte only when it starts above bit 2 of its first byte.
uint8_t GetDenseRegister(const char* hll, int index) {
  const uint8_t* r = Registers(hll);
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8;
  unsigned shift = bit % 8;
  unsigned value = r[byte] >> shift;
  if (shift > 8 - kRegisterBits) {
    value |= static_cast<unsigned>(r[byte + 1]) << (8 - shift);
  }
  return static_cast<uint8_t>(value & kRegisterMask);
}

void SetDenseRegister(char* hll, int index, uint8_t value) {
  uint8_t* r = Registers(hll);
  size_t bit = static_cast<size_t>(index) * kRegisterBits;
  size_t byte = bit / 8;
  unsigned shift = bit % 8;
  r[byte] = static_cast<uint8_t>((r[byte] & ~(kRegisterMask << shift)) | (value << shift));
  if (shift > 8 - kRegisterBits) {
    r[byte + 1] = static_cast<uint8_t>((r[byte + 1] & ~(kRegisterMask >> (8 - shift))) |
                                       (value >> (8 - shift)));
  }
}

bool RaiseDenseRegister(char* hll, int index, uint8_t rank) {
  if (rank <= GetDenseRegister(hll, index)) {
    return false;
  }
  SetDenseRegister(hll, index, rank);
  return true;
}

HllChange RaiseHllRegister(std::string* hll, int index, uint8_t rank, size_t sparse_max_bytes) {
  if (EncodingOfHll(*hll) == HllEncoding::kDense) {
    return RaiseDenseRegister(hll->data(), index, rank) ? HllChange::kRaised
                                                        : HllChange::kUnchanged;
  }
  return RaiseSparseRegister(hll, index, rank, sparse_max_bytes);
}

bool ConvertHllToDense(std::string* hll) {
  if (EncodingOfHll(*hll) == HllEncoding::kDense) {
    return true;
  }
  std::string dense(kHllDenseBytes, '\0');
  // The header carries over whole: magic, unused bytes and the cached cardinality.
  std::memcpy(dense.data(), hll->data(), kHllHeaderBytes);
  dense[kEncodingOffset] = static_cast<char>(HllEncoding::kDense);
  bool complete = ForEachSparseVal(*hll, [&](int first, int run, int value) {
    for (int i = first; i < first + run; ++i) {
      SetDenseRegister(dense.data(), i, static_cast<uint8_t>(value));
    }
  });
  if (!complete) {
    return false;
  }
  *hll = std::move(dense);
  return true;
}

bool MergeHllInto(std::string_view hll, HllRegisters* max) {
  HllRegisters& m = *max;
  if (EncodingOfHll(hll) == HllEncoding::kDense) {
    ForEachDenseGroup(hll, [&](int first, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
      m[first] = std::max<uint8_t>(m[first], r0);
      m[first + 1] = std::max<uint8_t>(m[first + 1], r1);
      m[first + 2] = std::max<uint8_t>(m[first + 2], r2);
      m[first + 3] = std::max<uint8_t>(m[first + 3], r3);
    });
    return true;
  }
  return ForEachSparseVal(hll, [&](int first, int run, int value) {
    for (int i = first; i < first + run; ++i) {
      m[i] = std::max<uint8_t>(m[i], value);
    }
  });
}

std::optional<uint64_t> EstimateHll(std::string_view hll) {
  if (EncodingOfHll(hll) == HllEncoding::kSparse) {
    std::optional<Histogram> histogram = SparseHistogram(hll);
    if (!histogram) {
      return std::nullopt;
    }
    return EstimateFromHistogram(*histogram);
  }
  Histogram histogram{};
  ForEachDenseGroup(hll, [&](int, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    ++histogram[r0];
    ++histogram[r1];
    ++histogram[r2];
    ++histogram[r3];
  });
  return EstimateFromHistogram(histogram);
}

uint64_t EstimateHllRegisters(const HllRegisters& registers) {
  Histogram histogram{};
  for (uint8_t value : registers) {
    ++histogram[value & 63];
  }
  return EstimateFromHistogram(histogram);
}

std::string DescribeSparseHll(std::string_view hll) {
  std::string text;
  for (size_t pos = kHllHeaderBytes; pos < hll.size();) {
    Opcode op = ReadOpcode(hll, pos);
    pos += op.size;
    switch (op.kind) {
      case OpKind::kZero:
        absl::StrAppend(&text, "z:", op.run, " ");
        break;
      case OpKind::kXZero:
        absl::StrAppend(&text, "Z:", op.run, " ");
        break;
      case OpKind::kVal:
        absl::StrAppend(&text, "v:", op.value, ",", op.run, " ");
        break;
    }
  }
  if (!text.empty()) {
    text.pop_back();
  }
  return text;
}

}  // namespace redoubt::commands
