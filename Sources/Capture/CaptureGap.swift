/// A part of a window that was not captured, and why.
struct CaptureGap: Equatable, Sendable {
    var from: Int64
    var to: Int64
    var reason: GapReason
    var detail: String

    /// Appends `gap`, merged into the last one when they touch and share a reason.
    static func extend(_ gaps: [CaptureGap], with gap: CaptureGap) -> [CaptureGap] {
        var gaps = gaps
        if let last = gaps.last, last.to == gap.from, last.reason == gap.reason {
            gaps[gaps.count - 1].to = gap.to
            gaps[gaps.count - 1].detail = gap.detail
        } else {
            gaps.append(gap)
        }
        return gaps
    }
}
