import HDF5

extension HDF5Access {
    /// Parses `description` back, as the probe child reports it through its pipe: an '@' after the last '/' starts
    /// an attribute name; nil for anything that is not an object path (the protocol's markers).
    init?(spelling text: String) {
        guard text.hasPrefix("/") else { return nil }
        if text == Self.variableLengthStrings.description {
            self = .variableLengthStrings
        } else if text.hasSuffix(":iterate") {
            self = .attributeIteration(object: String(text.dropLast(":iterate".count)))
        } else if text.hasSuffix(":children") {
            self = .linkIteration(group: String(text.dropLast(":children".count)))
        } else if let slash = text.lastIndex(of: "/"), let at = text[slash...].firstIndex(of: "@") {
            self = .attribute(object: String(text[..<at]), name: String(text[text.index(after: at)...]))
        } else {
            self = .object(text)
        }
    }

    /// What was being done, for the message: "reading it", "listing its attributes"…
    var activity: String {
        switch self {
        case .object: "opening or reading it"
        case .attribute: "reading it"
        case .attributeIteration: "listing its attributes"
        case .linkIteration: "listing its members"
        case .variableLengthStrings: "reading a variable-length string (its global heap)"
        }
    }
}
