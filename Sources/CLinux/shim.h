// Linux and glibc interfaces the Glibc module does not export: the allocator's settings
// (mallopt), O_DIRECT (a _GNU_SOURCE flag), statfs, and the compiler's prefetch hint. Part of libc: nothing to link.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdint.h>
#include <malloc.h>
#include <sys/vfs.h>

static inline int trail_o_direct(void) { return O_DIRECT; }

// Asks the cache for the line at `address` (a hint: never faults, whatever the address, so
// an address that is stale or past the end is harmless).
static inline void trail_prefetch(uintptr_t address) { __builtin_prefetch((const void *)address, 0, 3); }
