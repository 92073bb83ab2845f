import TrailFormat
import TrailSupport

/// Why a request to the object store failed, and what to do next. Messages name the
/// endpoint, bucket and key, never a credential.
package typealias ObjectStoreError = StageError<ObjectStoreErrorCode>

package enum ObjectStoreErrorCode: ErrorCode {
    /// A setting is missing or malformed (`--archive s3://...`, the AWS_* variables).
    case configuration
    /// The endpoint cannot be reached, or kept answering 5xx, after the retries.
    case unavailable
    /// 403: the credentials are wrong or lack the permission.
    case forbidden
    /// The bucket does not exist.
    case noSuchBucket
    /// The object does not exist.
    case noSuchKey
    /// A conditional request's condition did not hold (the object exists; its ETag changed).
    case preconditionFailed
    /// The store answered something this client cannot read.
    case badResponse
    /// An upload did not arrive as sent (size or checksum differ).
    case uploadMismatch
    /// The local directory objects are fetched into (TMPDIR) cannot take one.
    case spool

    package var exitStatus: ExitStatus {
        switch self {
        case .configuration, .noSuchBucket: .config
        case .unavailable, .badResponse: .unavailable
        case .forbidden: .noPermission
        case .noSuchKey: .noInput
        case .preconditionFailed: .tempFail
        case .uploadMismatch, .spool: .ioError
        }
    }
}

extension StageError where Code == ObjectStoreErrorCode {
    /// The same failure as a `SegmentError` of `path`, for the archive's readers.
    package func segmentError(path: String) -> SegmentError {
        let code: SegmentError.Code = switch self.code {
        case .forbidden: .storeForbidden
        case .noSuchBucket, .configuration: .storeNoBucket
        case .noSuchKey: .storeNoObject
        case .spool: .spoolUnavailable
        default: .storeUnavailable
        }
        return SegmentError(code, path: path, offset: nil, message)
    }
}
