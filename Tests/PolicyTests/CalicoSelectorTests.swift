import Foundation
import Testing

@testable import Policy

/// Calico's selector language against libcalico-go's own tests, ported case by case into
/// Fixtures/calico-selector-cases.json (each case names the Go table and index it came from):
/// every (selector, labels) pair of `selectorTests` matches or not as there, every selector
/// of `badSelectors` is refused, and every selector the Go tests only parse parses.
@Suite struct CalicoSelectorTests {
    struct Fixture: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            var selector: String
            var labels: [String: String]
            var match: Bool
            var from: String
            var testDescription: String { "\(from): \(selector)" }
        }

        struct Selector: Decodable, CustomTestStringConvertible {
            var selector: String
            var from: String
            var testDescription: String { "\(from): \(selector)" }
        }

        var cases: [Case]
        var invalid: [Selector]
        var valid: [Selector]
    }

    static let fixture: Fixture = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/calico-selector-cases.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: file))
    }()

    @Test func theTableIsWhole() {
        #expect(Self.fixture.cases.count == 98)
        #expect(Self.fixture.cases.filter(\.match).count == 48)
        #expect(Self.fixture.invalid.count == 29)
        #expect(Self.fixture.valid.count == 61)
    }

    @Test(arguments: fixture.cases)
    func matchesAsLibcalicoGo(_ testCase: Fixture.Case) throws {
        let selector = try CalicoSelector(testCase.selector)
        #expect(selector.matches(testCase.labels) == testCase.match)
    }

    @Test(arguments: fixture.invalid)
    func refusesWhatLibcalicoGoRefuses(_ testCase: Fixture.Selector) {
        #expect(throws: CalicoSelectorError.self) { try CalicoSelector(testCase.selector) }
    }

    @Test(arguments: fixture.valid)
    func parsesWhatLibcalicoGoParses(_ testCase: Fixture.Selector) throws {
        _ = try CalicoSelector(testCase.selector)
    }

    @Test func errorsSayWhereAndWhat() {
        do {
            _ = try CalicoSelector("app == 'web' && tier ==")
            Issue.record("parsed")
        } catch {
            #expect(error.description == "selector \"app == 'web' && tier ==\": expected a quoted string at character 24")
        }
    }

    @Test func negationTogglesAndBindsTighterThanAnd() throws {
        // `!a == 'x' && b == 'y'` is `(!(a == 'x')) && b == 'y'`; `!!` cancels.
        let selector = try CalicoSelector("!a == 'x' && b == 'y'")
        #expect(selector.matches(["a": "z", "b": "y"]) && !selector.matches(["a": "x", "b": "y"]) && !selector.matches(["a": "z"]))
        #expect(try CalicoSelector("!!has(a)").matches(["a": "1"]))
    }
}
