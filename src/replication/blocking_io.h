// Blocking reads and writes over a non-blocking net::Transport, for the threads that own a
// replication link (a replica's sender on the primary, the link to the primary on a replica):
// each waits with poll() on its own socket, never on an I/O thread's event loop.
//
// Thread: the transport's owner.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/transport.h"

namespace redoubt::replication {

// Writes all of data, waiting up to timeout_ms for the socket each time it is full.
absl::Status WriteFully(net::Transport& t, std::string_view data, int timeout_ms);

// Reads what is there (appended to out, at most max bytes), waiting up to timeout_ms for
// something to arrive. OK with 0 bytes: the time passed; an error: closed or failed.
absl::StatusOr<size_t> ReadSome(net::Transport& t, std::string* out, size_t max, int timeout_ms);

// Reads one line ending in "\n" (CRLF or LF; the end is stripped), waiting up to timeout_ms in
// all. pending holds what was read past the line for the next call.
absl::StatusOr<std::string> ReadLine(net::Transport& t, std::string* pending, int timeout_ms);

// A connected non-blocking TCP socket to host:port (a name or an address), or an error in
// words. Waits up to timeout_ms, or until *cancel turns true (checked every 100 ms), so that
// stopping a replica's link never waits for a peer that drops the connection attempt. A
// source_ip (bind-source-addr) is bound first, best effort.
absl::StatusOr<int> ConnectTcp(const std::string& host, int port, int timeout_ms,
                               const std::atomic<bool>* cancel = nullptr,
                               const std::string& source_ip = "");

// Waits for fd to become readable (or writable, when `write`) for up to timeout_ms; false when
// the time passed.
bool WaitFd(int fd, bool write, int timeout_ms);

}  // namespace redoubt::replication
