/// What each run setting may hold, and the line that says so when a sweep file's value cannot be it.
///
/// Decoding and ``RunConfiguration/validate()`` share the ranges of ``RunConfiguration/wholeNumber(_:)``, so
/// `{"steps": 1e20}` (beyond any Int) and `{"steps": 0}` are refused with the same kind of line:
/// `steps: 1e+20 is out of range; expected a whole number 1…1000000000000`.
enum SettingValues {
    /// The most steps a count of steps may be: analysis reads a larger `completed_steps` as a damaged number.
    static let stepLimit = 1_000_000_000_000
    /// The largest seed: seeds are stored as JSON and HDF5 numbers that readers hold as doubles, exact to 2⁵³.
    static let seedLimit = 1 << 53

    /// `1…1000000000000`, or `≥ 1` when only Int bounds it above.
    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "\(range.lowerBound)…\(range.upperBound)"
    }
}

/// The kind of value a run setting holds, for the line that refuses another.
enum SettingKind {
    /// A whole number in a range; nil for `label_column`, any whole number but 0.
    case wholeNumber(ClosedRange<Int>?)
    case number, flag, widths, text
    /// One of these words (a ``SettingChoice``).
    case choice([String])

    /// The kind of the setting `key`, whose Swift type is `type`.
    init(_ type: Any.Type, key: RunConfiguration.CodingKeys) {
        switch type {
        case is Int.Type: self = .wholeNumber(RunConfiguration().wholeNumber(key)?.range)
        case is Double.Type: self = .number
        case is Bool.Type: self = .flag
        case is [Int].Type: self = .widths
        default: self = .text
        }
    }

    /// What the setting must be: `a whole number 1…1000000000000`, `a number`.
    var phrase: String {
        switch self {
        case .wholeNumber(let range?): "a whole number \(SettingValues.describe(range))"
        case .wholeNumber(nil): "a whole number (a column: 1 is the first, -1 the last)"
        case .number: "a number"
        case .flag: "true or false"
        case .widths: "a list of whole numbers ≥ 1"
        case .text: "a string"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        }
    }

    /// The line for a whole number outside the range: `0 is out of range; expected a whole number 1…1000000000000`.
    func outOfRange(_ value: String) -> String {
        "\(value) is out of range; expected \(phrase)"
    }

    /// The line for `found` where this kind belongs: for a whole number, the range when the value is a number
    /// that is not whole or beyond any Int; else what was found.
    func refusal(of found: JSONValue?) -> String {
        if case .wholeNumber = self, case .number(let number)? = found {
            let text = JSONValue.number(number).text
            return number == number.rounded() ? outOfRange(text) : "\(text) is not a whole number; expected \(phrase)"
        }
        return "expected \(phrase), got \(found?.text ?? "a value that cannot be read")"
    }
}

/// Any JSON value, decoded to say what a setting held when it was not what the setting takes.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), list([JSONValue]), object

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? value.decode(Double.self) {
            self = .number(number)
        } else if let string = try? value.decode(String.self) {
            self = .string(string)
        } else if let list = try? value.decode([JSONValue].self) {
            self = .list(list)
        } else {
            self = .object
        }
    }

    /// The value as a message shows it: `1e+20`, `3`, `"ten"`, `[1, 2]`, `an object`.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let bool): "\(bool)"
        case .number(let number):
            number == number.rounded() && number.magnitude < 1e15 ? "\(Int64(number))" : "\(number)"
        case .string(let string): String(reflecting: string)
        case .list(let list): "[" + list.map(\.text).joined(separator: ", ") + "]"
        case .object: "an object"
        }
    }
}

extension RunConfiguration {
    /// The whole-number setting `key`: its value and the values it may take; nil for the other keys and for
    /// `label_column` (any whole number but 0, checked on its own).
    func wholeNumber(_ key: CodingKeys) -> (value: Int, range: ClosedRange<Int>)? {
        let everyStep = 1...SettingValues.stepLimit
        let size = 1...Int.max
        return switch key {
        case .steps: (steps, everyStep)
        case .warmup: (warmup, 0...SettingValues.stepLimit)
        case .evalEvery: (evalEvery, everyStep)
        case .phiEvery: (phiEvery, everyStep)
        case .rawEvery: (rawEvery, 0...SettingValues.stepLimit)
        case .seed: (seed, 0...SettingValues.seedLimit)
        case .batch: (batch, size)
        case .evalTrainSize: (evalTrainSize, 0...Int.max)
        case .rawRows: (rawRows, size)
        case .width: (width, size)
        case .heads: (heads, size)
        case .layers: (layers, size)
        case .ffn: (ffn, size)
        case .context: (context, 2...Int.max)
        default: nil
        }
    }
}
