// Classification and TLS handshake of new connections; see incoming_connection.h.
#include "server/incoming_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/clock.h"
#include "common/log.h"
#include "net/plain_transport.h"
#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

// The first byte of every TLS record that carries a handshake (ClientHello included), in
// every TLS version: ContentType handshake(22).
constexpr unsigned char kTlsHandshakeRecord = 0x16;

// A client can make each of these happen as fast as it can connect: a few lines a second at
// most from each.
common::LogThrottle plaintext_refused_log(1000, 10);
common::LogThrottle handshake_failed_log(1000, 10);
common::LogThrottle handshake_timeout_log(1000, 10);

}  // namespace

IncomingConnection::IncomingConnection(Server& server, IoThread& thread, int fd, uint64_t id,
                                       std::string peer, std::string local, Listener listener)
    : server_(server),
      thread_(thread),
      fd_(fd),
      id_(id),
      peer_(std::move(peer)),
      local_(std::move(local)),
      listener_(listener),
      deadline_us_(common::MonotonicMicros() + server.tls_handshake_timeout_us()) {
  server_.stats().tls_handshakes_in_progress.fetch_add(1, std::memory_order_relaxed);
}

IncomingConnection::~IncomingConnection() {
  server_.stats().tls_handshakes_in_progress.fetch_sub(1, std::memory_order_relaxed);
  if (!admitted_) {
    server_.stats().ReleaseConnectionSlot();  // an admitted Connection releases it instead
  }
  if (owns_fd_) {
    close(fd_);
  }
}

void IncomingConnection::Start() {
  thread_.incoming.push_back(this);
  events_ = EPOLLIN;
  if (!thread_.loop.Add(fd_, events_, this)) {
    Finish();  // epoll_ctl failed (no kernel memory or watches left): this socket is dropped
    return;
  }
  if (listener_ == Listener::kTlsPort) {
    BeginHandshake();
  }
}

void IncomingConnection::OnEvent(uint32_t) {
  if (state_ == State::kClassifying) {
    Classify();
  } else if (state_ == State::kHandshaking) {
    ContinueHandshake();
  }
}

void IncomingConnection::Classify() {
  unsigned char first = 0;
  ssize_t n = recv(fd_, &first, 1, MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return;
  }
  if (n <= 0) {
    Finish();  // closed or reset before saying anything
    return;
  }
  if (first == kTlsHandshakeRecord && server_.tls_context() != nullptr) {
    BeginHandshake();
    return;
  }
  // The mode is read now, not at accept: a switch to required also covers connections that
  // were accepted before it but had not spoken yet.
  if (server_.tls_mode() == TlsMode::kRequired) {
    server_.stats().tls_plaintext_refused.fetch_add(1, std::memory_order_relaxed);
    if (server_.audit().enabled()) {
      server_.AuditRefused(security::RefusalReason::kTlsRequired,
                           "plaintext connection while tls-mode is required", peer_, local_);
    }
    plaintext_refused_log.Log(common::LogLevel::kVerbose, [&] {
      return "Closed plaintext connection from " + peer_ + ": tls-mode is required";
    });
    Finish();
    return;
  }
  AdmitPlaintext();
}

void IncomingConnection::BeginHandshake() {
  std::shared_ptr<const tls::TlsContext> context = server_.tls_context();
  common::UniqueSsl ssl = context == nullptr ? nullptr : context->NewSession();
  context_ = context;
  if (ssl == nullptr) {
    server_.stats().tls_handshakes_failed.fetch_add(1, std::memory_order_relaxed);
    Finish();
    return;
  }
  owns_fd_ = false;
  tls_ = std::make_unique<tls::TlsTransport>(fd_, std::move(ssl));
  state_ = State::kHandshaking;
  ContinueHandshake();
}

void IncomingConnection::ContinueHandshake() {
  std::string error;
  switch (tls_->Handshake(&error)) {
    case tls::TlsTransport::HandshakeStatus::kDone: {
      ServerStats& stats = server_.stats();
      stats.tls_handshakes_completed.fetch_add(1, std::memory_order_relaxed);
      if (tls_->resumed()) {
        stats.tls_sessions_resumed.fetch_add(1, std::memory_order_relaxed);
      }
      tls::PeerCertificate peer = tls_->peer_certificate();
      // A handshake that began before a CRL reload was verified against the old lists, and the
      // reload's sweep of open connections may have run before it finished: ask the context in
      // force now.
      if (std::shared_ptr<const tls::TlsContext> now = server_.tls_context();
          peer.present && now != context_ && now != nullptr && now->IsRevoked(peer)) {
        stats.tls_client_cert_revoked.fetch_add(1, std::memory_order_relaxed);
        server_.AuditRefused(security::RefusalReason::kCrl,
                             "certificate revoked by a CRL loaded during the handshake", peer_,
                             local_);
        Finish();
        return;
      }
      Admit(std::move(tls_), std::move(peer));
      return;
    }
    case tls::TlsTransport::HandshakeStatus::kWantRead:
      if (events_ != EPOLLIN) {
        events_ = EPOLLIN;
        if (!thread_.loop.Modify(fd_, events_, this)) {
          Finish();
        }
      }
      return;
    case tls::TlsTransport::HandshakeStatus::kWantWrite:
      if (events_ != (EPOLLIN | EPOLLOUT)) {
        events_ = EPOLLIN | EPOLLOUT;
        if (!thread_.loop.Modify(fd_, events_, this)) {
          Finish();
        }
      }
      return;
    case tls::TlsTransport::HandshakeStatus::kFailed:
      RecordHandshakeFailure(error);
      Finish();
      return;
  }
}

void IncomingConnection::RecordHandshakeFailure(const std::string& error) {
  ServerStats& stats = server_.stats();
  stats.tls_handshakes_failed.fetch_add(1, std::memory_order_relaxed);
  long verify = tls_->verify_result();
  security::RefusalReason reason = security::RefusalReason::kHandshakeFailed;
  if (verify == X509_V_ERR_CERT_REVOKED) {
    stats.tls_client_cert_revoked.fetch_add(1, std::memory_order_relaxed);
    reason = security::RefusalReason::kCrl;
  } else if (verify == X509_V_ERR_CRL_HAS_EXPIRED) {
    stats.tls_client_cert_crl_expired.fetch_add(1, std::memory_order_relaxed);
    reason = security::RefusalReason::kCrl;
  } else if (verify != X509_V_OK) {
    stats.tls_client_cert_rejected.fetch_add(1, std::memory_order_relaxed);
    reason = security::RefusalReason::kCertificate;
  } else if (error.ends_with("peer did not return a certificate")) {
    stats.tls_client_cert_missing.fetch_add(1, std::memory_order_relaxed);
    reason = security::RefusalReason::kCertificate;
  }
  handshake_failed_log.Log(common::LogLevel::kVerbose,
                           [&] { return "TLS handshake with " + peer_ + " failed: " + error; });
  server_.AuditRefused(reason, error, peer_, local_);
}

void IncomingConnection::Admit(std::unique_ptr<net::Transport> transport,
                               tls::PeerCertificate peer) {
  admitted_ = true;
  Detach();
  auto* conn = new Connection(server_, thread_, std::move(transport), id_, std::move(peer_),
                              std::move(local_), std::move(peer));
  conn->Start();
}

void IncomingConnection::AdmitPlaintext() {
  owns_fd_ = false;
  Admit(std::make_unique<net::PlainTransport>(fd_));
}

void IncomingConnection::OnTimer(int64_t now_us) {
  if (state_ == State::kDone || now_us < deadline_us_) {
    return;
  }
  if (state_ == State::kClassifying && listener_ == Listener::kMainPort &&
      server_.tls_mode() != TlsMode::kRequired) {
    // Silent since it connected, in preferred: a plaintext client may connect and wait before
    // its first command (connection pools do), and a TLS client always speaks first. Admit it
    // as plaintext; the ordinary `timeout` applies from here.
    AdmitPlaintext();
    return;
  }
  server_.stats().tls_handshakes_timed_out.fetch_add(1, std::memory_order_relaxed);
  handshake_timeout_log.Log(common::LogLevel::kVerbose, [&] {
    return "TLS handshake with " + peer_ + " timed out (tls-handshake-timeout)";
  });
  if (server_.audit().enabled()) {
    server_.AuditRefused(security::RefusalReason::kHandshakeFailed,
                         "timed out (tls-handshake-timeout)", peer_, local_);
  }
  Finish();
}

void IncomingConnection::Abort() {
  if (state_ != State::kDone) {
    Finish();
  }
}

void IncomingConnection::Finish() {
  Detach();
  // The transport (if any) closes the socket; otherwise the destructor does.
  tls_.reset();
}

void IncomingConnection::Detach() {
  state_ = State::kDone;
  thread_.loop.Remove(fd_);
  auto& list = thread_.incoming;
  list.erase(std::remove(list.begin(), list.end(), this), list.end());
  thread_.loop.DeleteLater(this);
}

}  // namespace redoubt::server
