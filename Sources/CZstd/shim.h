// libzstd from the system (Debian: libzstd-dev). Only the stable API is used.
#include <zstd.h>
