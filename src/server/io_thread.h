// An I/O thread of the server: net::IoThread's loop, thread and acceptors, plus what the
// server keeps per thread: the connections it owns, its dispatcher and its statistics.
//
// Thread: the fields are used only on this thread, except `loop` (Post from anywhere) and
// `stats` (read by INFO from any thread; see server_stats.h).
#pragma once

#include <vector>

#include "commands/dispatcher.h"
#include "commands/execution_services.h"
#include "net/io_thread.h"
#include "server/server_stats.h"

namespace redoubt::server {

class Connection;
class IncomingConnection;

struct IoThread : net::IoThread {
  IoThread(int index, int stats_slots, const commands::ExecutionServices& services)
      : net::IoThread(index), stats(stats_slots), dispatcher(services, stats) {}
  ThreadCommandStats stats;
  commands::Dispatcher dispatcher;  // runs this thread's commands, counting them in `stats`
  std::vector<Connection*> connections;
  std::vector<IncomingConnection*> incoming;  // not yet classified or still in the handshake
  // Connections whose replies wait for the AOF's write at the end of the batch (the AOF is
  // on): Connection::Flush adds them, the loop's before-sleep step sends them.
  std::vector<Connection*> held_replies;
};

}  // namespace redoubt::server
