// Blocking RESP client over a non-blocking socket; see resp_client.h.
#include "tools/resp_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/clock.h"
#include "tools/openssl_util.h"

namespace redoubt::tools {
namespace {

ClientStatus Failure(ClientError error, std::string message) {
  return ClientStatus{error, std::move(message)};
}

}  // namespace

RespClient::RespClient(std::string host, int port, const TlsClientContext* tls)
    : host_(std::move(host)), port_(port), tls_(tls) {}

RespClient::~RespClient() {
  Close();
}

ClientStatus RespClient::Connect(int64_t deadline_us) {
  Close();
  session_reused_ = false;
  tcp_connect_us_ = 0;
  handshake_us_ = 0;
  if (address_len_ == 0) {
    ClientStatus s = Resolve();
    if (!s.ok()) {
      return s;
    }
  }
  int64_t start = common::MonotonicMicros();
  ClientStatus s = ConnectTcp(deadline_us);
  int64_t connected = common::MonotonicMicros();
  tcp_connect_us_ = connected - start;
  if (s.ok() && tls_ != nullptr) {
    s = Handshake(deadline_us);
    handshake_us_ = common::MonotonicMicros() - connected;
    if (!s.ok()) {
      // As OpenSSL's own client cache does: a session whose handshake failed is not offered again.
      session_.reset();
    }
  }
  if (!s.ok()) {
    failed_ = true;
    Close();
  }
  return s;
}

ClientStatus RespClient::Call(const std::vector<std::string_view>& args, RespReply* reply,
                              int64_t deadline_us) {
  write_buf_.clear();
  AppendCommand(args, &write_buf_);
  ClientStatus s = WriteAll(deadline_us);
  while (s.ok()) {
    if (!read_buf_.empty()) {
      ReplyParseResult r = ParseReply(read_buf_, reply);
      if (r.status == ReplyParseStatus::kComplete) {
        read_buf_.erase(0, r.consumed);
        reply_received_ = true;
        SaveSession();
        return s;
      }
      if (r.status == ReplyParseStatus::kError) {
        s = Failure(ClientError::kIo, "protocol error in reply: " + r.error);
        break;
      }
    }
    s = ReadSome(deadline_us);
  }
  failed_ = true;
  return s;
}

void RespClient::Close() {
  if (ssl_ && !failed_) {
    // One close_notify, not the bidirectional shutdown: waiting for the server's would add a
    // round trip that no client pays.
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  ssl_.reset();
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  failed_ = false;
  session_saved_ = false;
  reply_received_ = false;
  read_buf_.clear();
  write_buf_.clear();
}

ClientStatus RespClient::Resolve() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::string port = std::to_string(port_);
  int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    return Failure(ClientError::kConnect,
                   "cannot resolve " + host_ + ": " + (rc != 0 ? gai_strerror(rc) : "no address"));
  }
  std::memcpy(&address_, result->ai_addr, result->ai_addrlen);
  address_len_ = result->ai_addrlen;
  freeaddrinfo(result);
  return {};
}

ClientStatus RespClient::BindSource() {
  if (source_address_.empty()) {
    return {};
  }
  sockaddr_storage source{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&source);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&source);
  if (address_.ss_family == AF_INET &&
      inet_pton(AF_INET, source_address_.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    length = sizeof(sockaddr_in);
  } else if (address_.ss_family == AF_INET6 &&
             inet_pton(AF_INET6, source_address_.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    length = sizeof(sockaddr_in6);
  } else {
    return Failure(ClientError::kConnect, "source address " + source_address_ +
                                              " is not of the destination's address family");
  }
  // The port is chosen at connect, per destination: a bind to (ip, 0) would reserve one for
  // every destination, and a caller that opens a connection per call (the control plane) would
  // run out of them while closed ones wait in TIME_WAIT.
  int one = 1;
  setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&source), length) != 0) {
    return Failure(ClientError::kConnect,
                   "bind to " + source_address_ + ": " + std::string(std::strerror(errno)));
  }
  return {};
}

ClientStatus RespClient::ConnectTcp(int64_t deadline_us) {
  fd_ = socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return Failure(ClientError::kConnect, std::string("socket: ") + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (ClientStatus s = BindSource(); !s.ok()) {
    return s;
  }
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&address_), address_len_) == 0) {
    return {};
  }
  if (errno != EINPROGRESS) {
    return Failure(ClientError::kConnect, "connect: " + std::string(std::strerror(errno)));
  }
  ClientStatus s = Wait(POLLOUT, deadline_us, ClientError::kConnect, "connect");
  if (!s.ok()) {
    return s;
  }
  int error = 0;
  socklen_t len = sizeof(error);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
    error = errno;
  }
  if (error != 0) {
    return Failure(ClientError::kConnect, "connect: " + std::string(std::strerror(error)));
  }
  return {};
}

ClientStatus RespClient::Handshake(int64_t deadline_us) {
  absl::StatusOr<common::UniqueSsl> ssl = tls_->NewSsl(fd_, host_);
  if (!ssl.ok()) {
    return Failure(ClientError::kConnect, std::string(ssl.status().message()));
  }
  ssl_ = std::move(*ssl);
  if (session_) {
    SSL_set_session(ssl_.get(), session_.get());
  }
  while (true) {
    ERR_clear_error();
    errno = 0;  // SSL_ERROR_SYSCALL with errno 0 means the peer closed
    int rc = SSL_connect(ssl_.get());
    int saved_errno = errno;
    if (rc == 1) {
      break;
    }
    int error = SSL_get_error(ssl_.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      ClientStatus s = Wait(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_us,
                            ClientError::kConnect, "TLS handshake");
      if (!s.ok()) {
        return s;
      }
      continue;
    }
    long verify = SSL_get_verify_result(ssl_.get());
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return Failure(ClientError::kConnect, "TLS handshake: certificate verify failed: " +
                                                std::string(X509_verify_cert_error_string(verify)));
    }
    errno = saved_errno;
    return Failure(ClientError::kConnect, "TLS handshake: " + SslErrorDetail(error));
  }
  session_reused_ = SSL_session_reused(ssl_.get()) == 1;
  SaveSession();
  return {};
}

ClientStatus RespClient::WriteAll(int64_t deadline_us) {
  size_t offset = 0;
  while (offset < write_buf_.size()) {
    const char* data = write_buf_.data() + offset;
    size_t len = write_buf_.size() - offset;
    if (ssl_) {
      ERR_clear_error();
      errno = 0;
      int n = SSL_write(ssl_.get(), data, static_cast<int>(len));
      int saved_errno = errno;
      if (n > 0) {
        offset += static_cast<size_t>(n);
        continue;
      }
      int error = SSL_get_error(ssl_.get(), n);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        errno = saved_errno;
        return SslFailure(error, "write");
      }
      ClientStatus s = Wait(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_us,
                            ClientError::kTimeout, "write");
      if (!s.ok()) {
        return s;
      }
      continue;
    }
    // MSG_NOSIGNAL: a server that went away is an error on this call, not a SIGPIPE.
    ssize_t n = send(fd_, data, len, MSG_NOSIGNAL);
    if (n >= 0) {
      offset += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ClientStatus s = Wait(POLLOUT, deadline_us, ClientError::kTimeout, "write");
      if (!s.ok()) {
        return s;
      }
    } else if (errno != EINTR) {
      return Failure(ClientError::kIo, "write: " + std::string(std::strerror(errno)));
    }
  }
  return {};
}

ClientStatus RespClient::ReadSome(int64_t deadline_us) {
  char buf[16 * 1024];
  while (true) {
    if (ssl_) {
      // SSL_read is called until it wants the socket, so decrypted bytes OpenSSL already holds
      // (SSL_pending) are consumed before we poll.
      ERR_clear_error();
      errno = 0;
      int n = SSL_read(ssl_.get(), buf, sizeof(buf));
      int saved_errno = errno;
      if (n > 0) {
        read_buf_.append(buf, static_cast<size_t>(n));
        return {};
      }
      int error = SSL_get_error(ssl_.get(), n);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        errno = saved_errno;
        return SslFailure(error, "read");
      }
      ClientStatus s = Wait(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_us,
                            ClientError::kTimeout, "reply");
      if (!s.ok()) {
        return s;
      }
      continue;
    }
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      read_buf_.append(buf, static_cast<size_t>(n));
      return {};
    }
    if (n == 0) {
      return Failure(ClientError::kIo, "connection closed by server");
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ClientStatus s = Wait(POLLIN, deadline_us, ClientError::kTimeout, "reply");
      if (!s.ok()) {
        return s;
      }
    } else if (errno != EINTR) {
      return Failure(ClientError::kIo, "read: " + std::string(std::strerror(errno)));
    }
  }
}

ClientStatus RespClient::Wait(short events, int64_t deadline_us, ClientError on_timeout,
                              const char* what) {
  while (true) {
    int64_t remaining = deadline_us - common::MonotonicMicros();
    if (remaining <= 0) {
      return Failure(on_timeout, std::string(what) + " timed out");
    }
    pollfd pfd{fd_, events, 0};
    timespec ts{static_cast<time_t>(remaining / 1000000),
                static_cast<long>(remaining % 1000000) * 1000};
    int rc = ppoll(&pfd, 1, &ts, nullptr);
    if (rc > 0) {
      // POLLERR/POLLHUP count as ready: the next read, write or SO_ERROR names the problem.
      return {};
    }
    if (rc < 0 && errno != EINTR) {
      return Failure(ClientError::kIo, "poll: " + std::string(std::strerror(errno)));
    }
  }
}

ClientStatus RespClient::SslFailure(int ssl_error, const char* what) {
  failed_ = true;
  std::string detail = SslErrorDetail(ssl_error);
  // In TLS 1.3 the client finishes its handshake before the server has checked it (a client
  // certificate, for one), so a server that refuses the connection answers the first request
  // with an alert or a reset. Until a reply has arrived the handshake is not confirmed, and a
  // TLS failure then counts as a failed connection, as it would have in TLS 1.2.
  if (!reply_received_) {
    return Failure(ClientError::kConnect,
                   std::string("TLS connection refused by the server (") + what + "): " + detail);
  }
  return Failure(ClientError::kIo, std::string(what) + ": " + detail);
}

std::string RespClient::SslErrorDetail(int ssl_error) {
  int saved_errno = errno;
  if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    return "connection closed by server (close_notify)";
  }
  if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return saved_errno != 0 ? std::strerror(saved_errno) : "connection closed by server";
  }
  return DrainOpenSslErrors();
}

void RespClient::SaveSession() {
  if (!ssl_ || session_saved_) {
    return;
  }
  common::UniqueSslSession session(SSL_get1_session(ssl_.get()));
  // Until a TLS 1.3 ticket has arrived the session exists but cannot be resumed; try again after
  // the next reply.
  if (session && SSL_SESSION_is_resumable(session.get()) == 1) {
    session_ = std::move(session);
    session_saved_ = true;
  }
}

}  // namespace redoubt::tools
