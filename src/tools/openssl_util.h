// Small OpenSSL helpers shared by the tools' TLS client: owning pointers for OpenSSL objects and
// one function that turns the thread's error queue into a message.
//
// OpenSSL keeps errors in a per-thread queue that outlives the call that failed, so callers
// clear it before a call that can fail (ERR_clear_error) and drain it right after (CONTRIBUTING).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace redoubt::tools {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslSessionDeleter {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using UniqueSslCtx = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using UniqueSsl = std::unique_ptr<SSL, SslDeleter>;
using UniqueSslSession = std::unique_ptr<SSL_SESSION, SslSessionDeleter>;

// Empties the thread's OpenSSL error queue into one line ("error:0A000086:SSL routines::
// certificate verify failed; ..."). Returns `fallback` when the queue was empty.
std::string DrainOpenSslErrors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace redoubt::tools
