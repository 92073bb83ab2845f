import TrailSupport
import Foundation
import Logging
import Synchronization
import TrailFormat

/// Log lines on standard error, one per event: logfmt (`time=… level=info msg="…" key=value`,
/// the default) or JSON (one object per line), as log collectors expect. Messages come from
/// our own code and never hold a password or the webhook URL.
struct TrailLogHandler: LogHandler {
    enum Format: String, CaseIterable, Sendable {
        case logfmt, json
    }

    var format: Format
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info

    init(format: Format) { self.format = format }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let line = Self.render(format: format, time: Date(), level: event.level, message: event.message.description, metadata: fields)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func render(format: Format, time: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let stamp = ISO8601DateFormatter.string(from: time, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let pairs = [("time", stamp), ("level", level.rawValue), ("msg", message)]
            + metadata.keys.sorted().map { ($0, "\(metadata[$0]!)") }
        switch format {
        case .logfmt:
            return pairs.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            let object = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(object), as: UTF8.self)) ?? "{}"
        }
    }

    /// A logfmt value: bare when it is a plain token, else double-quoted with `"`, `\` and
    /// control characters escaped.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7f }
        if plain { return value }
        let escaped = TextEscape.escape(value) { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "\n": "\\n"
            case "\t": "\\t"
            case "\r": "\\r"
            default: nil
            }
        }
        return "\"" + escaped + "\""
    }
}

/// The process's logger. The format comes from `--log-format` on the jobs, else
/// `GOLDMANE_TRAIL_LOG_FORMAT`, else logfmt.
enum Log {
    private static let state = Mutex<Logger?>(nil)

    static var logger: Logger {
        state.withLock { current in
            if let current { return current }
            let made = make(format: TrailLogHandler.Format(rawValue: ProcessInfo.processInfo.environment["GOLDMANE_TRAIL_LOG_FORMAT"] ?? "") ?? .logfmt)
            current = made
            return made
        }
    }

    static func use(format: TrailLogHandler.Format, command: String) {
        var logger = make(format: format)
        logger[metadataKey: "command"] = .string(command)
        state.withLock { $0 = logger }
    }

    private static func make(format: TrailLogHandler.Format) -> Logger {
        Logger(label: "goldmane-trail") { _ in TrailLogHandler(format: format) }
    }
}

/// What the jobs say on standard error, through the logger.
enum Diagnostics {
    static func error(_ message: String, _ metadata: Logger.Metadata = [:]) {
        Log.logger.error("\(message)", metadata: metadata)
    }

    static func info(_ message: String, _ metadata: Logger.Metadata = [:]) {
        Log.logger.info("\(message)", metadata: metadata)
    }

    static func warning(_ message: String, _ metadata: Logger.Metadata = [:]) {
        Log.logger.warning("\(message)", metadata: metadata)
    }
}
