import HDF5

/// The attributes of one object read with their documented type and range: a missing, mistyped or impossible one
/// is recorded as damage (`damage`) instead of being replaced by a silent default.
struct CheckedAttributes {
    let group: Group
    let file: String
    private(set) var damage: [DamagedObject] = []

    init(group: Group, file: String) {
        self.group = group
        self.file = file
    }

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
