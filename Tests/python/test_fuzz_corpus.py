"""Every input the fuzzers were seeded with or ever crashed on (Tests/Fixtures/fuzz) runs
through the same code as the fuzz targets, in the plain build: a crash found once stays fixed."""
import os
import subprocess

import pytest

from conftest import BIN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("target,corpus", [("FuzzSegmentReader", "segment-reader"), ("FuzzFlowRecord", "flow-record")])
def test_the_fuzz_corpus_replays_cleanly(target, corpus, tmp_path):
    replayer = os.path.join(os.path.dirname(BIN), target)
    directory = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", corpus)
    inputs = [name for name in os.listdir(directory) if not name.startswith(".")]
    assert inputs, f"no committed inputs in {directory}"
    result = subprocess.run([replayer, directory], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == f"replayed {len(inputs)} inputs"
