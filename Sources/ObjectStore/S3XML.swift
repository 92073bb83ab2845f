import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The text of every element of an S3 XML answer, by element path (`ListBucketResult/Contents/Key`),
/// in document order; entities decoded by the parser.
final class S3XMLReader: NSObject, XMLParserDelegate {
    private(set) var elements: [(path: String, text: String)] = []
    private var stack: [String] = []
    private var text = ""

    /// Nil when `data` is not well-formed XML.
    static func read(_ data: [UInt8]) -> [(path: String, text: String)]? {
        let reader = S3XMLReader()
        let parser = XMLParser(data: Data(data))
        parser.delegate = reader
        return parser.parse() ? reader.elements : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        stack.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        elements.append((stack.joined(separator: "/"), text))
        stack.removeLast()
        text = ""
    }
}

/// One page of a ListObjectsV2 answer.
struct ListPage {
    var objects: [S3Client.Object] = []
    var isTruncated = false
    var nextToken: String?

    init(xml: [UInt8], describing what: String) throws(ObjectStoreError) {
        guard let elements = S3XMLReader.read(xml) else {
            throw ObjectStoreError(.badResponse, "list \(what): the answer is not XML")
        }
        var current: S3Client.Object? = nil
        for (path, text) in elements {
            switch path {
            case "ListBucketResult/Contents/Key":
                // Asked with encoding-type=url: the key is percent-encoded.
                current = S3Client.Object(key: Self.urlDecoded(text), size: current?.size ?? 0, etag: current?.etag ?? "")
            case "ListBucketResult/Contents/Size": current?.size = Int(text) ?? 0
            case "ListBucketResult/Contents/ETag": current?.etag = S3Client.unquoted(text)
            case "ListBucketResult/Contents":
                if let object = current { objects.append(object) }
                current = nil
            case "ListBucketResult/IsTruncated": isTruncated = text == "true"
            case "ListBucketResult/NextContinuationToken": nextToken = text.isEmpty ? nil : text
            default: break
            }
        }
    }
}

extension ListPage {
    /// A key of a listing asked with encoding-type=url: form encoding, as AWS and Ceph write it
    /// (a space is `+`, a `+` is `%2B`; botocore decodes with `unquote_plus`).
    static func urlDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }
}

/// An S3 error answer's code and message.
struct ErrorBody: Equatable {
    var code: String
    var message: String

    init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    init?(xml: [UInt8]) {
        guard !xml.isEmpty, let elements = S3XMLReader.read(xml) else { return nil }
        guard let code = elements.first(where: { $0.path == "Error/Code" })?.text else { return nil }
        self.code = code
        message = elements.first(where: { $0.path == "Error/Message" })?.text ?? ""
    }
}
