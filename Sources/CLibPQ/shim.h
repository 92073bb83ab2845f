// libpq from the system (Debian: libpq-dev): reads DATABASE_URL-style URIs, keyword
// strings and the PG* environment exactly as psql does, and speaks COPY.
#include <libpq-fe.h>
