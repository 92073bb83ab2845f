"""The independent Python reader agrees with goldmane-trail on every sample segment."""
import base64
import glob
import json
import os
import subprocess
import tempfile

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from segment_reader import Segment, SegmentError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GOLDMANE_TRAIL_BIN", os.path.join(ROOT, ".build/debug/goldmane-trail"))
SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples/archive/**/*.seg"), recursive=True))
GOLDEN = os.path.join(ROOT, "Tests/Fixtures/golden.seg")


@pytest.fixture(scope="session")
def flow_result_class():
    """goldmane.FlowResult from proto/goldmane.proto, through protoc's descriptor set."""
    with tempfile.TemporaryDirectory() as work:
        descriptor_path = os.path.join(work, "goldmane.pb")
        subprocess.run(["protoc", "-I", os.path.join(ROOT, "proto"), "--descriptor_set_out", descriptor_path,
                        "goldmane.proto"], check=True)
        descriptors = descriptor_pb2.FileDescriptorSet()
        with open(descriptor_path, "rb") as handle:
            descriptors.ParseFromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    for file_descriptor in descriptors.file:
        pool.Add(file_descriptor)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("goldmane.FlowResult"))


def swift_records(path):
    output = subprocess.run([BIN, "inspect", "--records", "--raw", path], check=True, capture_output=True).stdout
    return [json.loads(line) for line in output.splitlines()]


def test_there_are_samples():
    assert len(SAMPLES) >= 8


@pytest.mark.parametrize("path", SAMPLES + [GOLDEN], ids=os.path.basename)
def test_agrees_with_goldmane_trail(path, flow_result_class):
    segment = Segment(path)
    records = segment.records_by_footer()
    assert records == segment.records_by_scanning()
    assert len(records) == segment.footer["record_count"]

    swift = swift_records(path)
    assert len(swift) == len(records)
    for ours, theirs in zip(records, swift):
        assert ours == base64.b64decode(theirs["bytes"])

    previous = None
    for record in records:
        message = flow_result_class()
        message.ParseFromString(record)
        assert message.SerializeToString() == record  # nothing lost, nothing reordered
        start = message.flow.start_time
        assert previous is None or start >= previous
        previous = start
    if records:
        assert segment.footer["min_start"] == flow_result_from(records[0], flow_result_class).flow.start_time


def flow_result_from(record, cls):
    message = cls()
    message.ParseFromString(record)
    return message


def test_a_torn_segment_is_not_read(tmp_path):
    data = open(SAMPLES[0], "rb").read()
    torn = tmp_path / "torn.seg"
    torn.write_bytes(data[: len(data) // 2])
    with pytest.raises(SegmentError):
        Segment(str(torn))
