import HDF5
import Recording

/// The attributes of one object read with their documented type and range: a missing, mistyped or impossible one
/// is recorded as damage (`damage`) instead of being replaced by a silent default.
///
/// Settings changed type between trace formats: format 1 stored booleans and most numbers as text (`'true'`,
/// `'0.9'`), format 2 stores them typed. `flag` and `real` read each format's own form and count the other's as
/// damage, so a format-2 trace with a text boolean is reported, as any mistyped attribute is.
struct CheckedAttributes {
    let group: Group
    let file: String
    /// The trace's `format_version`, which decides how settings are stored.
    let formatVersion: Int64
    private(set) var damage: [DamagedObject] = []

    init(group: Group, file: String, formatVersion: Int64 = TraceFormat.version) {
        self.group = group
        self.file = file
        self.formatVersion = formatVersion
    }

    /// Whether settings are stored typed (format 2 on) rather than as text (format 1).
    var storesTypedSettings: Bool { formatVersion >= 2 }

    mutating func note(_ name: String, _ problem: String) {
        damage.append(DamagedObject(file: file, object: group.objectPath + "@" + name, problem: problem))
    }

    /// Whether the object has the attribute; unreadable counts as absent (the read that follows would say why).
    func has(_ name: String) -> Bool { (try? group.hasAttribute(name)) == true }

    private mutating func read(_ name: String) -> AttributeValue? {
        do throws(HDF5Error) { return try group.attributeValue(name) } catch {
            note(name, error.code == .objectNotFound ? "missing" : error.message)
            return nil
        }
    }

    mutating func string(_ name: String) -> String? {
        guard let value = read(name) else { return nil }
        if case .string(let text) = value { return text }
        note(name, "holds \(value.kindName) \(value) (expected a string)")
        return nil
    }

    /// A boolean setting: a bool in format 2, the text `true` or `false` in format 1.
    mutating func flag(_ name: String) -> Bool? {
        guard let value = read(name) else { return nil }
        switch (value, storesTypedSettings) {
        case (.bool(let flag), true): return flag
        case (.string(let text), false) where text == "true" || text == "false": return text == "true"
        case (.string(let text), false): note(name, "= '\(text)' (expected false or true)")
        default:
            note(name, "holds \(value.kindName) \(value) (expected \(storesTypedSettings ? "a bool" : "a string"))")
        }
        return nil
    }

    /// A real-valued setting: a float64 (or int64) in format 2, its decimal text in format 1, where an empty text
    /// means the variant has no such value (nil, not damage).
    mutating func real(_ name: String) -> Double? {
        guard let value = read(name) else { return nil }
        switch (value, storesTypedSettings) {
        case (.double(let number), true): return number
        case (.int64(let number), true): return Double(number)
        case (.string(""), false): return nil
        case (.string(let text), false):
            if let number = Double(text) { return number }
            note(name, "= '\(text)' (expected a number)")
        default:
            let expected = storesTypedSettings ? "a float64" : "a string"
            note(name, "holds \(value.kindName) \(value) (expected \(expected))")
        }
        return nil
    }

    mutating func integer(_ name: String, _ range: ClosedRange<Int64>) -> Int64? {
        guard let value = read(name) else { return nil }
        guard case .int64(let number) = value else {
            note(name, "holds \(value.kindName) \(value) (expected an int64)")
            return nil
        }
        guard range.contains(number) else {
            note(name, "= \(number) (expected \(range.lowerBound) … \(range.upperBound))")
            return nil
        }
        return number
    }
}
