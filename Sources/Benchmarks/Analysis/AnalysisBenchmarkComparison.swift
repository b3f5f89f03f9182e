import Analysis
import Foundation

extension AnalysisBenchmark {
    /// Two analyses of one trace compared number by number: every per-run and per-layer quantity of
    /// `normscope analyze --format json` against `analysis/bench_analyze.py`'s JSON (which uses the same names).
    ///
    /// Integers (counts, steps) must be equal; other numbers within `relativeTolerance` of each other
    /// (|a − b| ≤ tol · max(|a|, |b|); NaN equals NaN); strings equal; a quantity present on one side only is a
    /// difference.
    public struct Comparison: Sendable, Codable, Equatable {
        /// Leaves compared.
        public var comparedValues: Int
        /// The number of differences, and the first few, each `path: normscope … vs NumPy …`.
        public var differenceCount: Int
        public var differences: [String]
        public var relativeTolerance: Double

        /// Whether every value agreed (and there was something to compare).
        public var agrees: Bool { differenceCount == 0 && comparedValues > 0 }

        /// One line: "results agree: yes (…)" or "results agree: no (first difference …)".
        public var summary: String {
            if agrees {
                return "results agree: yes (\(comparedValues) per-run and per-layer values compared: counts exactly, "
                    + "the others within \(relativeTolerance) relative)"
            }
            if comparedValues == 0 { return "results agree: no (nothing to compare)" }
            return "results agree: no (\(differenceCount) of \(comparedValues) values differ; first difference: "
                + "\(differences.first ?? "?"))"
        }

        /// Compares the `runs` of an `analyze --format json` document with those of the script's JSON.
        ///
        /// - Throws: the parser's error when either is not JSON.
        public init(analyzeJSON: Data, scriptJSON: Data, relativeTolerance: Double = 1e-9) throws {
            let ours = try Self.runsTree(analyzeJSON: analyzeJSON)
            let theirs = try JSONTree(parsing: scriptJSON)["runs"] ?? .object([:])
            self.init(ours, theirs, relativeTolerance: relativeTolerance)
        }

        /// Compares the subtree `key` (the whole document when nil) of two JSON documents of the same shape.
        ///
        /// - Parameters:
        ///   - expected: the reference (reported as "NumPy").
        ///   - actual: the document checked against it (reported as "normscope").
        ///   - key: a top-level key of both, or nil.
        /// - Throws: the parser's error when either is not JSON.
        public init(expected: Data, actual: Data, key: String? = nil, relativeTolerance: Double = 1e-9) throws {
            var theirs = try JSONTree(parsing: expected)
            var ours = try JSONTree(parsing: actual)
            if let key {
                theirs = theirs[key] ?? .null
                ours = ours[key] ?? .null
            }
            self.init(ours, theirs, relativeTolerance: relativeTolerance)
        }

        private init(_ ours: JSONTree, _ theirs: JSONTree, relativeTolerance: Double) {
            var walk = Walk(tolerance: relativeTolerance)
            walk.compare(ours, theirs, path: [])
            comparedValues = walk.compared
            differenceCount = walk.differenceCount
            differences = walk.differences
            self.relativeTolerance = relativeTolerance
        }

        /// The run fields the script computes (`RunSummary`'s JSON names).
        static let runFields: Set<String> = [
            "preset", "seed", "status", "completed_steps", "diverged_at_step", "evaluation_count", "final_train_loss",
            "final_valid_loss", "final_valid_accuracy", "best_valid_loss", "best_valid_step", "best_valid_accuracy",
            "gap_at_end", "gap_at_best", "gap_last_tenth",
        ]

        /// `analyze`'s `runs` array and `layers` map regrouped as the script writes them: `{run id: {field…,
        /// layers: {layer name: {index, width, early, late, theorem, phi}}}}`.
        static func runsTree(analyzeJSON: Data) throws -> JSONTree {
            let document = try JSONTree(parsing: analyzeJSON)
            guard case .array(let runs)? = document["runs"] else { return .object([:]) }
            var result: [String: JSONTree] = [:]
            for run in runs {
                guard case .object(let fields) = run, case .string(let id)? = fields["id"] else { continue }
                var kept = fields.filter { runFields.contains($0.key) }
                var layers: [String: JSONTree] = [:]
                if case .array(let summaries)? = document["layers"]?[id] {
                    for case .object(var layer) in summaries {
                        guard case .string(let name)? = layer.removeValue(forKey: "layer") else { continue }
                        layers[name] = .object(layer)
                    }
                }
                kept["layers"] = .object(layers)
                result[id] = .object(kept)
            }
            return .object(result)
        }
    }
}

/// The recursive comparison behind `AnalysisBenchmark.Comparison`.
private struct Walk {
    let tolerance: Double
    var compared = 0
    var differenceCount = 0
    var differences: [String] = []

    mutating func differ(_ path: [String], _ what: String) {
        differenceCount += 1
        if differences.count < 20 { differences.append("\(path.joined(separator: " › ")): \(what)") }
    }

    mutating func compare(_ ours: JSONTree, _ theirs: JSONTree, path: [String]) {
        switch (ours, theirs) {
        case (.object(let a), .object(let b)):
            for key in Set(a.keys).union(b.keys).sorted() {
                switch (a[key], b[key]) {
                case (let x?, let y?): compare(x, y, path: path + [key])
                case (nil, _): differ(path + [key], "missing in normscope's result")
                case (_, nil): differ(path + [key], "missing in NumPy's result")
                }
            }
        case (.array(let a), .array(let b)):
            guard a.count == b.count else {
                differ(path, "normscope has \(a.count) values, NumPy \(b.count)")
                return
            }
            for (index, (x, y)) in zip(a, b).enumerated() { compare(x, y, path: path + ["[\(index)]"]) }
        case (.integer(let a), .integer(let b)):
            compared += 1
            if a != b { differ(path, "normscope \(a) vs NumPy \(b)") }
        case (.bool, .bool), (.null, .null):
            compared += 1
            if ours != theirs { differ(path, "normscope \(ours) vs NumPy \(theirs)") }
        case (.string(let a), .string(let b)) where a.asNonFinite == nil || b.asNonFinite == nil:
            compared += 1
            if a != b { differ(path, "normscope \"\(a)\" vs NumPy \"\(b)\"") }
        default:
            compared += 1
            guard let a = ours.number, let b = theirs.number else {
                differ(path, "normscope \(ours) vs NumPy \(theirs)")
                return
            }
            let equal =
                (a.isNaN && b.isNaN) || a == b || abs(a - b) <= tolerance * max(abs(a), abs(b))
            if !equal {
                let relative = abs(a - b) / max(abs(a), abs(b))
                differ(path, "normscope \(a) vs NumPy \(b) (relative difference \(String(format: "%.1e", relative)))")
            }
        }
    }
}

/// A parsed JSON value that keeps integers apart from other numbers, so counts compare exactly.
enum JSONTree: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    /// Parses a JSON document (JSONSerialization, many times faster than a `Decodable` tree that tries each type).
    init(parsing data: Data) throws {
        self.init(jsonObject: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// Converts what `JSONSerialization` returns; its numbers are `NSNumber`s whose `objCType` says whether the
    /// text was an integer (`q`, `i`, …), a floating-point number (`d`) or a Boolean (`c`).
    private init(jsonObject value: Any) {
        switch value {
        case let text as String:
            self = .string(text)
        case let values as [Any]:
            self = .array(values.map(JSONTree.init(jsonObject:)))
        case let fields as [String: Any]:
            self = .object(fields.mapValues(JSONTree.init(jsonObject:)))
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": self = .bool(number.boolValue)
            case "d", "f": self = .number(number.doubleValue)
            default: self = .integer(number.int64Value)
            }
        default:
            self = .null
        }
    }

    subscript(key: String) -> JSONTree? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The value as a number: integers, numbers, and the strings "nan", "inf", "-inf" that stand for non-finite
    /// numbers in both tools' JSON.
    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        case .string(let text): text.asNonFinite
        default: nil
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[\(values.count) values]"
        case .object(let fields): "{\(fields.count) keys}"
        }
    }
}

extension String {
    /// NaN or ±inf for the strings the JSON encoders write for them, else nil.
    fileprivate var asNonFinite: Double? {
        switch self {
        case "nan": .nan
        case "inf": .infinity
        case "-inf": -.infinity
        default: nil
        }
    }
}
