// Open-file limit and maxclients; see open_files_limit.h. Log texts are Redis 7.0's.
#include "server/open_files_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace redoubt::server {

int ReservedFileDescriptors(int io_threads) {
  return 32 + 2 * io_threads;
}

OpenFilesOutcome AdjustOpenFilesLimit(int maxclients, int io_threads) {
  OpenFilesOutcome out;
  const rlim_t reserved = static_cast<rlim_t>(ReservedFileDescriptors(io_threads));
  const rlim_t wanted = static_cast<rlim_t>(maxclients) + reserved;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    // As Redis: assume 1024.
    out.old_limit = out.new_limit = 1024;
    out.maxclients = 1024 > reserved ? static_cast<int>(1024 - reserved) : 0;
    out.maxclients = std::min(out.maxclients, maxclients);
    return out;
  }
  const rlim_t old_limit = limit.rlim_cur;
  out.old_limit = old_limit;
  out.new_limit = old_limit;
  if (old_limit >= wanted) {
    out.maxclients = maxclients;
    return out;
  }
  rlim_t best = wanted;
  while (best > old_limit) {
    limit.rlim_cur = best;
    limit.rlim_max = std::max(best, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      break;
    }
    out.setrlimit_errno = errno;
    // Without CAP_SYS_RESOURCE the hard limit cannot rise: try the soft limit alone.
    rlimit soft_only{};
    if (getrlimit(RLIMIT_NOFILE, &soft_only) == 0 && soft_only.rlim_max >= best) {
      soft_only.rlim_cur = best;
      if (setrlimit(RLIMIT_NOFILE, &soft_only) == 0) {
        break;
      }
    }
    if (best < 16) {
      best = old_limit;
      break;
    }
    best -= 16;
  }
  if (best < old_limit) {
    best = old_limit;
  }
  out.new_limit = best;
  out.raised = best > old_limit;
  if (best >= wanted) {
    out.maxclients = maxclients;
  } else {
    out.maxclients = best > reserved ? static_cast<int>(best - reserved) : 0;
  }
  return out;
}

std::vector<std::string> DescribeOpenFilesOutcome(const OpenFilesOutcome& o,
                                                  int requested_maxclients, int io_threads) {
  unsigned long long wanted = static_cast<unsigned long long>(requested_maxclients) +
                              static_cast<unsigned long long>(ReservedFileDescriptors(io_threads));
  if (o.maxclients == 0) {
    return {"Your current 'ulimit -n' of " + std::to_string(o.old_limit) +
            " is not enough for the server to start. Please increase your open file limit to at "
            "least " +
            std::to_string(wanted) + ". Exiting."};
  }
  if (o.maxclients < requested_maxclients) {
    return {"You requested maxclients of " + std::to_string(requested_maxclients) +
                " requiring at least " + std::to_string(wanted) + " max file descriptors.",
            "Server can't set maximum open files to " + std::to_string(wanted) +
                " because of OS error: " + std::strerror(o.setrlimit_errno) + ".",
            "Current maximum open files is " + std::to_string(o.new_limit) +
                ". maxclients has been reduced to " + std::to_string(o.maxclients) +
                " to compensate for low ulimit. If you need higher maxclients increase "
                "'ulimit -n'."};
  }
  if (o.raised) {
    return {"Increased maximum number of open files to " + std::to_string(o.new_limit) +
            " (it was originally set to " + std::to_string(o.old_limit) + ")."};
  }
  return {};
}

}  // namespace redoubt::server
