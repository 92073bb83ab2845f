import TrailSupport

/// Why a segment cannot be trusted or written: which file, which byte, what is wrong, and
/// what to do next. Carries no record content.
package struct SegmentError: Error, CustomStringConvertible, Equatable {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package static let io = Code(name: "io")
        package static let badHeader = Code(name: "bad-header")
        package static let notSealed = Code(name: "not-sealed")
        package static let badFooter = Code(name: "bad-footer")
        package static let truncatedFrame = Code(name: "truncated-frame")
        package static let corruptFrame = Code(name: "corrupt-frame")
        package static let badRecordFraming = Code(name: "bad-record-framing")
        package static let footerMismatch = Code(name: "footer-mismatch")
        package static let outOfOrder = Code(name: "out-of-order")
        package static let unsupportedVersion = Code(name: "unsupported-version")
        package static let invalidArgument = Code(name: "invalid-argument")
        // The object store holding a remote archive failed: the segment itself is not at
        // fault, so no job skips it or records it as a failure; the job stops.
        /// The store cannot be reached, or kept failing (5xx) after retries: exit 69.
        package static let storeUnavailable = Code(name: "store-unavailable")
        /// The store refused the credentials or the request (403): exit 77.
        package static let storeForbidden = Code(name: "store-forbidden")
        /// The bucket does not exist: exit 78.
        package static let storeNoBucket = Code(name: "store-no-bucket")
        /// The object named is not in the store: exit 66.
        package static let storeNoObject = Code(name: "store-no-object")
        /// The local directory objects are fetched into (TMPDIR) cannot take them: exit 74.
        package static let spoolUnavailable = Code(name: "spool-unavailable")
        package var description: String { name }
    }

    package let code: Code
    package let path: String
    /// The byte offset of the first problem, when there is one.
    package let offset: Int?
    package let message: String

    package init(_ code: Code, path: String, offset: Int?, _ message: String) {
        self.code = code
        self.path = path
        self.offset = offset
        self.message = message
    }

    package var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        return "\(path)\(at): \(message) [\(code)]"
    }
}

extension SegmentError: TrailError {
    /// A file that cannot be read is an I/O error; anything wrong inside it is bad input; a
    /// store that fails says which way.
    package var exitStatus: ExitStatus {
        switch code {
        case .io: .ioError
        case .storeUnavailable: .unavailable
        case .storeForbidden: .noPermission
        case .storeNoBucket: .config
        case .storeNoObject: .noInput
        case .spoolUnavailable: .ioError
        default: .dataError
        }
    }

    /// The object store failed, or the local directory its objects are fetched into, not the
    /// segment: a job stops instead of skipping or recording the segment (the same run later,
    /// with the store back, reads it).
    package var isStoreFailure: Bool {
        code == .storeUnavailable || code == .storeForbidden || code == .storeNoBucket || code == .spoolUnavailable
    }
}
