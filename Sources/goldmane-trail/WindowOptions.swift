import ArgumentParser
import TrailFormat

/// `--from` and `--to`: the window of time [from, to) of the commands that take one
/// (capture, replay, policy-check), with its checks in one place. A time is RFC 3339 UTC or
/// Unix seconds (argument-parser names the option and the bad value); `--from` must be
/// before `--to`; and the command's `Rules` say which of the two may be given alone and
/// whether a time must lie between 1970 and 9999. A failed check is a usage error (exit 64).
struct WindowOptions<Rules: WindowFlagRules>: ParsableArguments {
    @Option(help: Rules.fromHelp)
    var from: TimeArgument?

    @Option(help: Rules.toHelp)
    var to: TimeArgument?

    /// Whether either flag was given.
    var isGiven: Bool { from != nil || to != nil }

    func validate() throws {
        switch Rules.pairing {
        case .together where (from == nil) != (to == nil):
            throw ValidationError("--from and --to go together")
        case .toNeedsFrom where from == nil && to != nil:
            throw ValidationError("--to needs --from")
        default:
            break
        }
        if let from, let to, from.seconds >= to.seconds {
            throw ValidationError("--from \(from) is not before --to \(to)" + Rules.refusal)
        }
        if Rules.withinArchiveYears {
            for time in [from, to].compactMap({ $0 }) where !(0...BucketTime.latest).contains(time.seconds) {
                throw ValidationError("\(time.seconds): a window must lie between 1970 and 9999")
            }
        }
    }
}

/// What one command's `--from` and `--to` mean: their help, and the rules `WindowOptions`
/// checks them by.
protocol WindowFlagRules {
    static var fromHelp: ArgumentHelp { get }
    static var toHelp: ArgumentHelp { get }
    static var pairing: WindowFlagPairing { get }
    /// Whether each time given must lie between 1970 and 9999 (the times a bucket can start at).
    static var withinArchiveYears: Bool { get }
    /// What a refused window leaves as it was, said after the reason (replay: the tables).
    static var refusal: String { get }
}

extension WindowFlagRules {
    static var refusal: String { "" }
}

/// Which of `--from` and `--to` a command takes without the other.
enum WindowFlagPairing {
    /// Both or neither.
    case together
    /// `--from` alone (the command takes its own end, such as now); never `--to` alone.
    case toNeedsFrom
    /// Either alone (an open end).
    case eitherAlone
}
