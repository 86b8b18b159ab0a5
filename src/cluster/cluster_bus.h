// The cluster bus: this node's TCP links to the other nodes of its cluster, on the bus port
// (cluster-port, or port + 10000), speaking Redis 7.0's protocol (bus_message.h) so that
// Redoubt and redis-server nodes form one cluster. One thread of its own runs every link:
// it accepts inbound links, opens one outbound link to each known node, frames the messages,
// hands each to ClusterState (which decides what it changes and what to answer), and ticks
// ClusterState's failure detection ten times a second.
//
// As in Redis, a pair of nodes uses two connections, one each way: a node sends PING and MEET
// (and FAIL, UPDATE) on its outbound link and answers PONG on the link a PING came on.
//
// Why a thread and not the I/O threads: the bus is a handful of links with little traffic,
// its handling takes the cluster state's lock, and it must keep pinging while the I/O threads
// are saturated, so that a busy node is not taken for a failed one.
//
// TLS: every link reads and writes through a BusTransport, and the BusSecurity the server
// gives decides, while the node runs, which links are TLS (bus_transport.h). A link moves
// through TCP connect (outbound) or classification by its first byte (inbound), then the TLS
// handshake, before any message passes; each stage is one step per readiness event, so a slow
// peer never holds up the others.
//
// Thread: Start/Stop from the server's thread; everything else on the bus's thread.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/bus_transport.h"
#include "cluster/cluster_state.h"

namespace redoubt::cluster {

class ClusterBus {
 public:
  // deliver: hands a PUBLISH (shard false) or SPUBLISH from another node to this node's
  // subscribers; called on the bus's thread.
  using Deliver =
      std::function<void(std::string_view channel, std::string_view message, bool shard)>;
  // security: null for plaintext links only (no TLS on this node's bus); borrowed, outlives
  // the bus.
  ClusterBus(ClusterState& state, Deliver deliver, BusSecurity* security = nullptr)
      : state_(state), deliver_(std::move(deliver)), security_(security) {}
  ~ClusterBus();
  ClusterBus(const ClusterBus&) = delete;
  ClusterBus& operator=(const ClusterBus&) = delete;

  // Listens on port on every bind address (Redis's bind list; "-" prefixed ones optional)
  // and starts the thread. An address that cannot be bound is an error: the server stops.
  absl::Status Start(const std::vector<std::string>& bind, int port);
  void Stop();
  // PUBLISH / SPUBLISH run here, for the other nodes' subscribers. Any thread.
  void Publish(std::string_view channel, std::string_view message, bool shard);

 private:
  enum class Stage : uint8_t {
    kConnecting,   // outbound, connect() under way
    kClassifying,  // inbound, waiting for the first byte: TLS or plaintext
    kHandshaking,  // TLS handshake under way
    kOpen,         // messages pass
  };
  struct Link {
    int fd = -1;  // -1 once closed; the transport (when there is one) owns the socket
    std::unique_ptr<BusTransport> io;
    bool outbound = false;
    Stage stage = Stage::kOpen;
    BusTransport::Step handshake_wants = BusTransport::Step::kWantRead;
    int64_t setup_deadline_ms = 0;  // monotonic; a link not open by then closes
    uint64_t node_serial = 0;
    int64_t created_ms = 0;
    std::string peer_ip;
    std::string local_ip;
    std::string input;
    std::string output;
  };

  void Run();
  void Accept(int listen_fd);
  void Connect(const BusActions::Connect& c);
  // The stages before kOpen, one step per readiness event; false when the link must close.
  bool FinishConnect(Link& link, short revents);
  bool Classify(Link& link);
  bool ContinueHandshake(Link& link);
  // Once open: an outbound link greets its node (MEET or PING).
  bool Opened(Link& link);
  // Links whose kind no longer matches the settings close (the outbound ones reopen at once):
  // after tls-cluster changed, and plaintext inbound links once tls-mode is required.
  void CloseLinksOfTheWrongKind();
  int64_t SetupTimeoutMs() const;
  // Link set-up problems (refused, failed handshakes), at most one line a second.
  void LogLinkProblem(const std::string& text);
  // Reads what arrived and handles every whole message; false when the link must close.
  bool ReadLink(Link& link);
  bool FlushLink(Link& link);
  void Apply(BusActions& actions, Link* origin);
  // After a message or a tick that changed this node's role: replication follows it at once,
  // and a won election's claim goes out (ClusterState::SyncReplicationRole).
  void FollowRoleChange();
  // Tells the state what links there are, for CLUSTER LINKS (every tick).
  void ReportLinks();
  void Send(Link& link, std::string bytes);
  void Close(Link* link);
  Link* OutboundLinkOf(uint64_t serial);

  ClusterState& state_;
  const Deliver deliver_;
  BusSecurity* const security_;
  // Messages handed over by other threads (Publish), sent by the bus's thread.
  absl::Mutex outbox_mu_;
  std::vector<std::pair<uint64_t, std::string>> outbox_ ABSL_GUARDED_BY(outbox_mu_);
  std::vector<int> listen_fds_;
  // Outbound links leave from the first bind address, as Redis's: the peer sees the address
  // this node listens on, and may connect back to it.
  std::string source_ip_;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::unique_ptr<Link>> links_;  // the bus thread's
  int64_t last_problem_logged_ms_ = -1000000;
  int problems_not_logged_ = 0;
};

}  // namespace redoubt::cluster
