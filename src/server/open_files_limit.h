// Reconciles maxclients with the process's open-file limit (RLIMIT_NOFILE), as Redis's
// adjustOpenFilesLimit does: every client needs a descriptor, and a client accepted past the
// real limit would find accept4 failing with EMFILE and hang in the listen backlog instead of
// getting "-ERR max number of clients reached".
//
// Thread: main thread at start-up, or CONFIG SET's thread (setrlimit is process-wide).
#pragma once

#include <string>
#include <vector>

namespace redoubt::server {

// Descriptors kept aside for what is not a client: listening sockets, an epoll instance and
// an eventfd per I/O thread, log files, the audit log, files opened by CONFIG SET. Redis keeps
// 32 (CONFIG_MIN_RESERVED_FDS) for its single event loop.
int ReservedFileDescriptors(int io_threads);

struct OpenFilesOutcome {
  // The maxclients the limit allows (the requested one when the limit is, or could be raised,
  // high enough); 0 when even the reserved descriptors do not fit.
  int maxclients = 0;
  bool raised = false;  // the limit was raised
  unsigned long long old_limit = 0;
  unsigned long long new_limit = 0;
  int setrlimit_errno = 0;  // why raising it failed, when it did
};

// Raises the soft and hard limit up to maxclients + reserved when needed (stepping down 16 at a
// time, as Redis, when the system refuses), and says what maxclients it can serve.
OpenFilesOutcome AdjustOpenFilesLimit(int maxclients, int io_threads);

// Redis's start-up log lines for an outcome (none when nothing changed).
std::vector<std::string> DescribeOpenFilesOutcome(const OpenFilesOutcome& outcome,
                                                  int requested_maxclients, int io_threads);

}  // namespace redoubt::server
