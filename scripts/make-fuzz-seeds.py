#!/usr/bin/env python3
"""Writes the committed fuzz seed corpus (Tests/Fixtures/fuzz/*/seed-*): small, valid inputs
from which libFuzzer mutates. Run on purpose only: `python3 scripts/make-fuzz-seeds.py`."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "python"))
from segment_writer import flow_result_bytes, write_segment  # noqa: E402

START = 1_795_744_800
segments = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", "segment-reader")
records = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", "flow-record")
os.makedirs(segments, exist_ok=True)
os.makedirs(records, exist_ok=True)

items = [(flow_result_bytes(START + 15 * (i // 2), START + 15 * (i // 2) + 15, flow_id=i + 1, packets_out=i + 1), START + 15 * (i // 2), START + 15 * (i // 2) + 15) for i in range(6)]
write_segment(os.path.join(segments, "seed-three-frames.seg"), records=items, window=(START, START + 900), records_per_frame=2)
write_segment(os.path.join(segments, "seed-one-record.seg"), records=items[:1], window=(START, START + 900))
write_segment(os.path.join(segments, "seed-empty.seg"), records=[], window=(START, START + 900))
bad = items[:2] + [(b"\x0b\x01", START, START + 15)] + items[2:4]
write_segment(os.path.join(segments, "seed-undecodable-record.seg"), records=bad, window=(START, START + 900), records_per_frame=3)
# An unsealed file: the sealed one cut inside its footer (what a crash leaves).
whole = open(os.path.join(segments, "seed-three-frames.seg"), "rb").read()
open(os.path.join(segments, "seed-cut-in-footer.seg"), "wb").write(whole[:-40])

with open(os.path.join(records, "seed-one.bin"), "wb") as out:
    out.write(items[0][0])
with open(os.path.join(records, "seed-duplicates.bin"), "wb") as out:
    out.write(b"\xff\xfe".join([items[0][0], items[0][0], items[1][0], items[3][0]]))
print("seeds written")
