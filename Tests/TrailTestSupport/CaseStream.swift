/// A deterministic stream of test cases (SplitMix64): the same cases on every run.
package struct CaseStream {
    package var state: UInt64

    package init(state: UInt64) { self.state = state }

    /// A value in 0..<bound.
    package mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    package mutating func pick<T>(_ values: [T]) -> T { values[next(values.count)] }

    /// Nine times in ten `usual`, else one of `others`.
    package mutating func mostly<T>(_ usual: T, else others: [T]) -> T { next(10) < 9 ? usual : pick(others) }
}
