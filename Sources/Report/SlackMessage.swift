import TrailFormat

/// An incoming-webhook payload: `text` (the notification and fallback), Block Kit `blocks`,
/// and `channel` when an override is set.
package struct SlackMessage: Sendable, Equatable, Encodable {
    package var channel: String?
    package var text: String
    package var blocks: [SlackBlock]

    enum CodingKeys: String, CodingKey { case channel, text, blocks }

    package func json(pretty: Bool = false) throws -> [UInt8] {
        let encoder = CanonicalJSON.encoder()
        if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
        return Array(try encoder.encode(self))
    }
}

/// The few Block Kit blocks the digest uses.
package enum SlackBlock: Sendable, Equatable, Encodable {
    case header(String)
    case section(String)
    case context(String)
    case divider

    enum Keys: String, CodingKey { case type, text, elements }
    enum TextKeys: String, CodingKey { case type, text, emoji }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .header(let text):
            try container.encode("header", forKey: .type)
            var object = container.nestedContainer(keyedBy: TextKeys.self, forKey: .text)
            try object.encode("plain_text", forKey: .type)
            try object.encode(text, forKey: .text)
        case .section(let text):
            try container.encode("section", forKey: .type)
            var object = container.nestedContainer(keyedBy: TextKeys.self, forKey: .text)
            try object.encode("mrkdwn", forKey: .type)
            try object.encode(text, forKey: .text)
        case .context(let text):
            try container.encode("context", forKey: .type)
            var elements = container.nestedUnkeyedContainer(forKey: .elements)
            var object = elements.nestedContainer(keyedBy: TextKeys.self)
            try object.encode("mrkdwn", forKey: .type)
            try object.encode(text, forKey: .text)
        case .divider:
            try container.encode("divider", forKey: .type)
        }
    }
}
