// LZF compression of the strings an RDB file carries (rdbcompression yes), through Debian's
// liblzf: the format of the copy of liblzf that redis-server carries, so either side loads what
// the other wrote.
//
// Thread: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::persistence {

// Returns the LZF form of `in` when Redis would store it compressed, nullopt when it stores the
// string as it is. Redis's rule (rdbSaveRawString, rdbSaveLzfStringObject): only strings longer
// than 20 bytes are tried, and the compressed form must be at least 4 bytes shorter.
std::optional<std::string> LzfCompress(std::string_view in);

// Decompresses `in` into *out and returns true when it yields exactly out_len bytes; false on
// damaged input, a length that does not match, or out_len 0 with input (*out is then
// unspecified). Never writes or reads outside the buffers, whatever `in` holds.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace redoubt::persistence
