"""Connection failures are named, have their own exit codes, and never show the password."""
import os
import socket
import subprocess
import uuid

from conftest import BIN, SAMPLES, log_messages

PASSWORD = "s3cret-Pa55word-" + uuid.uuid4().hex[:8]


def run(url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["DATABASE_URL"] = url
    env.update(extra)
    return subprocess.run([BIN, "etl", "--archive", SAMPLES], env=env, capture_output=True, text=True, timeout=60)


def assert_secret_absent(result):
    assert PASSWORD not in result.stdout and PASSWORD not in result.stderr
    assert PASSWORD.replace("-", "%2D") not in result.stderr


def with_user():
    """A role with a password (TCP on loopback uses scram-sha-256 auth)."""
    role = "r_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", "-X", "-q", "-c", f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"], check=True)
    return role


def test_unreachable_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(f"postgresql://trail:{PASSWORD}@127.0.0.1:{port}/trail?connect_timeout=3")
    assert result.returncode == 69, result.stderr
    assert "unreachable" in result.stderr
    assert_secret_absent(result)


def test_bad_password():
    role = with_user()
    result = run(f"postgresql://{role}:{PASSWORD}x@127.0.0.1:{os.environ['PGPORT']}/trail")
    assert result.returncode == 77, result.stderr
    assert "authentication failed" in result.stderr
    assert_secret_absent(result)


def test_bad_password_from_pgpassword():
    role = with_user()
    result = run(f"postgresql://{role}@127.0.0.1:{os.environ['PGPORT']}/trail", PGPASSWORD=PASSWORD + "x")
    assert result.returncode == 77
    assert PASSWORD not in result.stderr


def test_missing_database():
    role = with_user()
    result = run(f"postgresql://{role}:{PASSWORD}@127.0.0.1:{os.environ['PGPORT']}/no_such_db")
    assert result.returncode == 78, result.stderr
    assert 'database "no_such_db" does not exist' in log_messages(result.stderr)
    assert_secret_absent(result)


def test_keyword_form_and_sslmode_are_understood():
    role = with_user()
    result = run(f"host=127.0.0.1 port={os.environ['PGPORT']} dbname=no_such_db user={role} password={PASSWORD} sslmode=disable")
    assert result.returncode == 78
    assert_secret_absent(result)
