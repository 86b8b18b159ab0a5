// The bytes of one cluster-bus link, plaintext or TLS, and the policy that says which a link
// may use. The bus (cluster_bus.h) reads and writes only through BusTransport; TLS sessions are
// made by the server (server/cluster_bus_tls.h), because the cluster layer does not use tls/.
//
// The policy follows the node's settings while it runs, so that a cluster moves to TLS online:
//   - inbound, a link whose first byte is 0x16 (a TLS handshake record) is a TLS session; any
//     other first byte is Redis's plaintext bus ("RCmb"), taken unless tls-mode is required;
//   - outbound, tls-cluster yes opens TLS sessions, no opens plaintext ones. When the setting
//     changes, the bus closes the links of the other kind and opens them again.
// So every node in tls-mode preferred takes both, each node's tls-cluster moves its own
// outbound links, and tls-mode required then refuses what plaintext is left.
//
// Thread: a transport and the policy's calls run on the bus's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/transport.h"

namespace redoubt::cluster {

class BusTransport {
 public:
  enum class Step : uint8_t { kDone, kWantRead, kWantWrite, kFailed };

  virtual ~BusTransport() = default;  // closes the socket
  // One step of the TLS handshake (plaintext: kDone at once). On kFailed, *error says why.
  virtual Step Handshake(std::string* error) = 0;
  virtual net::IoResult Read(char* buf, size_t len) = 0;
  // Writes as much as the socket takes (kOk with possibly fewer bytes than given).
  virtual net::IoResult Write(const char* buf, size_t len) = 0;
  virtual bool tls() const = 0;
  virtual int fd() const = 0;
};

// Plain TCP, for links of a node without TLS. Owns the socket.
std::unique_ptr<BusTransport> PlainBusTransport(int fd);

class BusSecurity {
 public:
  virtual ~BusSecurity() = default;
  // An inbound link that began with a TLS record: a server-side session, or null with *error
  // saying why (no TLS configured). Takes fd in both cases.
  virtual std::unique_ptr<BusTransport> AcceptTls(int fd, std::string* error) = 0;
  // Whether an inbound plaintext link is taken now (not in tls-mode required).
  virtual bool AcceptsPlaintext() const = 0;
  // Whether outbound links use TLS now (tls-cluster).
  virtual bool ConnectsWithTls() const = 0;
  // A client-side session over a connected socket, or null with *error. Takes fd.
  virtual std::unique_ptr<BusTransport> ConnectTls(int fd, std::string* error) = 0;
  // How long a link may take from accept or connect to a finished handshake.
  virtual int64_t handshake_timeout_ms() const = 0;
};

}  // namespace redoubt::cluster
