// The versions the server reports: the Redis release whose behaviour it follows (INFO
// redis_version, HELLO, COMMAND DOCS) and its own.
#pragma once

#include <string_view>

namespace redoubt::server {

inline constexpr std::string_view kRedisVersion = "7.0.15";
inline constexpr std::string_view kRedoubtVersion = "0.1.0";

}  // namespace redoubt::server
