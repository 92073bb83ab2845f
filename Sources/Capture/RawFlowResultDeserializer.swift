import GRPCCore

/// Keeps each streamed `FlowResult` as the exact bytes received: the archive stores what
/// Goldmane sent, including fields this build does not know.
struct RawFlowResultDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
