import Foundation

/// The JSON encoding of `analyze`'s document: snake_case keys like the trace's columns, and `null` for numbers
/// that are NaN or infinite.
///
/// JSONEncoder can only write non-finite numbers as strings; those would turn a pandas column into text. So they
/// are written as a marker string no real value can equal, and each quoted marker is then replaced by `null` — one
/// pass over the text, no change to any other byte.
enum SummaryJSON {
    private static let marker = "\u{1}normscope-nonfinite"

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        encoder.keyEncodingStrategy = .custom { path in
            let key = path[path.count - 1]
            // Keys of the dictionaries keyed by the user's names (run IDs, setting names) are kept as they are.
            if let parent = path.dropLast().last?.stringValue, ["layers", "settings"].contains(parent) { return key }
            return SnakeCaseKey(key.stringValue)
        }
        let data = try encoder.encode(value)
        // The marker quoted and escaped exactly as the encoder writes it in the document.
        let token = String(decoding: try JSONEncoder().encode(marker), as: UTF8.self)
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: token, with: "null")
        return Data(text.utf8)
    }
}

/// `bestValidLoss` → `best_valid_loss`; `q05` stays `q05`.
struct SnakeCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ camel: String) {
        var result = ""
        for character in camel {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        stringValue = result
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
