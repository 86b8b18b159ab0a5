// Files the way a server must handle them: every byte of a buffer written (short writes and
// EINTR retried), a whole file replaced so that a crash leaves the old one or the new one, never
// half of one (the config file at CONFIG REWRITE, the credential state file, the AOF manifest),
// and a small file of ours read whole with a bound on its size (state files, key files).
//
// Thread: functions of their arguments only.
#pragma once

#include <absl/status/status.h>
#include <sys/types.h>

#include <cstddef>
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
// The same without the syncs: a crash of the process leaves the old file or the new one, a
// crash of the machine may leave either, or an empty file (for state that is cheap to rebuild
// and rewritten often, as Redis writes nodes.conf without fsync unless an epoch changed).
int ReplaceFile(const std::string& path, std::string_view content, mode_t mode);

// Reads the regular file at path whole into *out. NotFound when it does not exist; an error
// naming why otherwise (not a regular file, larger than max_bytes, a read error). A symbolic
// link as the last component is refused (O_NOFOLLOW): these files hold state and secrets.
absl::Status ReadSmallFile(const std::string& path, size_t max_bytes, std::string* out);

}  // namespace redoubt::common
