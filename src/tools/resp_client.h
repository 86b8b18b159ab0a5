// A small blocking RESP client for the tools: one connection, one command in flight, plaintext
// or TLS, every step bounded by a deadline. It measures what a real client sees, so it behaves
// like one: non-blocking socket plus poll() for the timeouts, TCP_NODELAY, and with TLS the
// session from the previous connection is offered again (SSL_get1_session / SSL_set_session).
//
// Deadlines are absolute monotonic microseconds (common::MonotonicMicros()). A call that fails
// leaves the connection unusable; the caller closes it and connects again.
//
// Thread: confined to the thread that uses it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/openssl_ptr.h"
#include "tools/resp_reply.h"
#include "tools/tls_client_context.h"

namespace redoubt::tools {

// How a call failed, in the categories the downtime report counts.
enum class ClientError : uint8_t {
  kNone,
  kConnect,  // resolve, TCP connect (refused, unreachable, timed out) or TLS handshake,
             // or a TLS failure before the first reply (TLS 1.3: the server may refuse
             // the connection only after our side of the handshake has finished)
  kTimeout,  // connected, but no complete reply before the deadline
  kIo,       // closed or reset by the peer, TLS error, unparseable reply
};

struct ClientStatus {
  ClientError error = ClientError::kNone;
  std::string message;

  bool ok() const { return error == ClientError::kNone; }
};

class RespClient {
 public:
  // `tls` null: plaintext. Borrowed; must outlive the client.
  RespClient(std::string host, int port, const TlsClientContext* tls);
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Closes any current connection, then connects and (with TLS) handshakes before `deadline_us`.
  // The host is resolved on the first call only, as a long-lived client would.
  ClientStatus Connect(int64_t deadline_us);

  // Sends one command and reads its reply. An error reply (-ERR ...) is a successful call with
  // reply->type == kError; the caller decides what it means.
  // Requires: connected().
  ClientStatus Call(const std::vector<std::string_view>& args, RespReply* reply,
                    int64_t deadline_us);

  // With TLS and a healthy connection, sends close_notify once without waiting for the peer's
  // (as most clients do); then closes the socket. Safe to call when not connected.
  void Close();

  bool connected() const { return fd_ >= 0; }
  // Whether the last handshake resumed the saved session (SSL_session_reused).
  bool session_reused() const { return session_reused_; }
  // Durations of the last Connect(): TCP connect, and TLS handshake (0 for plaintext).
  int64_t tcp_connect_us() const { return tcp_connect_us_; }
  int64_t handshake_us() const { return handshake_us_; }
  // The negotiated protocol ("TLSv1.3"), or "" for plaintext and when not connected.
  std::string tls_version() const { return ssl_ ? SSL_get_version(ssl_.get()) : ""; }
  // Forgets the saved TLS session, so that the next handshake is a full one.
  void ForgetSession() { session_.reset(); }
  // The local address to connect from (an IP literal; empty: the kernel's choice). A source
  // that cannot be bound fails Connect(): a caller that names one is admitted by it.
  void set_source_address(std::string ip) { source_address_ = std::move(ip); }

 private:
  ClientStatus Resolve();
  ClientStatus ConnectTcp(int64_t deadline_us);
  ClientStatus BindSource();
  ClientStatus Handshake(int64_t deadline_us);
  ClientStatus WriteAll(int64_t deadline_us);
  ClientStatus ReadSome(int64_t deadline_us);
  // Waits until fd_ is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
  ClientStatus Wait(short events, int64_t deadline_us, ClientError on_timeout, const char* what);
  // Turns a failed SSL_read/SSL_write into a status, marking the connection as failed.
  // Requires: errno as the SSL call left it.
  ClientStatus SslFailure(int ssl_error, const char* what);
  // What went wrong in a failed SSL call; drains the error queue. Requires: errno as above.
  static std::string SslErrorDetail(int ssl_error);
  // Keeps the connection's session for the next handshake, once per connection: for TLS 1.3 the
  // ticket arrives after the handshake, so this runs after the first reply has been read.
  void SaveSession();

  // Set at construction.
  const std::string host_;
  const int port_;
  const TlsClientContext* const tls_;
  std::string source_address_;

  // The resolved address, from the first Connect().
  sockaddr_storage address_{};
  socklen_t address_len_ = 0;

  // The current connection.
  int fd_ = -1;
  common::UniqueSsl ssl_;
  bool failed_ = false;  // a call failed: no SSL_shutdown (OpenSSL forbids it after a fatal error)
  bool session_saved_ = false;
  bool reply_received_ = false;  // a complete reply has arrived on this connection
  bool session_reused_ = false;
  int64_t tcp_connect_us_ = 0;
  int64_t handshake_us_ = 0;
  std::string write_buf_;
  std::string read_buf_;

  // Survives reconnects: the session offered in the next handshake.
  common::UniqueSslSession session_;
};

}  // namespace redoubt::tools
