/// Why part of a window was not captured. A gap's `reason` in the footer is the code, a colon,
/// and what happened: `stream_down: connection refused by goldmane…:7443`.
package enum GapReason: String, Sendable, CaseIterable {
    /// Goldmane could not be read for this part before the deadline (refused, reset, stalled).
    case streamDown = "stream_down"
    /// The part was older than Goldmane's replay ring when the capture ran.
    case olderThanRing = "older_than_ring"
    /// Goldmane lost its history (a restart empties the ring); what was received before is kept.
    case goldmaneRestarted = "goldmane_restarted"
    /// Items were dropped at the memory bound (`--max-buffer-mib`).
    case bufferFull = "buffer_full"
    /// The capture was stopped (SIGTERM, SIGINT) or crashed before this part was confirmed.
    case interrupted = "interrupted"
    /// A message over the receive limit ended every stream at the same place: the bucket
    /// that holds it.
    case messageTooLarge = "message_too_large"
    /// No replay from here was seen to pass the window's end: every one stopped at the same
    /// place (a stream cut at the same size, a server that ends its replay early), or the
    /// cluster has been silent since. What was received is left out; a later capture refills it.
    case unconfirmed = "replay_unconfirmed"

    /// A later capture can fill it while Goldmane still holds it: its items are left out of
    /// the segment (the refill brings them, so nothing is counted twice).
    package var isRefillable: Bool {
        switch self {
        case .streamDown, .bufferFull, .interrupted, .messageTooLarge, .unconfirmed: true
        case .olderThanRing, .goldmaneRestarted: false
        }
    }

    package func text(_ detail: String) -> String { "\(rawValue): \(detail)" }

    /// The code of a footer gap's reason (nil for reasons written before codes existed).
    package static func code(of reason: String) -> GapReason? {
        reason.firstIndex(of: ":").flatMap { GapReason(rawValue: String(reason[..<$0])) }
    }
}
