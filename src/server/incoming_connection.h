// A connection accepted while TLS is on, before it becomes a Connection. It decides what the
// connection is and admits it:
//   - on the main port in tls-mode preferred or required, it peeks at the first byte without
//     consuming it: 0x16 (a TLS handshake record) starts a TLS session; anything else is
//     plaintext RESP, admitted in preferred and closed unanswered (and counted) in required;
//   - on tls-port, it starts the TLS handshake at once;
//   - the handshake runs step by step on readiness events and must finish within
//     tls-handshake-timeout, so silent or stalled clients cannot pile up.
// Once admitted, it hands the socket (and the TLS session) to a new Connection and deletes
// itself. Keeping this out of Connection leaves the request path free of TLS-mode checks.
//
// Thread: confined to the I/O thread that accepted it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/event_loop.h"
#include "net/transport.h"
#include "tls/tls_context.h"
#include "tls/tls_transport.h"

namespace redoubt::server {

class Server;
struct IoThread;

class IncomingConnection final : public net::IoHandler {
 public:
  // kUnixSocket connections never come here (always plaintext), but the acceptor shares it.
  enum class Listener : uint8_t { kMainPort, kTlsPort, kUnixSocket };

  IncomingConnection(Server& server, IoThread& thread, int fd, uint64_t id, std::string peer,
                     std::string local, Listener listener);
  ~IncomingConnection() override;
  IncomingConnection(const IncomingConnection&) = delete;
  IncomingConnection& operator=(const IncomingConnection&) = delete;

  // Registers with the loop. Requires: on the thread's loop.
  void Start();
  void OnEvent(uint32_t events) override;
  // From the thread's periodic timer: enforces tls-handshake-timeout.
  void OnTimer(int64_t now_us);
  // Closes without admitting (server shutdown, a source network-allow now excludes).
  void Abort();
  int fd() const { return fd_; }

 private:
  enum class State : uint8_t { kClassifying, kHandshaking, kDone };

  void Classify();
  void BeginHandshake();
  void ContinueHandshake();
  // Hands the socket over to a new Connection with this transport.
  // peer: the verified client certificate of a TLS connection (present=false otherwise).
  void Admit(std::unique_ptr<net::Transport> transport, tls::PeerCertificate peer = {});
  // A failed handshake: counted by cause (missing, untrusted or revoked client certificate,
  // expired CRL, anything else) and written to the audit log.
  void RecordHandshakeFailure(const std::string& error);
  void AdmitPlaintext();
  // Closes the socket (if still ours) and schedules deletion.
  void Finish();
  // Leaves the loop and the thread's list; deleted after the current event batch.
  void Detach();

  Server& server_;
  IoThread& thread_;
  const int fd_;
  const uint64_t id_;
  std::string peer_;
  std::string local_;
  const Listener listener_;
  const int64_t deadline_us_;  // monotonic
  State state_ = State::kClassifying;
  bool owns_fd_ = true;    // false once a transport owns it
  bool admitted_ = false;  // the Connection took over the maxclients place
  // The session being negotiated. Its SSL holds a reference to the context it was made from,
  // so a certificate reload during the handshake does not disturb it.
  std::unique_ptr<tls::TlsTransport> tls_;
  std::shared_ptr<const tls::TlsContext> context_;  // the one the handshake runs with
  uint32_t events_ = 0;                             // what the loop is currently asked to report
};

}  // namespace redoubt::server
