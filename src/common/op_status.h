// Results of storage operations and command handlers: an enum, no strings, no allocation.
// commands/errors.h maps each status to the exact error text Redis 7 sends.
#pragma once

#include <utility>
#include <variant>

namespace redoubt::common {

enum class OpStatus : unsigned char {
  kOk,
  kKeyNotFound,
  kWrongType,
  kNotAnInteger,       // "value is not an integer or out of range"
  kNotAFloat,          // "value is not a valid float"
  kOverflow,           // "increment or decrement would overflow"
  kOutOfRange,         // "... is out of range"
  kSyntaxError,        // "syntax error"
  kSkipped,            // NX/XX condition not met
  kOutOfMemory,        // maxmemory reached under noeviction
  kStringTooLong,      // "string exceeds maximum allowed size (proto-max-bulk-len)"
  kInvalidExpireTime,  // "invalid expire time in '%s' command"
  kNotFinite,          // "increment would produce NaN or Infinity"
};

// A value or a failure status.
template <typename T>
class OpResult {
 public:
  OpResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  OpResult(OpStatus status) : value_(status) {}    // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  OpStatus status() const { return ok() ? OpStatus::kOk : std::get<OpStatus>(value_); }
  const T& value() const { return std::get<T>(value_); }
  T& value() { return std::get<T>(value_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, OpStatus> value_;
};

}  // namespace redoubt::common
