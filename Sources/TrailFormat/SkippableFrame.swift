/// The segment's header and footer frames: zstd skippable frames (magic, size, payload),
/// which any zstd decoder passes over.
enum SkippableFrame {
    static func encodeHeader(json: [UInt8]) -> [UInt8] {
        var payload = SegmentLayout.headerMagic
        LittleEndian.append(CRC32.checksum(json), to: &payload)
        payload += json
        return frame(magic: SegmentLayout.headerFrameMagic, payload: payload)
    }

    static func encodeFooter(json: [UInt8]) -> [UInt8] {
        var payload = json
        LittleEndian.append(UInt32(json.count), to: &payload)
        LittleEndian.append(CRC32.checksum(json), to: &payload)
        payload += SegmentLayout.trailerMagic
        return frame(magic: SegmentLayout.footerFrameMagic, payload: payload)
    }

    private static func frame(magic: UInt32, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + SegmentLayout.skippableFrameHeaderSize)
        LittleEndian.append(magic, to: &bytes)
        LittleEndian.append(UInt32(payload.count), to: &bytes)
        return bytes + payload
    }
}
