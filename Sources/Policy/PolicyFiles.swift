import Foundation
import TrailSupport
import Yams

/// A policy file that cannot be used: the file, the line, and what is wrong. Exit 65 (66
/// when the path does not exist). The message begins with `file:line: `.
package typealias PolicyFileError = StageError<PolicyFileErrorCode>

/// What is wrong with a policy path, and where: the file, and the line when it is known.
package enum PolicyFileErrorCode: ErrorCode {
    /// The path does not exist (exit 66).
    case missing(file: String)
    /// The file cannot be read, is not YAML, or holds what Kubernetes' API server would refuse
    /// (exit 65).
    case invalid(file: String, line: Int?)

    package var exitStatus: ExitStatus {
        switch self {
        case .missing: .noInput
        case .invalid: .dataError
        }
    }
}

extension StageError where Code == PolicyFileErrorCode {
    /// `file` (at `line`, when known) cannot be used: `problem` says why.
    package init(file: String, line: Int?, _ problem: String, cause: (any Error & Sendable)? = nil) {
        self.init(.invalid(file: file, line: line), "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)", cause: cause)
    }

    /// The file the error is about.
    package var file: String {
        switch code {
        case .missing(let file), .invalid(let file, _): file
        }
    }

    /// The line of `file` the error is about, when it is known.
    package var line: Int? {
        switch code {
        case .missing: nil
        case .invalid(_, let line): line
        }
    }
}

/// Reads NetworkPolicies (networking.k8s.io/v1) from YAML files or directories of them
/// (`*.yaml`, `*.yml`): multi-document files, and `kind: List` as `kubectl get netpol -A -o
/// yaml` prints it. Other kinds are skipped; a NetworkPolicy that does not parse is an error
/// naming its file and line.
package enum PolicyFiles {
    package static func load(_ paths: [String]) throws(PolicyFileError) -> [NetworkPolicy] {
        var policies: [NetworkPolicy] = []
        for file in try expand(paths) {
            for document in try documents(file) {
                for object in typedObjects(in: document) {
                    guard object["kind"]?.string == "NetworkPolicy" else { continue }
                    let policy = try PolicyDecoder(file: file).policy(object)
                    // Applying both would keep only one: which one is the change's to say.
                    if let first = policies.first(where: { $0.id == policy.id }) {
                        throw PolicyFileError(file: file, line: policy.origin?.line,
                                              "\(policy.id) is also defined at \(first.origin?.description ?? "another file"): one policy per namespace and name")
                    }
                    policies.append(policy)
                }
            }
        }
        return policies
    }

    /// The labels of each namespace in `kubectl get ns -o yaml` (a List, or Namespace documents).
    package static func namespaces(_ file: String) throws(PolicyFileError) -> NamespaceLabels {
        var labels: [String: [String: String]] = [:]
        for document in try documents(file) {
            for object in typedObjects(in: document) where object["kind"]?.string == "Namespace" {
                let decoder = PolicyDecoder(file: file)
                guard let name = object["metadata"]?["name"]?.string else {
                    throw decoder.error(object, "a Namespace without metadata.name")
                }
                labels[name] = try decoder.stringMap(object["metadata"]?["labels"], "metadata.labels")
            }
        }
        return NamespaceLabels(labels)
    }

    static func expand(_ paths: [String]) throws(PolicyFileError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PolicyFileError(.missing(file: path), "\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            files += found
        }
        return files
    }

    static func documents(_ file: String) throws(PolicyFileError) -> [Node] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PolicyFileError(file: file, line: nil, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(file: file, line: nil, "is not UTF-8 text")
        }
        do {
            // The parser, not `compose_all`: its sequence stops quietly at a syntax error.
            let parser = try Parser(yaml: text)
            var nodes: [Node] = []
            while let node = try parser.nextRoot() { nodes.append(node) }
            return nodes
        } catch let error as YamlError {
            throw PolicyFileError(file: file, line: Self.line(of: error), "invalid YAML: \(error)", cause: error)
        } catch {
            throw PolicyFileError(file: file, line: nil, "invalid YAML: \(error)", cause: error)
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

}
