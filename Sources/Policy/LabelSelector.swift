/// A Kubernetes label selector (`matchLabels` and `matchExpressions`, ANDed). The empty
/// selector selects everything; `NotIn` also selects objects without the key, as Kubernetes
/// defines it.
package struct LabelSelector: Sendable, Equatable {
    package enum Operator: String, Sendable {
        case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
    }

    package struct Requirement: Sendable, Equatable {
        package var key: String
        package var `operator`: Operator
        package var values: [String]

        package init(key: String, operator: Operator, values: [String] = []) {
            self.key = key
            self.operator = `operator`
            self.values = values
        }

        func matches(_ labels: [String: String]) -> Bool {
            switch `operator` {
            case .in: labels[key].map(values.contains) ?? false
            case .notIn: labels[key].map { !values.contains($0) } ?? true
            case .exists: labels[key] != nil
            case .doesNotExist: labels[key] == nil
            }
        }
    }

    package var matchLabels: [String: String]
    package var matchExpressions: [Requirement]

    package init(matchLabels: [String: String] = [:], matchExpressions: [Requirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    package static let everything = LabelSelector()

    package func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(labels) }
    }
}
