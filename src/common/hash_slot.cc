// Hash slots; see hash_slot.h.
#include "common/hash_slot.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <array>
#include <cstdint>
#include <cstring>

namespace redoubt::common {
namespace {

// Slicing-by-8: kSlices[k][b] is the CRC of byte b followed by k zero bytes, so eight bytes fold
// into the register with eight independent table reads instead of eight dependent steps.
// Hand-written rather than Boost's crc_optimal (a byte at a time, as Redis's crc16.c) because
// the slot is computed for every command in cluster mode: bench/micro/hash_slot_bench.cc
// measures about 5x less time for a 16-byte key (redis-benchmark's "key:000000001234") and 10x
// for 64.
using SliceTables = std::array<std::array<uint16_t, 256>, 8>;

constexpr SliceTables MakeSliceTables() {
  SliceTables t{};
  for (int b = 0; b < 256; ++b) {
    uint16_t crc = static_cast<uint16_t>(b << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    t[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (int b = 0; b < 256; ++b) {
      const uint16_t prev = t[k - 1][b];
      t[k][b] = static_cast<uint16_t>((prev << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}

constexpr SliceTables kSlices = MakeSliceTables();

// Eight bytes into the register: it is xored into the first two, and each byte then contributes
// the CRC of itself followed by as many zero bytes as come after it in the block.
inline uint16_t Crc16Block(uint16_t crc, const unsigned char* p) {
  return kSlices[7][p[0] ^ (crc >> 8)] ^ kSlices[6][p[1] ^ (crc & 0xFF)] ^ kSlices[5][p[2]] ^
         kSlices[4][p[3]] ^ kSlices[3][p[4]] ^ kSlices[2][p[5]] ^ kSlices[1][p[6]] ^
         kSlices[0][p[7]];
}

inline uint16_t Crc16Byte(uint16_t crc, unsigned char byte) {
  return static_cast<uint16_t>((crc << 8) ^ kSlices[0][(crc >> 8) ^ byte]);
}

// Non-zero when one of the word's eight bytes is '{' (the classic "has a zero byte" test on the
// word xored with '{' in every byte).
inline uint64_t HasOpenBrace(const unsigned char* p) {
  constexpr uint64_t kBraces = 0x7B7B7B7B7B7B7B7BULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  const uint64_t x = word ^ kBraces;
  return (x - kOnes) & ~x & kHighs;
}

// The CRC of bytes and, with kWatchBraces, whether one of them is '{' (in *braces): a key's
// slot is then found in one pass for the usual key, which has none.
template <bool kWatchBraces>
uint16_t Crc16(std::string_view bytes, uint64_t* braces) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  uint16_t crc = 0;
  for (; n >= 8; n -= 8, p += 8) {
    if constexpr (kWatchBraces) {
      *braces |= HasOpenBrace(p);
    }
    crc = Crc16Block(crc, p);
  }
  for (; n > 0; --n, ++p) {
    if constexpr (kWatchBraces) {
      *braces |= *p == '{';
    }
    crc = Crc16Byte(crc, *p);
  }
  return crc;
}

#if defined(__x86_64__)
// ---- Carry-less multiplication (PCLMULQDQ), where the CPU has it ----
//
// The slot is computed for every keyed command in cluster mode, and slicing-by-8 still takes
// eight table reads per 8 bytes. With carry-less multiplication (bench/micro/hash_slot_bench.cc:
// 2.95 against 3.95 ns for a 16-byte key, 5.0 against 12.8 ns for 64 bytes; keys under 16 bytes
// keep the tables, as fast for them) a 16-byte block is
// folded into the running remainder with two multiplications and reduced at the end with three,
// as Intel's "Fast CRC Computation Using PCLMULQDQ" does for CRC-32: the message, most
// significant byte first, is a polynomial V, and its CRC (initial 0, no final xor) is
// V·x^16 mod P. A key is taken as a head of (size mod 16) bytes, zero-padded in front (leading
// zeros leave such a CRC unchanged), then whole 16-byte blocks.

// Polynomials over GF(2) as bit masks (bit i: the coefficient of x^i), for the constants below.
constexpr int Degree(unsigned __int128 a) {
  int d = -1;
  for (int i = 0; i < 128; ++i) {
    if ((a >> i) & 1) {
      d = i;
    }
  }
  return d;
}

// a mod p (*quotient: a / p).
constexpr unsigned __int128 PolyMod(unsigned __int128 a, unsigned __int128 p,
                                    unsigned __int128* quotient = nullptr) {
  unsigned __int128 q = 0;
  const int dp = Degree(p);
  for (int d = Degree(a); d >= dp; d = Degree(a)) {
    q |= static_cast<unsigned __int128>(1) << (d - dp);
    a ^= p << (d - dp);
  }
  if (quotient != nullptr) {
    *quotient = q;
  }
  return a;
}

constexpr unsigned __int128 kPoly = (static_cast<unsigned __int128>(1) << 16) | 0x1021;
constexpr unsigned __int128 kX80 = static_cast<unsigned __int128>(1) << 80;
// x^80 mod P: folds the block's upper 64 bits (times x^80) down to 80 bits.
constexpr uint64_t kFold80 = static_cast<uint64_t>(PolyMod(kX80, kPoly));
// x^128 and x^192 mod P: fold a 128-bit remainder's halves onto the next block.
constexpr uint64_t kFold128 = static_cast<uint64_t>(
    PolyMod(PolyMod(static_cast<unsigned __int128>(1) << 127, kPoly) << 1, kPoly));
constexpr uint64_t kFold192 =
    static_cast<uint64_t>(PolyMod(static_cast<unsigned __int128>(kFold128) << 64, kPoly));
// floor(x^80 / P), of degree 64: Barrett's constant for the last 80 bits (its x^64 term is
// applied as an xor).
constexpr uint64_t kBarrett80 = [] {
  unsigned __int128 q = 0;
  PolyMod(kX80, kPoly, &q);
  return static_cast<uint64_t>(q);
}();

[[gnu::target("pclmul,sse4.1")]] inline uint64_t ClmulLow(uint64_t a, uint64_t b, uint64_t* high) {
  const __m128i product = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<int64_t>(a)),
                                               _mm_cvtsi64_si128(static_cast<int64_t>(b)), 0x00);
  *high = static_cast<uint64_t>(_mm_extract_epi64(product, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(product));
}

// V·x^16 mod P for a 128-bit V (the block's bytes, the first one most significant).
[[gnu::target("pclmul,sse4.1")]] inline uint16_t ReduceBlock(__m128i v) {
  const uint64_t high = static_cast<uint64_t>(_mm_extract_epi64(v, 1));
  const uint64_t low = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  // T = high·(x^80 mod P) + low·x^16, of degree < 80, congruent to V·x^16.
  uint64_t t_high;
  uint64_t t_low = ClmulLow(high, kFold80, &t_high);
  t_low ^= low << 16;
  t_high ^= low >> 48;
  // T = T1·x^16 + T0; Barrett: q = floor(T1·floor(x^80/P) / x^64), and T1·x^16 mod P is the
  // low 16 bits of q·P, whose x^16 part adds nothing there.
  const uint64_t t1 = (t_low >> 16) | (t_high << 48);
  uint64_t q_high;
  (void)ClmulLow(t1, kBarrett80, &q_high);
  const uint64_t q = q_high ^ t1;
  uint64_t unused;
  return static_cast<uint16_t>(ClmulLow(q, 0x1021, &unused) ^ t_low);
}

// pshufb masks: kHeadMasks[h] puts bytes 0..h-1 of a 16-byte load into the register's lanes
// h-1..0 (the first byte most significant) and zeroes the lanes above; [16] reverses a block.
alignas(16) constexpr std::array<std::array<uint8_t, 16>, 17> kHeadMasks = [] {
  std::array<std::array<uint8_t, 16>, 17> masks{};
  for (int h = 0; h <= 16; ++h) {
    for (int lane = 0; lane < 16; ++lane) {
      masks[h][lane] = lane < h ? static_cast<uint8_t>(h - 1 - lane) : 0x80;
    }
  }
  return masks;
}();

// The CRC of bytes, and whether one of them is '{' (in *braces). Requires: at least 16 bytes
// (shorter keys take the tables, as fast for them, and no load may read past a key).
[[gnu::target("pclmul,sse4.1,ssse3")]] uint16_t Crc16Clmul(std::string_view bytes,
                                                           uint64_t* braces) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  const __m128i brace = _mm_set1_epi8('{');
  // acc is congruent to the bytes so far, modulo P. It starts as the head (n % 16 bytes), or
  // as the whole first block when there is no head: folding a zero accumulator into it would
  // cost two multiplications for nothing (a 16-byte key is that one block).
  const size_t head = n % 16 != 0 ? n % 16 : 16;
  // The first 16 bytes, of which the head keeps its own: n >= 16, so all are the key's.
  const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  *braces |=
      static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(first, brace))) & ((1u << head) - 1);
  __m128i acc = _mm_shuffle_epi8(
      first, _mm_load_si128(reinterpret_cast<const __m128i*>(kHeadMasks[head].data())));
  p += head;
  n -= head;
  const __m128i reverse = _mm_load_si128(reinterpret_cast<const __m128i*>(kHeadMasks[16].data()));
  for (; n > 0; n -= 16, p += 16) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    *braces |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(raw, brace)));
    // acc·x^128 + block, kept below 128 bits by folding acc's halves with x^192 and x^128
    // mod P (two independent multiplications: no chain of three per block).
    const __m128i folds =
        _mm_set_epi64x(static_cast<int64_t>(kFold192), static_cast<int64_t>(kFold128));
    acc = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(acc, folds, 0x11),
                                      _mm_clmulepi64_si128(acc, folds, 0x00)),
                        _mm_shuffle_epi8(raw, reverse));
  }
  return ReduceBlock(acc);
}

// Decided once: every x86-64 CPU of the last decade has PCLMULQDQ, but the baseline does not.
const bool kUseClmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1") &&
                       __builtin_cpu_supports("ssse3");
#else
constexpr bool kUseClmul = false;
uint16_t Crc16Clmul(std::string_view, uint64_t*) {
  return 0;  // never called: kUseClmul
}
#endif

// The fastest way this CPU has for these bytes; *braces as Crc16's.
[[gnu::always_inline]] inline uint16_t Crc16Fastest(std::string_view bytes, uint64_t* braces) {
  return kUseClmul && bytes.size() >= 16 ? Crc16Clmul(bytes, braces) : Crc16<true>(bytes, braces);
}

}  // namespace

uint16_t Crc16Xmodem(std::string_view bytes) {
  uint64_t braces = 0;
  return Crc16Fastest(bytes, &braces);
}

bool Crc16UsesClmul() {
  return kUseClmul;
}

uint16_t Crc16XmodemTables(std::string_view bytes) {
  return Crc16<false>(bytes, nullptr);
}

std::string_view HashTagOf(std::string_view key) {
  const size_t open = key.find('{');
  if (open == std::string_view::npos) {
    return key;
  }
  const size_t close = key.find('}', open + 1);
  // No '}' after the '{', or "{}": the whole key is hashed.
  if (close == std::string_view::npos || close == open + 1) {
    return key;
  }
  return key.substr(open + 1, close - open - 1);
}

int ComputeKeyHashSlot(std::string_view key) {
  uint64_t braces = 0;
  uint16_t crc = Crc16Fastest(key, &braces);
  if (braces != 0) {
    crc = Crc16Xmodem(HashTagOf(key));  // by its tag, or whole when it is empty or unclosed
  }
  return crc & (kClusterSlots - 1);
}

}  // namespace redoubt::common
