"""An independent reader of goldmane-trail segments, written from docs/segment-format.md
alone (zstandard and protobuf from PyPI; nothing from the Swift code).
"""
import json
import struct
import zlib

import zstandard

HEADER_FRAME_MAGIC = 0x184D2A50
FOOTER_FRAME_MAGIC = 0x184D2A5F
HEADER_MAGIC = b"GMTSEG01"
TRAILER_MAGIC = b"GMTSEND1"


class SegmentError(Exception):
    pass


def read_varint(data, offset):
    value, shift = 0, 0
    while True:
        if offset >= len(data) or shift >= 70:
            raise SegmentError(f"varint runs past the end at {offset}")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7


def split_records(content):
    records, offset = [], 0
    while offset < len(content):
        length, offset = read_varint(content, offset)
        if offset + length > len(content):
            raise SegmentError("record runs past the end of its frame")
        records.append(bytes(content[offset:offset + length]))
        offset += length
    return records


class Segment:
    def __init__(self, path):
        with open(path, "rb") as handle:
            self.data = handle.read()
        data = self.data
        magic, payload = struct.unpack_from("<II", data, 0)
        if magic != HEADER_FRAME_MAGIC or data[8:16] != HEADER_MAGIC:
            raise SegmentError("not a segment")
        (crc,) = struct.unpack_from("<I", data, 16)
        header_json = data[20:8 + payload]
        if zlib.crc32(header_json) != crc:
            raise SegmentError("header CRC mismatch")
        self.header = json.loads(header_json)
        if self.header["format_version"] != 1:
            raise SegmentError("unknown format version")
        self.data_start = 8 + payload

        if data[-8:] != TRAILER_MAGIC:
            raise SegmentError("not sealed")
        json_length, footer_crc = struct.unpack_from("<II", data, len(data) - 16)
        json_start = len(data) - 16 - json_length
        footer_json = data[json_start:len(data) - 16]
        if zlib.crc32(footer_json) != footer_crc:
            raise SegmentError("footer CRC mismatch")
        frame_magic, frame_payload = struct.unpack_from("<II", data, json_start - 8)
        if frame_magic != FOOTER_FRAME_MAGIC or frame_payload != json_length + 16:
            raise SegmentError("footer frame header mismatch")
        self.footer = json.loads(footer_json)
        self.footer_offset = json_start - 8

    def records_by_footer(self):
        """Step 3 of 'Reading a segment': frame by frame from the footer's table."""
        decompressor = zstandard.ZstdDecompressor()
        records = []
        for entry in self.footer["frames"]:
            frame = self.data[entry["offset"]:entry["offset"] + entry["compressed_size"]]
            content = decompressor.decompress(frame)
            if len(content) != entry["content_size"]:
                raise SegmentError("content size mismatch")
            frame_records = split_records(content)
            if len(frame_records) != entry["records"]:
                raise SegmentError("record count mismatch")
            records.extend(frame_records)
        return records

    def records_by_scanning(self):
        """The other way: every zstd frame from data_start up to the footer frame."""
        decompressor = zstandard.ZstdDecompressor()
        reader = decompressor.stream_reader(self.data[self.data_start:self.footer_offset], read_across_frames=True)
        return split_records(reader.read())
