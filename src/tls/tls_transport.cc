// TLS transport; see tls_transport.h.
#include "tls/tls_transport.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tls/tls_context.h"

namespace redoubt::tls {

TlsTransport::TlsTransport(int fd, common::UniqueSsl ssl) : fd_(fd), ssl_(std::move(ssl)) {
  SSL_set_fd(ssl_.get(), fd_);
}

TlsTransport::~TlsTransport() {
  if (!broken_ && SSL_is_init_finished(ssl_.get())) {
    // Sends close_notify without waiting for the peer's: the socket closes right after, as
    // Redis does.
    SSL_shutdown(ssl_.get());
  }
  ERR_clear_error();
  close(fd_);  // the SSL is freed after; its socket BIO does not own the descriptor
}

TlsTransport::HandshakeStatus TlsTransport::Handshake(std::string* error) {
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_.get());
  if (ret == 1) {
    if (!handshake_done_) {
      handshake_done_ = true;
      peer_ = DescribePeerCertificate(SSL_get0_peer_certificate(ssl_.get()));
    }
    return HandshakeStatus::kDone;
  }
  int code = SSL_get_error(ssl_.get(), ret);
  switch (code) {
    case SSL_ERROR_WANT_READ:
      return HandshakeStatus::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return HandshakeStatus::kWantWrite;
    case SSL_ERROR_SYSCALL:
      broken_ = true;
      *error = ERR_peek_error() != 0 ? TakeOpenSslError()
               : errno != 0          ? std::string(std::strerror(errno))
                                     : std::string("peer closed the connection");
      ERR_clear_error();
      return HandshakeStatus::kFailed;
    default: {
      broken_ = true;
      // A refused client certificate shows in the queue only as "certificate verify failed";
      // the verification result says which check failed, which is what an operator needs.
      long verify = SSL_get_verify_result(ssl_.get());
      if (verify != X509_V_OK) {
        *error = X509_verify_cert_error_string(verify);
        ERR_clear_error();
      } else {
        *error = TakeOpenSslError();
      }
      return HandshakeStatus::kFailed;
    }
  }
}

std::string_view TlsTransport::tls_cipher() const {
  const char* name = SSL_get_cipher_name(ssl_.get());
  return name == nullptr ? std::string_view() : std::string_view(name);
}

net::IoResult TlsTransport::Failure(int ret) {
  int code = SSL_get_error(ssl_.get(), ret);
  switch (code) {
    // With renegotiation off, a read that wants to write (or the reverse) only happens while a
    // TLS 1.3 key update is answered; the next readiness event retries it.
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return {net::IoResult::kWouldBlock, 0};
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return {net::IoResult::kClosed, 0};
    case SSL_ERROR_SYSCALL:
      broken_ = true;
      ERR_clear_error();
      // EOF without close_notify: most clients close that way.
      return {errno == 0 ? net::IoResult::kClosed : net::IoResult::kError, 0};
    default:
      broken_ = true;
      ERR_clear_error();
      return {net::IoResult::kError, 0};
  }
}

net::IoResult TlsTransport::Read(char* buf, size_t len) {
  size_t total = 0;
  // SSL_read returns one record at a time; with read-ahead, further records may already sit in
  // OpenSSL's buffer, so keep going while it has them and there is room.
  while (total < len) {
    size_t n = 0;
    errno = 0;
    if (SSL_read_ex(ssl_.get(), buf + total, len - total, &n) == 1) {
      total += n;
      if (SSL_has_pending(ssl_.get()) != 1) {
        break;
      }
      continue;
    }
    net::IoResult r = Failure(0);
    if (total > 0) {
      // Deliver what was decrypted; an error shows again on the next read.
      break;
    }
    return r;
  }
  return {net::IoResult::kOk, total};
}

net::IoResult TlsTransport::Write(const char* buf, size_t len) {
  size_t n = 0;
  errno = 0;
  if (SSL_write_ex(ssl_.get(), buf, len, &n) == 1) {
    return {net::IoResult::kOk, n};
  }
  return Failure(0);
}

}  // namespace redoubt::tls
