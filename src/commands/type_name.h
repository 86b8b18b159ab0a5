// The names Redis gives value types, as TYPE replies and SCAN ... TYPE matches them.
#pragma once

#include <string_view>

#include "storage/entry.h"

namespace redoubt::commands {

inline std::string_view TypeName(storage::ValueType type) {
  switch (type) {
    case storage::ValueType::kString:
      return "string";
    case storage::ValueType::kList:
      return "list";
    case storage::ValueType::kHash:
      return "hash";
    case storage::ValueType::kSet:
      return "set";
    case storage::ValueType::kZset:
      return "zset";
    case storage::ValueType::kStream:
      return "stream";
  }
  return "none";
}

}  // namespace redoubt::commands
