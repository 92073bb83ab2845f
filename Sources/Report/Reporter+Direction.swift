import Policy
import TrailFormat

extension Reporter {
    /// The policy direction a reporter's verdicts are about: the destination's ingress, the
    /// source's egress.
    var direction: PolicyDirection { reportsIngress ? .ingress : .egress }

    /// The reporter whose verdicts are about `direction`.
    init(reporting direction: PolicyDirection) {
        self = direction == .ingress ? .dst : .src
    }
}
