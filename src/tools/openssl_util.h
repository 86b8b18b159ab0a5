// The tools' OpenSSL error text: one function that turns the thread's error queue into a
// message. (Owning pointers for OpenSSL objects are common/openssl_ptr.h.)
//
// OpenSSL keeps errors in a per-thread queue that outlives the call that failed, so callers
// clear it before a call that can fail (ERR_clear_error) and drain it right after (CONTRIBUTING).
#pragma once

#include <string>

namespace redoubt::tools {

// Empties the thread's OpenSSL error queue into one line ("error:0A000086:SSL routines::
// certificate verify failed; ..."). Returns `fallback` when the queue was empty.
std::string DrainOpenSslErrors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace redoubt::tools
