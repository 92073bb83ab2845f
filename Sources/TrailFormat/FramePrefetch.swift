import Dispatch

/// Reads, decompresses and parses a segment's next data frame (and hashes its records'
/// FlowKeys, when `keyHashing` says so) on another thread while the current one is walked,
/// so that a fold uses both cores: zstd and the records' parsing on one, the fold on the
/// other. Exactly one frame is in flight, into the buffer of the frame before the current one (which the
/// walker no longer hands out); its outcome, a frame or the error reading it gave, is taken
/// in order, when the walker reaches it. Nothing else touches the reader meanwhile, so the
/// reader and the buffers are used by one thread at a time: the semaphore hands them over.
final class FramePrefetch: @unchecked Sendable {
    private let reader: SegmentReader
    private let keyHashing: KeyHashing?
    private var inFlight: Int? = nil
    private var outcome: Result<DecodedFrame, SegmentError>? = nil
    private let finished = DispatchSemaphore(value: 0)

    init(reader: SegmentReader, keyHashing: KeyHashing? = nil) {
        self.reader = reader
        self.keyHashing = keyHashing
    }

    /// Data frame `index`: the one in flight when it is that one, else read now. Then the
    /// next one is started, into `spare` (a buffer the caller is done with) when given.
    func frame(_ index: Int, spare: DecodedFrame?) throws(SegmentError) -> DecodedFrame {
        var result: Result<DecodedFrame, SegmentError>
        var buffer = spare
        if let pending = inFlight {
            finished.wait()
            inFlight = nil
            let done = outcome!
            outcome = nil
            if pending == index {
                result = done
            } else {
                if case .success(let unused) = done { buffer = unused }
                result = read(index, into: buffer)
                buffer = nil
            }
        } else {
            result = read(index, into: buffer)
            buffer = nil
        }
        if case .success = result, index + 1 < reader.frameCount {
            start(index + 1, into: buffer)
        }
        return try result.get()
    }

    private func start(_ index: Int, into buffer: DecodedFrame?) {
        inFlight = index
        // Handed over with the rest of this object: the other thread owns it until `finished`.
        outcome = buffer.map { .success($0) }
        DispatchQueue.global().async { [self] in
            let buffer = try? outcome?.get()
            outcome = read(index, into: buffer)
            finished.signal()
        }
    }

    /// Reads, decompresses and checks frame `index`, and parses its records.
    private func read(_ index: Int, into buffer: DecodedFrame?) -> Result<DecodedFrame, SegmentError> {
        do throws(SegmentError) {
            let frame = try reader.readFrame(index, reusing: buffer)
            frame.parseRecords(hashKeys: keyHashing?.isOn ?? false)
            return .success(frame)
        } catch {
            return .failure(error)
        }
    }

    deinit {
        // A frame still in flight holds the reader: let it finish before the reader goes.
        if inFlight != nil { finished.wait() }
    }
}
