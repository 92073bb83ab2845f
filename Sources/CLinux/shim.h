// Linux and glibc interfaces the Glibc module does not export: the allocator's settings
// (mallopt), O_DIRECT (a _GNU_SOURCE flag) and statfs. Part of libc: nothing to link.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <malloc.h>
#include <sys/vfs.h>

static inline int trail_o_direct(void) { return O_DIRECT; }
