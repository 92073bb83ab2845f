import Foundation

/// The JSON every goldmane-trail file uses: sorted keys, no escaped slashes, so the same
/// value always gives the same bytes. Field names are snake_case through each type's
/// explicit CodingKeys (a key strategy would cost a string split per key per row).
package enum CanonicalJSON {
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    package static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
