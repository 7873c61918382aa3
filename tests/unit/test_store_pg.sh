#!/bin/sh
# tests/unit/test_store_pg.sh: test_store's cases on a PostgreSQL store of
# a throwaway cluster (test_store --pg starts it with tests/pgcluster.sh);
# "1..0 # SKIP" when the server's programs or libpq are missing.
exec "$TEST_BUILDDIR/tests/unit/test_store" --pg
