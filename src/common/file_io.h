// Writing files the way a server must: every byte of a buffer (short writes and EINTR retried),
// and a whole file replaced so that a crash leaves the old one or the new one, never half of
// one (the config file at CONFIG REWRITE, the credential state file, the AOF manifest).
//
// Thread: functions of their arguments only.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace redoubt::common {

// Writes *bytes to fd. False (errno set) on an error, *bytes then holding what is left.
bool WriteAll(int fd, std::string_view* bytes);

// Replaces path with content: a file of this process beside it (created with `mode`, so a
// secret is never readable by others, even briefly), written, synced, renamed over path, and
// the directory synced so that the rename is durable too. Returns 0, or the errno of the step
// that failed; path is then untouched and the temporary file removed.
int ReplaceFileDurably(const std::string& path, std::string_view content, mode_t mode);

}  // namespace redoubt::common
