// LZF compression of RDB strings (rdbcompression), through Debian's liblzf: the same format as
// the copy of liblzf that redis-server carries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redoubt::persistence {

// The compressed bytes, or nullopt when compressing would not save at least four bytes (Redis's
// rdbSaveLzfStringObject rule: then the string is written as it is).
std::optional<std::string> LzfCompress(std::string_view in);
// False unless `in` decompresses to exactly out_len bytes.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace redoubt::persistence
