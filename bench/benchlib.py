"""What the benchmarks share: timing one process, and a throwaway database."""
import os
import subprocess
import sys
import time


def run(command, env=None, stdout=subprocess.DEVNULL):
    """Runs a command; returns (wall seconds, peak RSS in MiB) of that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(command[:3])}... failed: {stderr[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def database(name):
    """Creates database `name` on the server scripts/with-postgres.sh started; the environment
    that points libpq and goldmane-trail at it."""
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["PGDATABASE"] = name
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    return env
