"""Shared fixtures: the goldmane-trail binary, and a fresh database per test on the server
that scripts/with-postgres.sh started (`make test` runs the tests inside it)."""
import os
import shutil
import subprocess
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GOLDMANE_TRAIL_BIN", os.path.join(ROOT, ".build/debug/goldmane-trail"))
SAMPLES = os.path.join(ROOT, "samples/archive")


def pytest_configure(config):
    config.addinivalue_line("markers", "serial: stops or restarts the shared PostgreSQL server; `make test` runs these after the "
                                       "parallel tests, alone")


class Database:
    """One throwaway database on the test server, reached over its unix socket."""

    def __init__(self, name):
        self.name = name
        self.url = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"

    def env(self, **extra):
        env = dict(os.environ)
        env["DATABASE_URL"] = self.url
        env.update(extra)
        return env

    def trail(self, *arguments, check=True, **extra):
        """Runs goldmane-trail against this database."""
        result = subprocess.run([BIN, *arguments], env=self.env(**extra), capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"goldmane-trail {' '.join(arguments)} exited {result.returncode}:\n{result.stderr}")
        return result

    def psql(self, sql):
        """Rows of a query as lists of strings (psql's unaligned output)."""
        output = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", self.name, "-c", sql],
                                check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in output.splitlines() if line != ""]

    # The 13 key columns of the wide tables, in the order the dump sorts them.
    WIDE_ORDER = ("src_ns, dst_ns, action, src_identity, dst_identity, src_type, dst_type, src_workload, dst_workload, "
                  "dst_service, dst_port, proto, reporter")

    def dump(self):
        """Everything the load owns, ordered (cluster first), minus load times: equal dumps = equal tables."""
        return {
            "edge": self.psql("SELECT * FROM edge ORDER BY cluster, src_ns, dst_ns, action"),
            "edge_daily": self.psql("SELECT * FROM edge_daily ORDER BY cluster, day, src_ns, dst_ns, action"),
            "edge_wide": self.psql(f"SELECT * FROM edge_wide ORDER BY cluster, {self.WIDE_ORDER}"),
            "edge_wide_daily": self.psql(f"SELECT * FROM edge_wide_daily ORDER BY cluster, day, {self.WIDE_ORDER}"),
            "ledger": self.psql("SELECT sha256, segment, cluster, window_start, window_end, data_start, data_end, items, "
                                "transform_version FROM load_ledger ORDER BY sha256"),
            "coverage": self.psql("SELECT * FROM coverage ORDER BY sha256, range_start, kind"),
            "policy_flow": self.psql("SELECT * FROM policy_flow ORDER BY cluster, day, flow_id"),
        }


@pytest.fixture
def database():
    if "PGHOST" not in os.environ:
        pytest.fail("no PostgreSQL: run the tests through `make test` (scripts/with-postgres.sh starts a throwaway server)")
    name = "t_" + uuid.uuid4().hex[:12]
    subprocess.run(["createdb", name], check=True)
    yield Database(name)
    subprocess.run(["dropdb", "--force", name], check=False)


@pytest.fixture
def archive(tmp_path):
    """A private copy of the sample archive (tests may add to it)."""
    path = tmp_path / "archive"
    shutil.copytree(SAMPLES, path)
    return str(path)


def start_paused(point, tmp_path, arguments, env):
    """Starts goldmane-trail with `arguments` in `env`, paused at the named point
    (GOLDMANE_TRAIL_PAUSE_AT); returns the process and its pause file, once it is there."""
    import time
    pause = tmp_path / f"pause-{point}"
    process = subprocess.Popen([BIN, *arguments], env=dict(env, GOLDMANE_TRAIL_PAUSE_AT=point, GOLDMANE_TRAIL_PAUSE_FILE=str(pause)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not pause.exists():
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, f"never reached {point}"
        time.sleep(0.05)
    return process, pause


def log_messages(stderr):
    """The `msg` of every logfmt line on standard error, unescaped."""
    import re
    messages = []
    for line in stderr.splitlines():
        match = re.search(r'(?:^| )msg=("(?:[^"\\]|\\.)*"|\S+)', line)
        if match:
            value = match.group(1)
            if value.startswith('"'):
                value = re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), value[1:-1])
            messages.append(value)
    return "\n".join(messages)
