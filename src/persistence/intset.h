// Redis's intset: the blob of a small set of integers (OBJECT ENCODING "intset"), which RDB
// files carry as it is (type 11, SET_INTSET). An encoder that writes what Redis's intset.c
// holds for the same values, and a decoder that validates as intsetValidateIntegrity with deep
// checks.
//
// Format (little endian): encoding (u32: 2, 4 or 8, the bytes of every value), length (u32),
// then the values ascending, each in `encoding` bytes, two's complement.
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Returns the intset of `sorted_values` in the narrowest encoding that holds all of them: that
// of an intset built by SADD of these values. (Redis never narrows an intset, so one that once
// held a wider value and lost it keeps its width; any width loads the same set.)
// Requires: sorted_values strictly ascending.
std::string EncodeIntset(const std::vector<int64_t>& sorted_values);

// Validates `blob` (encoding 2, 4 or 8; size matches length; not empty; values strictly
// ascending) and appends its values to *out. Returns false with a description in *error when
// Redis's intsetValidateIntegrity(deep) would refuse it; *out may then hold the values before
// the damage. Never reads outside `blob`.
bool DecodeIntset(std::string_view blob, std::vector<int64_t>* out, std::string* error);

}  // namespace redoubt::persistence
