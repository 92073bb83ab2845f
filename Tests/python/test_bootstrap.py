"""scripts/bootstrap.sh, the set-up `make demo`, `make test` and `.ci/run` run first: its
decisions (what is missing, how to install it, when to stop with exit 69 and the command to
run) with the package tools replaced on PATH, and the real script on this machine, where it
must find everything present and change nothing.

The stand-ins record how they were called; the script itself, bash and the coreutils it uses
are real. The stand-in PATH holds nothing else, so no real apt-get, sudo or dpkg is reached."""
import os
import shutil
import stat
import subprocess
import time

import pytest

from conftest import ROOT

BOOTSTRAP = os.path.join(ROOT, "scripts", "bootstrap.sh")
# What the script may use from the machine, besides the stand-ins.
TOOLS = ["bash", "env", "dirname", "grep", "cut", "cat", "rm", "sha256sum", "ls", "true"]

DPKG = """#!/bin/sh
[ "$1" = "-s" ] || exit 2
for missing in $FAKE_MISSING; do [ "$missing" = "$2" ] && exit 1; done
exit 0
"""
APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$FAKE_LOG"
[ -z "$FAKE_APT_FAIL" ] || { echo "E: Unable to locate package" >&2; exit 100; }
"""
SUDO = """#!/bin/sh
# Only `sudo -n COMMAND...`; a password is needed unless FAKE_SUDO=allowed.
[ "$1" = "-n" ] || exit 1
shift
[ "$FAKE_SUDO" = allowed ] || { echo "sudo: a password is required" >&2; exit 1; }
echo "sudo $*" >> "$FAKE_LOG"
exec "$@"
"""
ID = """#!/bin/sh
echo "$FAKE_UID"
"""
# The script asks /sbin/ldconfig (by absolute path) for libcurl: present on any machine that
# built the binary, so it is not among the missing here.


@pytest.fixture
def project(tmp_path):
    """A copy of the script in a project-shaped directory, and a PATH of stand-ins."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(BOOTSTRAP, tmp_path / "scripts" / "bootstrap.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        os.symlink(shutil.which(tool), bin_dir / tool)
    for name, text in {"dpkg": DPKG, "apt-get": APT_GET, "sudo": SUDO, "id": ID, "swift": "#!/bin/sh\n",
                       "openssl": "#!/bin/sh\n"}.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def bootstrap(project, *arguments, missing="", uid="1000", sudo="password", apt_fail=""):
    log = project / "calls.log"
    log.write_text("")
    env = {"PATH": str(project / "bin"), "FAKE_MISSING": missing, "FAKE_UID": uid, "FAKE_SUDO": sudo,
           "FAKE_APT_FAIL": apt_fail, "FAKE_LOG": str(log)}
    started = time.monotonic()
    result = subprocess.run([str(project / "bin" / "bash"), str(project / "scripts" / "bootstrap.sh"), *arguments],
                            env=env, capture_output=True, text=True, timeout=60)
    return result, log.read_text().splitlines(), time.monotonic() - started


def test_everything_present_does_nothing(project):
    result, calls, _ = bootstrap(project)
    assert result.returncode == 0, result.stderr
    assert calls == [] and result.stderr == "" and result.stdout == ""


def test_missing_packages_without_root_or_sudo_stop_at_once_with_the_command(project):
    result, calls, seconds = bootstrap(project, missing="libzstd-dev graphviz")
    assert result.returncode == 69
    assert calls == [], "nothing may be installed"
    lines = result.stderr.splitlines()
    assert "  apt-get update && apt-get install -y --no-install-recommends libzstd-dev graphviz" in lines
    assert "not root" in result.stderr and "sudo" in result.stderr
    assert seconds < 5


def test_root_installs_exactly_what_is_missing(project):
    result, calls, _ = bootstrap(project, missing="libpq-dev postgresql protobuf-compiler", uid="0")
    assert result.returncode == 0, result.stderr
    assert calls == ["apt-get update -q",
                     "apt-get install -y -q --no-install-recommends libpq-dev postgresql protobuf-compiler"]


def test_passwordless_sudo_installs_through_sudo(project):
    result, calls, _ = bootstrap(project, missing="zstd", sudo="allowed")
    assert result.returncode == 0, result.stderr
    assert calls == ["sudo true", "sudo apt-get update -q", "apt-get update -q",
                     "sudo apt-get install -y -q --no-install-recommends zstd",
                     "apt-get install -y -q --no-install-recommends zstd"]


def test_a_failed_install_exits_69_with_the_command(project):
    result, calls, _ = bootstrap(project, missing="pkg-config", uid="0", apt_fail="1")
    assert result.returncode == 69
    assert "  apt-get update && apt-get install -y --no-install-recommends pkg-config" in result.stderr.splitlines()
    assert calls[0] == "apt-get update -q"


def test_what_is_missing_is_the_same_every_run(project):
    """The missing list once had a race: `ldconfig -p | grep -q` under pipefail failed when grep
    exited before ldconfig finished writing (SIGPIPE), so libcurl was called missing about one
    run in six. Fifty runs must all name exactly the one missing package."""
    for _ in range(50):
        result, _, _ = bootstrap(project, missing="pkg-config")
        assert result.returncode == 69
        assert "  apt-get update && apt-get install -y --no-install-recommends pkg-config" in result.stderr.splitlines(), result.stderr


def test_no_swift_is_named(project):
    os.remove(project / "bin" / "swift")
    result, calls, _ = bootstrap(project)
    assert result.returncode == 69 and "swift" in result.stderr and calls == []


def test_not_debian_names_what_is_missing_and_installs_nothing(project):
    os.remove(project / "bin" / "dpkg")
    pkg_config = project / "bin" / "pkg-config"
    pkg_config.write_text('#!/bin/sh\n[ "$2" = libpq ]\n')  # libpq found, libzstd not
    pkg_config.chmod(0o755)
    result, calls, _ = bootstrap(project, uid="0")
    assert result.returncode == 69
    assert "libzstd with headers" in result.stderr and "libpq with headers" not in result.stderr
    assert "a PostgreSQL server" in result.stderr or os.path.exists("/usr/lib/postgresql")
    assert calls == []


def test_unknown_argument_is_a_usage_error(project):
    result, _, _ = bootstrap(project, "--vnev")
    assert result.returncode == 64 and "--vnev" in result.stderr


def test_on_this_machine_everything_is_present_and_nothing_changes():
    """`make test` ran the real script before the tests: run again, it must cost nothing."""
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    before = os.stat(venv_python).st_mtime if os.path.exists(venv_python) else None
    started = time.monotonic()
    result = subprocess.run([BOOTSTRAP, "--venv"], capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "nothing may be installed when everything is present"
    assert seconds < 5
    if before is not None:
        assert os.stat(venv_python).st_mtime == before
