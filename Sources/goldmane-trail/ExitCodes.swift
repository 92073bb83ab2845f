import ArgumentParser
import Foundation
import Load
import TrailDatabase
import TrailFormat
import Transform

/// The documented exit codes (sysexits.h conventions), shared by every job.
enum ExitCodes {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let cannotCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let software: Int32 = 70
    static let unavailable: Int32 = 69
    static let tempFail: Int32 = 75
    static let noPermission: Int32 = 77
    static let config: Int32 = 78

    static func code(for error: DatabaseError) -> Int32 {
        switch error.code {
        case .unreachable, .connection: unavailable
        case .authentication: noPermission
        case .missingDatabase: config
        case .lockTimeout: tempFail
        case .query: software
        case .refused: dataError
        }
    }

    static func code(for error: SegmentError) -> Int32 {
        error.code == .io ? ioError : dataError
    }

    static func code(for error: TransformError) -> Int32 {
        switch error.code {
        case .badInput: noInput
        case .corruptInput: dataError
        case .output: cannotCreate
        }
    }
}

/// Logs the error and exits with `code`.
func fail(_ message: String, code: Int32) -> ExitCode {
    Diagnostics.error(message)
    return ExitCode(code)
}
