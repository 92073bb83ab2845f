/// The byte-level constants of the segment format (docs/segment-format.md).
package enum SegmentLayout {
    /// zstd skippable-frame magic numbers (0x184D2A50 ... 0x184D2A5F are skippable).
    package static let headerFrameMagic: UInt32 = 0x184D_2A50
    package static let footerFrameMagic: UInt32 = 0x184D_2A5F
    /// First 8 bytes of the header frame's payload.
    package static let headerMagic = Array("GMTSEG01".utf8)
    /// Last 8 bytes of the file.
    package static let trailerMagic = Array("GMTSEND1".utf8)
    /// Skippable frame header: magic (4) + payload size (4).
    package static let skippableFrameHeaderSize = 8
    /// Header payload: magic (8) + CRC-32 of the JSON (4) + JSON.
    package static let headerPrefixSize = 12
    /// Trailer: JSON length (4) + CRC-32 of the JSON (4) + magic (8).
    package static let trailerSize = 16
    /// Default uncompressed size at which a data frame is cut.
    package static let defaultFrameTarget = 1 << 20
    /// A record longer than this is refused (gRPC's default receive limit is 4 MiB).
    package static let maxRecordSize = 16 << 20
    /// A frame's content may not exceed this (a reader refuses to allocate more for a corrupt
    /// or hostile size): with `maxRecordsPerFrame`, it bounds a reader's memory by the format,
    /// not by what a file claims (a frame of 64 MiB and its record table of 8 MiB).
    package static let maxFrameContentSize = 64 << 20
    /// A frame may hold at most this many records, empty ones included (a few bytes of zstd
    /// can expand into millions of zero-length records).
    package static let maxRecordsPerFrame = 1 << 20
    /// The frame size a capture cuts at, well under the limit.
    package static let captureFrameTarget = 16 << 20
    /// Sealed segments end in this suffix; a capture in progress adds `partialSuffix`.
    package static let sealedSuffix = ".seg"
    package static let partialSuffix = ".partial"
    /// A directory at the top of an archive where `compact` writes a day segment before it
    /// moves it into place: no listing of the archive looks inside it.
    package static let stagingDirectory = ".staging"
}
