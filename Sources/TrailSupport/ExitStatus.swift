/// The one table of exit codes (sysexits.h conventions where they apply). Every failure the
/// jobs report maps to one of these, and the process exits only through it (`GoldmaneTrail.main`,
/// `ExitCode(status.rawValue)`). Help texts and the README quote the numbers for the reader;
/// `test_help_layout.py` checks the root help and the README's table against each other.
package enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// An unexpected error: a bug.
    case failure = 1
    /// `health`: the trail is stale, or a segment failed to load.
    case stale = 2
    /// `policy-check`: the policies would block flows observed as allowed.
    case policyWouldBlock = 3
    /// A bad flag or argument.
    case usage = 64
    /// Corrupt, unsealed or refused input; settings that differ from the tables'.
    case dataError = 65
    /// An input path is missing or holds no sealed segments.
    case noInput = 66
    /// A service is unavailable: the database, Goldmane, Slack, Graphviz, a package.
    case unavailable = 69
    /// A database statement failed.
    case software = 70
    /// The output cannot be written.
    case cannotCreate = 73
    /// An I/O error.
    case ioError = 74
    /// Another writer holds the lock; another capture runs on the archive.
    case tempFail = 75
    /// Capture: the TLS handshake with Goldmane failed.
    case tlsFailed = 76
    /// Database authentication failed.
    case noPermission = 77
    /// Configuration: no such database, no tables, certificates, Slack refused the webhook.
    case config = 78
    /// Stopped by SIGINT.
    case interrupted = 130
    /// Stopped by SIGTERM.
    case terminated = 143
}
