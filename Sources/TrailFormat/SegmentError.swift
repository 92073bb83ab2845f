import TrailSupport

/// Why a segment cannot be trusted or written: which file, which byte, what is wrong, and
/// what to do next. Carries no record content.
public struct SegmentError: Error, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let io = Code(name: "io")
        public static let badHeader = Code(name: "bad-header")
        public static let notSealed = Code(name: "not-sealed")
        public static let badFooter = Code(name: "bad-footer")
        public static let truncatedFrame = Code(name: "truncated-frame")
        public static let corruptFrame = Code(name: "corrupt-frame")
        public static let badRecordFraming = Code(name: "bad-record-framing")
        public static let footerMismatch = Code(name: "footer-mismatch")
        public static let outOfOrder = Code(name: "out-of-order")
        public static let unsupportedVersion = Code(name: "unsupported-version")
        public static let invalidArgument = Code(name: "invalid-argument")
        public var description: String { name }
    }

    public let code: Code
    public let path: String
    /// The byte offset of the first problem, when there is one.
    public let offset: Int?
    public let message: String

    public init(_ code: Code, path: String, offset: Int?, _ message: String) {
        self.code = code
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        return "\(path)\(at): \(message) [\(code)]"
    }
}

extension SegmentError: TrailError {
    /// A file that cannot be read is an I/O error; anything wrong inside it is bad input.
    public var exitStatus: ExitStatus { code == .io ? .ioError : .dataError }
}
