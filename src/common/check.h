// Invariant checks. A failed check is a bug in Redoubt, never a reaction to bad input:
// client bytes, arguments and config values are answered with errors instead (CONTRIBUTING.md).
//
// REDOUBT_CHECK is always on; REDOUBT_DCHECK only in debug and sanitizer builds.
#pragma once

#include <cstdio>
#include <cstdlib>

#define REDOUBT_CHECK(cond)                                                         \
  do {                                                                              \
    if (__builtin_expect(!(cond), 0)) {                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#if defined(NDEBUG) && !defined(REDOUBT_SANITIZE)
#define REDOUBT_DCHECK(cond) \
  do {                       \
  } while (0)
#else
#define REDOUBT_DCHECK(cond) REDOUBT_CHECK(cond)
#endif
