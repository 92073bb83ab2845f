/// A Calico label selector (projectcalico.org/v3 `selector`, `namespaceSelector`, rule
/// selectors), parsed and evaluated as libcalico-go's `selector/parser` does:
///
/// - operations: `k == "v"`, `k != "v"`, `k in {"a", "b"}`, `k not in {...}`, `has(k)`,
///   `k contains "s"`, `k starts with "s"`, `k ends with "s"`, `all()`, `global()`;
///   combined with `!`, `&&`, `||` and parentheses (`!` binds tightest, then `&&`, then `||`);
/// - strings in single or double quotes, without escapes; whitespace is spaces and tabs;
/// - a label that is absent makes `!=` and `not in` true, every other operation false;
/// - an empty selector is `all()`.
///
/// Checked against libcalico-go's own test table (Tests/PolicyTests/Fixtures).
package struct CalicoSelector: Sendable, Equatable, CustomStringConvertible {
    package indirect enum Node: Sendable, Equatable {
        case all
        case global
        case has(String)
        case equal(String, String)
        case notEqual(String, String)
        case contains(String, String)
        case startsWith(String, String)
        case endsWith(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case not(Node)
        case and([Node])
        case or([Node])
    }

    package let node: Node
    /// The selector as written.
    package let text: String

    package static let all = CalicoSelector(node: .all, text: "all()")

    init(node: Node, text: String) {
        self.node = node
        self.text = text
    }

    /// Parses `text`; the error says what is wrong and where (a character offset).
    package init(_ text: String) throws(CalicoSelectorError) {
        var parser = SelectorParser(tokens: try SelectorTokenizer.tokens(text), text: text)
        node = try parser.selector()
        self.text = text
    }

    package var description: String { text }

    /// Whether it selects an object with `labels`.
    package func matches(_ labels: [String: String]) -> Bool { Self.evaluate(node, labels) }

    /// True for `all()` (and the empty selector): selects whatever the labels.
    package var selectsEverything: Bool { node == .all }

    static func evaluate(_ node: Node, _ labels: [String: String]) -> Bool {
        switch node {
        case .all, .global: return true
        case .has(let key): return labels[key] != nil
        case .equal(let key, let value): return labels[key] == value
        case .notEqual(let key, let value): return labels[key] != value
        case .contains(let key, let value): return labels[key]?.contains(value) ?? false
        case .startsWith(let key, let value): return labels[key]?.hasPrefix(value) ?? false
        case .endsWith(let key, let value): return labels[key]?.hasSuffix(value) ?? false
        case .in(let key, let values): return labels[key].map(values.contains) ?? false
        case .notIn(let key, let values): return labels[key].map { !values.contains($0) } ?? true
        case .not(let inner): return !evaluate(inner, labels)
        case .and(let nodes): return nodes.allSatisfy { evaluate($0, labels) }
        case .or(let nodes): return nodes.contains { evaluate($0, labels) }
        }
    }
}

/// A selector that does not parse: what was expected, and at which character.
package struct CalicoSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    package var selector: String
    package var offset: Int
    package var problem: String
    package var description: String { "selector \"\(selector)\": \(problem) at character \(offset + 1)" }
}

enum SelectorToken: Equatable {
    case label(String), string(String), has(String), all, global
    case equal, notEqual, contains, startsWith, endsWith, `in`, notIn
    case not, and, or, leftParen, rightParen, leftBrace, rightBrace, comma, end
}

/// libcalico-go's tokenizer: an operator word is one only right after a label, so a label
/// may be named `contains`; `has(`, `all(` and `global(` need the parenthesis at once.
enum SelectorTokenizer {
    static let maxLabelLength = 512

    static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    static func tokens(_ text: String) throws(CalicoSelectorError) -> [(token: SelectorToken, offset: Int)] {
        let bytes = Array(text.utf8)
        var tokens: [(SelectorToken, Int)] = []
        var index = 0
        func fail(_ problem: String) -> CalicoSelectorError { CalicoSelectorError(selector: text, offset: index, problem: problem) }
        func skipSpace(_ at: Int) -> Int {
            var at = at
            while at < bytes.count, bytes[at] == UInt8(ascii: " ") || bytes[at] == UInt8(ascii: "\t") { at += 1 }
            return at
        }
        func starts(_ word: String, at: Int) -> Bool {
            let word = Array(word.utf8)
            return at + word.count <= bytes.count && Array(bytes[at..<at + word.count]) == word
        }
        func boundary(_ at: Int) -> Bool { at >= bytes.count || !isLabelByte(bytes[at]) }
        /// The words in turn (spaces between and after), ending at a word boundary.
        func words(_ list: [String], at: Int) -> Int? {
            var at = at
            for word in list {
                guard starts(word, at: at) else { return nil }
                at = skipSpace(at + word.utf8.count)
            }
            return boundary(at) ? at : nil
        }
        func identifier(_ at: Int) throws(CalicoSelectorError) -> (String, Int) {
            var end = at
            while end < bytes.count, isLabelByte(bytes[end]) { end += 1 }
            guard end > at else { throw CalicoSelectorError(selector: text, offset: at, problem: "expected a label name") }
            guard end - at <= maxLabelLength else { throw CalicoSelectorError(selector: text, offset: at, problem: "a label name longer than 512 bytes") }
            return (String(decoding: bytes[at..<end], as: UTF8.self), end)
        }
        while true {
            index = skipSpace(index)
            guard index < bytes.count else {
                tokens.append((.end, index))
                return tokens
            }
            let start = index
            let byte = bytes[index]
            let afterLabel: Bool = if case .label? = tokens.last?.0 { true } else { false }
            switch byte {
            case UInt8(ascii: "("): tokens.append((.leftParen, start)); index += 1
            case UInt8(ascii: ")"): tokens.append((.rightParen, start)); index += 1
            case UInt8(ascii: "{"): tokens.append((.leftBrace, start)); index += 1
            case UInt8(ascii: "}"): tokens.append((.rightBrace, start)); index += 1
            case UInt8(ascii: ","): tokens.append((.comma, start)); index += 1
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                guard let close = bytes[(index + 1)...].firstIndex(of: byte) else { throw fail("a string without its closing quote") }
                tokens.append((.string(String(decoding: bytes[(index + 1)..<close], as: UTF8.self)), start))
                index = close + 1
            case UInt8(ascii: "="):
                guard starts("==", at: index) else { throw fail("expected ==") }
                tokens.append((.equal, start)); index += 2
            case UInt8(ascii: "!"):
                if starts("!=", at: index) {
                    tokens.append((.notEqual, start)); index += 2
                } else {
                    tokens.append((.not, start)); index += 1
                }
            case UInt8(ascii: "&"):
                guard starts("&&", at: index) else { throw fail("expected &&") }
                tokens.append((.and, start)); index += 2
            case UInt8(ascii: "|"):
                guard starts("||", at: index) else { throw fail("expected ||") }
                tokens.append((.or, start)); index += 2
            default:
                if afterLabel {
                    let operators: [(SelectorToken, [String])] = [
                        (.contains, ["contains"]), (.startsWith, ["starts", "with"]), (.startsWith, ["startswith"]),
                        (.endsWith, ["ends", "with"]), (.endsWith, ["endswith"]), (.notIn, ["not", "in"]), (.notIn, ["notin"]), (.in, ["in"]),
                    ]
                    guard let (token, end) = operators.lazy.compactMap({ op in words(op.1, at: index).map { (op.0, $0) } }).first else {
                        throw fail("expected an operator after the label (==, !=, in, not in, contains, starts with, ends with)")
                    }
                    tokens.append((token, start))
                    index = end
                } else if starts("has(", at: index) {
                    let (name, end) = try identifier(skipSpace(index + 4))
                    index = skipSpace(end)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ")") else { throw fail("has( without its closing )") }
                    tokens.append((.has(name), start)); index += 1
                } else if starts("all(", at: index) || starts("global(", at: index) {
                    let isAll = starts("all(", at: index)
                    index = skipSpace(index + (isAll ? 4 : 7))
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ")") else { throw fail("\(isAll ? "all" : "global")( without its closing )") }
                    tokens.append((isAll ? .all : .global, start)); index += 1
                } else {
                    let (name, end) = try identifier(index)
                    tokens.append((.label(name), start))
                    index = end
                }
            }
        }
    }
}

/// libcalico-go's parser: or of ands of operations; a run of `!` before an operation or a
/// parenthesised group negates it once per `!`.
struct SelectorParser {
    let tokens: [(token: SelectorToken, offset: Int)]
    let text: String
    var position = 0

    init(tokens: [(token: SelectorToken, offset: Int)], text: String) {
        self.tokens = tokens
        self.text = text
    }

    var current: SelectorToken { tokens[position].token }

    func fail(_ problem: String) -> CalicoSelectorError {
        CalicoSelectorError(selector: text, offset: tokens[position].offset, problem: problem)
    }

    mutating func selector() throws(CalicoSelectorError) -> CalicoSelector.Node {
        if current == .end { return .all }
        let node = try or()
        guard current == .end else { throw fail("unexpected text after the selector") }
        return node
    }

    mutating func or() throws(CalicoSelectorError) -> CalicoSelector.Node {
        var nodes = [try and()]
        while current == .or {
            position += 1
            nodes.append(try and())
        }
        return nodes.count == 1 ? nodes[0] : .or(nodes)
    }

    mutating func and() throws(CalicoSelectorError) -> CalicoSelector.Node {
        var nodes = [try operation()]
        while current == .and {
            position += 1
            nodes.append(try operation())
        }
        return nodes.count == 1 ? nodes[0] : .and(nodes)
    }

    mutating func operation() throws(CalicoSelectorError) -> CalicoSelector.Node {
        var negated = false
        while current == .not {
            negated.toggle()
            position += 1
        }
        let node: CalicoSelector.Node
        switch current {
        case .has(let key):
            node = .has(key)
            position += 1
        case .all:
            node = .all
            position += 1
        case .global:
            node = .global
            position += 1
        case .label(let key):
            position += 1
            let op = current
            position += 1
            switch op {
            case .equal, .notEqual, .contains, .startsWith, .endsWith:
                guard case .string(let value) = current else { throw fail("expected a quoted string") }
                position += 1
                switch op {
                case .equal: node = .equal(key, value)
                case .notEqual: node = .notEqual(key, value)
                case .contains: node = .contains(key, value)
                case .startsWith: node = .startsWith(key, value)
                default: node = .endsWith(key, value)
                }
            case .in, .notIn:
                guard current == .leftBrace else { throw fail("expected a set of strings in braces") }
                position += 1
                var values: Set<String> = []
                while case .string(let value) = current {
                    values.insert(value)
                    position += 1
                    guard current == .comma else { break }
                    position += 1
                }
                guard current == .rightBrace else { throw fail("expected } closing the set") }
                position += 1
                node = op == .in ? .in(key, values) : .notIn(key, values)
            default:
                position -= 1
                throw fail("expected an operator after label \(key)")
            }
        case .leftParen:
            position += 1
            node = try or()
            guard current == .rightParen else { throw fail("expected )") }
            position += 1
        case .end:
            throw fail("the selector ends where an operation was expected")
        default:
            throw fail("expected a label, has(), all(), global(), ! or (")
        }
        return negated ? .not(node) : node
    }
}
