import Foundation

/// A sweep: presets × seeds × a grid of hyper-parameters over one base ``RunConfiguration``.
///
/// The JSON file holds any run key (see ``RunConfiguration/keys``) as the base, plus `presets` (a list), `seeds`
/// (a count, or a list of seeds) and `grid` (an object from run keys to lists of values). An unknown key, or a value
/// of the wrong type, is an error naming it and listing the valid keys.
///
///     {"dataset": "digits", "steps": 2000, "presets": ["layernorm", "adanorm"], "seeds": 3,
///      "grid": {"lr": [0.001, 0.0003]}}
public struct SweepConfiguration: Sendable {
    /// What every run starts from.
    public var base: RunConfiguration
    /// The presets, in order.
    public var presets: [String]
    /// The seeds, in order.
    public var seeds: [Int]
    /// Swept run keys and their values (JSON values as text, decoded per run).
    public var grid: [(key: String, values: [String])]

    /// A sweep of one base configuration.
    public init(base: RunConfiguration, presets: [String], seeds: [Int], grid: [(key: String, values: [String])] = []) {
        self.base = base
        self.presets = presets
        self.seeds = seeds
        self.grid = grid
    }

    /// The keys a sweep file may hold.
    public static var keys: [String] { RunConfiguration.keys + ["presets", "seeds", "grid"] }

    /// Parses a sweep file.
    ///
    /// - Parameters:
    ///   - data: The JSON text.
    ///   - file: The file's path, for messages.
    public static func parse(_ data: Data, file: String) throws(ConfigurationError) -> SweepConfiguration {
        func fail(_ key: String, _ message: String) -> ConfigurationError {
            ConfigurationError(key: key, message: message, file: file)
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw fail("file", "not valid JSON (\(error.localizedDescription))")
        }
        guard var object = parsed as? [String: Any] else {
            throw fail("file", "expected a JSON object at the top level")
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            throw fail(key, "unknown key; valid keys: \(keys.sorted().joined(separator: ", "))")
        }
        var presets: [String] = []
        if let value = object.removeValue(forKey: "presets") {
            guard let list = value as? [String], !list.isEmpty else {
                throw fail("presets", "expected a non-empty list of names")
            }
            presets = list
        }
        var seeds: [Int] = []
        if let value = object.removeValue(forKey: "seeds") {
            if let count = value as? Int, count > 0 {
                seeds = Array(0..<count)
            } else if let list = value as? [Int], !list.isEmpty {
                seeds = list
            } else {
                throw fail("seeds", "expected a positive count or a non-empty list of integers")
            }
        }
        var grid: [(String, [String])] = []
        if let value = object.removeValue(forKey: "grid") {
            guard let swept = value as? [String: Any] else { throw fail("grid", "expected an object of key: [values]") }
            for key in swept.keys.sorted() {
                guard RunConfiguration.keys.contains(key), key != "preset", key != "seed" else {
                    throw fail(
                        "grid.\(key)",
                        "not a sweepable run key; valid: \(RunConfiguration.keys.sorted().joined(separator: ", "))")
                }
                guard let values = swept[key] as? [Any], !values.isEmpty else {
                    throw fail("grid.\(key)", "expected a non-empty list of values")
                }
                grid.append((key, values.map(JSONSettings.text)))
            }
        }
        let base: RunConfiguration
        do {
            base = try JSONDecoder().decode(RunConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let DecodingError.typeMismatch(_, context) {
            throw fail(context.codingPath.map(\.stringValue).joined(separator: "."), "wrong type of value")
        } catch {
            throw fail("file", "cannot read the run settings (\(error))")
        }
        var sweep = SweepConfiguration(
            base: base, presets: presets.isEmpty ? [base.preset] : presets, seeds: seeds.isEmpty ? [base.seed] : seeds)
        sweep.grid = grid
        do {
            _ = try sweep.runs()
        } catch var error {
            error.file = file
            throw error
        }
        return sweep
    }

    /// Every run, presets outermost, then grid points, then seeds; each validated.
    public func runs() throws(ConfigurationError) -> [RunConfiguration] {
        var points: [RunConfiguration] = [base]
        for (key, values) in grid {
            var next: [RunConfiguration] = []
            for point in points {
                for value in values {
                    let json =
                        (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed))
                        ?? value
                    do {
                        next.append(try JSONSettings.setting(key, to: json, in: point))
                    } catch {
                        throw ConfigurationError(key: "grid.\(key)", message: "value \(value) has the wrong type")
                    }
                }
            }
            points = next
        }
        var result: [RunConfiguration] = []
        for preset in presets {
            for point in points {
                for seed in seeds {
                    var run = point
                    run.preset = preset
                    run.seed = seed
                    try run.validate()
                    result.append(run)
                }
            }
        }
        return result
    }

    /// The keys that differ between runs, for run IDs.
    public var sweptKeys: [String] { grid.map(\.key) }

    /// The `index`-th of `count` slices of ``runs()`` (runs `index`, `index + count`, …), so that a scheduler can
    /// spread a sweep over machines, one trace per shard.
    public func shard(_ index: Int, of count: Int) throws(ConfigurationError) -> [RunConfiguration] {
        guard count > 0, (0..<count).contains(index) else {
            throw ConfigurationError(key: "shard", message: "expected i/n with 0 ≤ i < n, got \(index)/\(count)")
        }
        return try runs().enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
