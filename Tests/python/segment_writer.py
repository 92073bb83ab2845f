"""An independent writer of goldmane-trail segments, written from docs/segment-format.md
(zstandard from PyPI; nothing from the Swift code). By default it writes a sealed, byte-valid
segment that `goldmane-trail verify` accepts; its overrides damage one thing at a time, so
tests can attack the readers with files that are wrong in exactly one way.

    write_segment(path, records=[(bytes, start, end), ...], window=(start, end))

`records` are FlowResult bytes (or any bytes: they are stored as given) with the bucket start
and end the writer puts in the footer's frame table; give them in bucket order. Frames are
cut every `records_per_frame` records, or as `frames` says (a list of (first, stop) index
ranges into `records`).

Overrides (applied after the honest values are computed):
  header_overrides   {field: value} merged into the header JSON (None deletes the field)
  footer_overrides   {field: value} merged into the footer JSON
  frame_overrides    {frame index: {field: value}} merged into that frame's table entry
  data_start_override  the footer's data_start
  checksum           False: data frames are written without the zstd content checksum
  no_checksum_frames indexes of the frames written without it (the others keep it)
  raw_frames         data frames given whole instead of `records`: a list of RawFrame
"""
import dataclasses
import json
import os
import struct
import zlib

import zstandard

HEADER_FRAME_MAGIC = 0x184D2A50
FOOTER_FRAME_MAGIC = 0x184D2A5F
HEADER_MAGIC = b"GMTSEG01"
TRAILER_MAGIC = b"GMTSEND1"
BUCKET = 15


def varint(value):
    """Protobuf base-128 varint of a non-negative integer (< 2**64)."""
    assert 0 <= value < 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


# --- A minimal protobuf encoder, for records no protobuf library would write ---------------

def tag(field, wire_type):
    return varint(field << 3 | wire_type)


def pb_varint(field, value):
    """A varint field; negative values as int64 (two's complement, 10 bytes)."""
    return tag(field, 0) + varint(value & ((1 << 64) - 1))


def pb_bytes(field, payload):
    return tag(field, 2) + varint(len(payload)) + payload


def flow_result_bytes(start, end, source_name=b"client-raw-6d9f8b7c54-*", flow_id=7, packets_out=5,
                      source_namespace=b"ns-raw", dest_namespace=b"backend-raw"):
    """A FlowResult encoded by hand: lets a test put bytes no encoder would allow (invalid
    UTF-8 in a string) into an otherwise well-formed message."""
    key = (pb_bytes(1, source_name) + pb_bytes(2, source_namespace) + pb_varint(3, 1)
           + pb_bytes(4, b"server-raw-7b5c9d6f48-*") + pb_bytes(5, dest_namespace) + pb_varint(6, 1)
           + pb_varint(7, 8080) + pb_bytes(12, b"tcp") + pb_varint(13, 1) + pb_varint(14, 1))
    flow = pb_bytes(1, key) + pb_varint(2, start) + pb_varint(3, end) + pb_varint(7, packets_out) + pb_varint(9, packets_out * 100)
    return pb_varint(1, flow_id) + pb_bytes(2, flow)


def canonical_json(value):
    """The trail's JSON: sorted keys, compact, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclasses.dataclass
class RawFrame:
    """One data frame given whole. `content` is compressed unless `compressed` is given;
    the table entry's fields default to honest values where they can be computed
    (`records` must be given when the content is not worth splitting, e.g. a bomb)."""
    content: bytes = None
    compressed: bytes = None
    content_size: int = None
    records: int = None
    first_start: int = 0
    last_start: int = 0
    max_end: int = 0
    checksum: bool = True


def compress(content, checksum=True, level=3):
    compressor = zstandard.ZstdCompressor(level=level, write_checksum=checksum, write_content_size=True)
    return compressor.compress(content)


def encode_records(records):
    return b"".join(varint(len(data)) + data for data, _, _ in records)


def rfc3339(seconds):
    """RFC 3339 UTC, as the trail writes it (the year 1 to 9999 only)."""
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def default_header(window):
    """A capture of `window` would be created at its start and sealed a minute after its end."""
    return {
        "capture_id": "00000000-0000-4000-8000-0000000000ff",
        "cluster": "hostile",
        "created_at": rfc3339(window[0]),
        "endpoint": "goldmane.calico-system.svc:7443",
        "format": "goldmane-trail-segment",
        "format_version": 1,
        "record_type": "goldmane.FlowResult",
        "schema": "goldmane/api.proto (Calico 3.32+, schema B)",
        "tool": "segment_writer.py (tests)",
        "window_end": window[1],
        "window_start": window[0],
    }


def header_frame(header_json):
    payload = HEADER_MAGIC + struct.pack("<I", zlib.crc32(header_json)) + header_json
    return struct.pack("<II", HEADER_FRAME_MAGIC, len(payload)) + payload


def footer_frame(footer_json):
    payload = footer_json + struct.pack("<II", len(footer_json), zlib.crc32(footer_json)) + TRAILER_MAGIC
    return struct.pack("<II", FOOTER_FRAME_MAGIC, len(payload)) + payload


def merge(target, overrides):
    for key, value in (overrides or {}).items():
        if value is None and key in target:
            del target[key]
        else:
            target[key] = value


def frame_ranges(count, records_per_frame, frames):
    if frames is not None:
        return [tuple(r) for r in frames]
    return [(i, min(i + records_per_frame, count)) for i in range(0, count, records_per_frame)]


@dataclasses.dataclass
class Written:
    """What write_segment wrote: the JSON documents and the byte layout."""
    path: str
    header: dict
    footer: dict
    data_start: int
    data_end: int
    size: int
    # Per data frame, per record: (where its length prefix starts, where its message starts)
    # in the frame's decompressed content (empty for raw frames).
    record_offsets: list = dataclasses.field(default_factory=list)


def write_segment(path, records=(), window=None, frames=None, records_per_frame=1000, footer_overrides=None,
                  frame_overrides=None, header_overrides=None, data_start_override=None, checksum=True,
                  raw_frames=None, seal="complete", coverage=None, stats=None, level=3, no_checksum_frames=()):
    records = list(records)
    if window is None:
        starts = [start for _, start, _ in records] or [1795744800]
        window = (min(starts) // 900 * 900, min(starts) // 900 * 900 + 900)
    header = default_header(window)
    merge(header, header_overrides)
    header_bytes = header_frame(canonical_json(header))
    data_start = len(header_bytes)

    blobs, entries, layout = [], [], []
    offset = data_start
    if raw_frames is None:
        for index, (first, stop) in enumerate(frame_ranges(len(records), records_per_frame, frames)):
            chunk = records[first:stop]
            content = encode_records(chunk)
            positions, position = [], 0
            for data, _, _ in chunk:
                prefix = len(varint(len(data)))
                positions.append((position, position + prefix))
                position += prefix + len(data)
            layout.append(positions)
            blob = compress(content, checksum=checksum and index not in no_checksum_frames, level=level)
            entries.append({
                "offset": offset, "compressed_size": len(blob), "content_size": len(content), "records": len(chunk),
                "first_start": chunk[0][1] if chunk else 0, "last_start": chunk[-1][1] if chunk else 0,
                "max_end": max((end for _, _, end in chunk), default=0),
            })
            blobs.append(blob)
            offset += len(blob)
    else:
        for raw in raw_frames:
            blob = raw.compressed if raw.compressed is not None else compress(raw.content, checksum=raw.checksum, level=level)
            content_size = raw.content_size if raw.content_size is not None else len(raw.content)
            count = raw.records
            if count is None:
                from segment_reader import split_records
                count = len(split_records(raw.content))
            entries.append({
                "offset": offset, "compressed_size": len(blob), "content_size": content_size, "records": count,
                "first_start": raw.first_start, "last_start": raw.last_start, "max_end": raw.max_end,
            })
            blobs.append(blob)
            offset += len(blob)
    data_end = offset

    for index, overrides in (frame_overrides or {}).items():
        merge(entries[index], overrides)
    footer = {
        "coverage": coverage if coverage is not None else {"captured": [{"from": window[0], "to": window[1]}], "gaps": []},
        "data_end": data_end,
        "data_start": data_start if data_start_override is None else data_start_override,
        "frames": entries,
        "max_end": max((e["max_end"] for e in entries), default=None),
        "min_start": entries[0]["first_start"] if entries else None,
        "record_count": sum(e["records"] for e in entries),
        "recovered_bytes_cut": 0,
        "seal": seal,
        "sealed_at": rfc3339(header["window_end"] + 60) if isinstance(header.get("window_end"), int) else "2026-11-27T02:31:00Z",
        "stats": stats if stats is not None else {"duplicates_dropped": 0, "items_received": sum(e["records"] for e in entries)},
    }
    merge(footer, footer_overrides)

    tmp = str(path) + ".writing"
    with open(tmp, "wb") as handle:
        handle.write(header_bytes)
        for blob in blobs:
            handle.write(blob)
        handle.write(footer_frame(canonical_json(footer)))
    os.replace(tmp, path)
    return Written(str(path), header, footer, data_start, data_end, os.path.getsize(path), layout)


def segment_name(cluster, window_start, window_end):
    """The archive's file name for a window: <cluster>-<start>-<end>.seg, compact UTC."""
    import time
    fmt = lambda t: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
    return f"{cluster}-{fmt(window_start)}-{fmt(window_end)}.seg"


def archive_path(root, cluster, window_start, window_end):
    """<root>/<cluster>/<YYYY-MM-DD>/<name>.seg (directories created)."""
    import time
    day = time.strftime("%Y-%m-%d", time.gmtime(window_start))
    directory = os.path.join(root, cluster, day)
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, segment_name(cluster, window_start, window_end))
