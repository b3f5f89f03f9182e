import Foundation
import Layers

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
    /// The normalization variants, in order: a preset, and the run keys set for it alone.
    public var variants: [SweepVariant]
    /// The variants' presets, in order.
    public var presets: [NormPreset] { variants.map(\.preset) }
    /// The seeds, in order.
    public var seeds: [Int]
    /// Swept run keys and their values (JSON values as text, decoded per run).
    public var grid: [(key: String, values: [String])]

    /// A sweep of one base configuration.
    public init(
        base: RunConfiguration, presets: [NormPreset], seeds: [Int], grid: [(key: String, values: [String])] = []
    ) {
        self.init(base: base, variants: presets.map { SweepVariant(preset: $0) }, seeds: seeds, grid: grid)
    }

    /// A sweep of one base configuration over variants that may set run keys of their own.
    public init(
        base: RunConfiguration, variants: [SweepVariant], seeds: [Int], grid: [(key: String, values: [String])] = []
    ) {
        self.base = base
        self.variants = variants
        self.seeds = seeds
        self.grid = grid
    }

    /// The most seeds a count may ask for: every seed is a run per preset and grid point, and a count beyond this
    /// is a typo (or a seed given as a count), not a sweep.
    public static let seedCountLimit = 10_000

    /// The keys a sweep file may hold.
    public static var keys: [String] { RunConfiguration.keys + ["presets", "seeds", "grid"] }

    /// The text of the sweep file at `path`, for ``parse(_:file:)``.
    ///
    /// - Throws: ``ConfigurationError`` naming the file in one line: no such file, a folder, or the system's
    ///   reason it cannot be read (`Permission denied`).
    public static func contents(ofFile path: String) throws(ConfigurationError) -> Data {
        do {
            return Data(try DataFile.contents(atPath: path, reportedAs: path))
        } catch {
            throw ConfigurationError(key: ConfigurationError.wholeFile, message: error.message, file: path)
        }
    }

    /// Parses a sweep file.
    ///
    /// - Parameters:
    ///   - data: The JSON text.
    ///   - file: The file's path, for messages.
    /// - Throws: ``ConfigurationError``: for text that is not JSON, with the line and column of the first problem;
    ///   for a key, naming it with what it takes.
    public static func parse(_ data: Data, file: String) throws(ConfigurationError) -> SweepConfiguration {
        func fail(_ key: String, _ message: String) -> ConfigurationError {
            ConfigurationError(key: key, message: message, file: file)
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            var failure = fail(ConfigurationError.wholeFile, "not valid JSON")
            if let problem = JSONSyntax.firstProblem(in: [UInt8](data)) {
                failure.message += ": " + problem.message
                (failure.line, failure.column) = (problem.line, problem.column)
            }
            throw failure
        }
        guard var object = parsed as? [String: Any] else {
            throw fail(ConfigurationError.wholeFile, "expected a JSON object at the top level")
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            throw fail(key, "unknown key; valid keys: \(keys.sorted().joined(separator: ", "))")
        }
        var variants: [SweepVariant] = []
        if let value = object.removeValue(forKey: "presets") {
            guard let list = value as? [Any], !list.isEmpty else {
                throw fail("presets", "expected a non-empty list of names or {\"preset\": name, key: value} objects")
            }
            for (index, entry) in list.enumerated() {
                variants.append(try SweepVariant.parse(entry, key: "presets[\(index)]", file: file))
            }
        }
        var seeds: [Int] = []
        if let value = object.removeValue(forKey: "seeds") {
            if let count = value as? Int, (1...seedCountLimit).contains(count) {
                seeds = Array(0..<count)
            } else if let list = value as? [Int], !list.isEmpty {
                seeds = list
            } else {
                throw fail(
                    "seeds",
                    "expected a count 1…\(seedCountLimit) or a non-empty list of seeds "
                        + "\(SettingValues.describe(0...SettingValues.seedLimit)), got \(JSONSettings.text(value))")
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
        } catch var error as ConfigurationError {
            // A value that is not what its key takes, named by the key.
            error.file = file
            throw error
        } catch {
            // The object came out of JSONSerialization a moment ago; what JSONDecoder refuses beyond the keys'
            // values (none known) is still the file's.
            throw fail(ConfigurationError.wholeFile, "cannot read the run settings")
        }
        var sweep = SweepConfiguration(
            base: base, variants: variants.isEmpty ? [SweepVariant(preset: base.preset)] : variants,
            seeds: seeds.isEmpty ? [base.seed] : seeds)
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
                    next.append(try JSONSettings.setting(text: value, key: key, in: point, origin: "grid"))
                }
            }
            points = next
        }
        var result: [RunConfiguration] = []
        for (index, variant) in variants.enumerated() {
            for point in points {
                var configured = point
                configured.preset = variant.preset
                for (key, value) in variant.settings {
                    configured = try JSONSettings.setting(
                        text: value, key: key, in: configured, origin: "presets[\(index)]")
                }
                for seed in seeds {
                    var run = configured
                    run.seed = seed
                    try run.validate()
                    result.append(run)
                }
            }
        }
        let ids = result.map { $0.runID(sweptKeys: sweptKeys) }
        if let repeated = Dictionary(grouping: ids, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ConfigurationError(
                key: "presets", message: "two runs would both be '\(repeated)': list each variant once")
        }
        return result
    }

    /// The keys that differ between runs, for run IDs: the grid's and those a variant sets.
    public var sweptKeys: [String] {
        var keys = grid.map(\.key)
        for variant in variants {
            for (key, _) in variant.settings where !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// The `index`-th of `count` slices of ``runs()`` (runs `index`, `index + count`, …), so that a scheduler can
    /// spread a sweep over machines, one trace per shard.
    public func shard(_ index: Int, of count: Int) throws(ConfigurationError) -> [RunConfiguration] {
        guard count > 0, (0..<count).contains(index) else {
            throw ConfigurationError(key: "shard", message: "expected i/n with 0 ≤ i < n, got \(index)/\(count)")
        }
        return try runs().enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}

/// One entry of a sweep's `presets`: a preset, alone (`"adanorm"`) or with run keys set for it alone
/// (`{"preset": "adanorm", "adanorm_scale": 1}`), so that one sweep holds AdaNorm at two values of C beside the
/// other presets.
public struct SweepVariant: Sendable, Equatable {
    public var preset: NormPreset
    /// Run keys and their JSON values as text, applied after the grid's.
    public var settings: [(key: String, value: String)]

    public init(preset: NormPreset, settings: [(key: String, value: String)] = []) {
        self.preset = preset
        self.settings = settings
    }

    public static func == (a: SweepVariant, b: SweepVariant) -> Bool {
        a.preset == b.preset && a.settings.map(\.key) == b.settings.map(\.key)
            && a.settings.map(\.value) == b.settings.map(\.value)
    }

    /// The entry as a sweep file holds it: the name, or an object.
    public var json: Any {
        guard !settings.isEmpty else { return preset.rawValue }
        var object: [String: Any] = ["preset": preset.rawValue]
        for (key, value) in settings {
            object[key] =
                (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed))
                ?? value
        }
        return object
    }

    static func parse(_ entry: Any, key: String, file: String) throws(ConfigurationError) -> SweepVariant {
        let fields = entry as? [String: Any]
        guard let name = entry as? String ?? fields?["preset"] as? String else {
            throw ConfigurationError(
                key: key, message: "expected a preset name or an object with \"preset\" and run keys", file: file)
        }
        guard let preset = NormPreset(setting: name) else {
            throw ConfigurationError(
                key: fields == nil ? key : "\(key).preset", message: NormPreset.refusal(of: name, key: "preset"),
                file: file)
        }
        guard let object = fields else { return SweepVariant(preset: preset) }
        var settings: [(key: String, value: String)] = []
        for setting in object.keys.sorted() where setting != "preset" {
            guard RunConfiguration.keys.contains(setting), setting != "seed" else {
                throw ConfigurationError(
                    key: "\(key).\(setting)",
                    message: "not a run key a variant can set; valid: "
                        + RunConfiguration.keys.filter { $0 != "seed" && $0 != "preset" }.sorted()
                        .joined(separator: ", "),
                    file: file)
            }
            settings.append((setting, JSONSettings.text(object[setting]!)))
        }
        return SweepVariant(preset: preset, settings: settings)
    }
}
