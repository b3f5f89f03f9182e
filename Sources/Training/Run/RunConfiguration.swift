import Layers
import Recording

/// Every setting of one training run; the JSON keys (snake_case) are those of a sweep file.
///
/// Defaults make `normscope record --out run.h5` record something meaningful: the digits MLP (two hidden layers of
/// 128, Adam at 1e-3, batch 64) long enough to overfit, evaluated every 50 steps.
public struct RunConfiguration: Sendable, Codable, Hashable {
    // MARK: - What is trained
    /// `mlp`, `transformer` (classifier over feature vectors cut into tokens) or `char-lm` (causal character LM).
    public var model: ModelKind = .mlp
    /// A bundled name (`digits`, `devils-dictionary`) or a file: `.csv`/`.csv.gz`, an IDX images file (its labels
    /// file given by `labels`), or a text file for `char-lm`.
    public var dataset: String = "digits"
    /// The IDX labels file, when `dataset` is an IDX images file.
    public var labels: String?
    /// The CSV label column, counted from 1 as the loader's errors count columns; negative counts from the end
    /// (-1 is the last). 0 is refused: the key was 0-based once, and a silent shift would train on the wrong column.
    public var labelColumn: Int = -1
    /// Whether a CSV's first line is a header (column names, or scikit-learn's counts line); `nil` detects it.
    public var header: Bool?
    public var validFraction: Double = 0.2
    public var testFraction: Double = 0.2

    // MARK: - The normalization variant
    public var preset: NormPreset = .layerNorm
    /// Overrides of the preset's defaults; `nil` keeps the preset's.
    public var convention: SpreadConvention?
    public var epsilon: Double?
    public var adanormScale: Double?
    public var adanormK: Double?
    public var adanormDetached: Bool?

    // MARK: - Model shape
    public var hidden: [Int] = [128, 128]
    public var activation: Activation = .relu
    public var dropout: Double = 0
    /// MLP: `before-activation` or `after-activation`; Transformer: `pre` or `post` (``ModelKind/placements``).
    public var placement: PlacementKind?
    public var width: Int = 64
    public var heads: Int = 4
    public var layers: Int = 2
    public var ffn: Int = 128
    public var context: Int = 64

    // MARK: - Optimization
    public var seed: Int = 0
    public var steps: Int = 1500
    public var batch: Int = 64
    public var lr: Double = 1e-3
    public var optimizer: OptimizerKind = .adam
    public var momentum: Double = 0.9
    public var weightDecay: Double = 0
    public var warmup: Int = 0
    public var schedule: ScheduleKind = .constant
    /// Clip the global gradient norm to this; 0 disables clipping.
    public var clip: Double = 0
    public var labelSmoothing: Double = 0

    // MARK: - Recording
    public var evalEvery: Int = 50
    /// Rows of the training subset evaluated for the gap; 0 means as many as the validation set.
    public var evalTrainSize: Int = 0
    /// Record Φ(y)'s histogram every this many steps (it costs a scatter per element).
    public var phiEvery: Int = 10
    /// Every this many steps, also record the raw gradient parts of the first `raw_rows` rows of each norm layer's
    /// input (0: never).
    public var rawEvery: Int = 0
    /// How many input rows the raw samples hold.
    public var rawRows: Int = 4
    /// A loss above this marks the run diverged at that step; nil: 1000 × the first step's loss.
    public var divergenceLoss: Double?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, dataset, labels, labelColumn = "label_column", header, validFraction = "valid_fraction"
        case testFraction = "test_fraction", preset, convention, epsilon, adanormScale = "adanorm_scale"
        case adanormK = "adanorm_k", adanormDetached = "adanorm_detached", hidden, activation, dropout, placement
        case width, heads, layers, ffn, context, seed, steps, batch, lr, optimizer, momentum
        case weightDecay = "weight_decay", warmup, schedule, clip, labelSmoothing = "label_smoothing"
        case evalEvery = "eval_every", evalTrainSize = "eval_train_size", phiEvery = "phi_every"
        case rawEvery = "raw_every", rawRows = "raw_rows", divergenceLoss = "divergence_loss"
    }

    /// Reads the keys present, keeping the defaults of the others.
    ///
    /// - Throws: ``ConfigurationError`` naming the key for a value that is not what it takes (`steps: 1e+20 is out
    ///   of range; expected a whole number 1…1000000000000`, `model: unknown model 'cnn'; valid: mlp, transformer,
    ///   char-lm`), rather than the decoder's own words.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var r = RunConfiguration()
        func value<T: Decodable>(_ key: CodingKeys, as type: T.Type, kind: SettingKind? = nil) throws -> T? {
            do {
                return try c.decodeIfPresent(T.self, forKey: key)
            } catch {
                // A DecodingError, or for a number no Int or Double holds (1e+20 as an Int) the decoder's own.
                let found = try? c.decode(JSONValue.self, forKey: key)
                let kind = kind ?? SettingKind(T.self, key: key)
                throw ConfigurationError(key: key.rawValue, message: kind.refusal(of: found))
            }
        }
        func take<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<RunConfiguration, T>) throws {
            if let value = try value(key, as: T.self) { r[keyPath: path] = value }
        }
        func takeOptional<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<RunConfiguration, T?>) throws {
            if let value = try value(key, as: T.self) { r[keyPath: path] = value }
        }
        /// One of the setting's words, read by its spelling; another word is refused listing `listed`.
        func choice<T: SettingChoice>(_ key: CodingKeys, listing listed: [T], context: String) throws -> T? {
            let kind = SettingKind.choice(listed.map(\.rawValue))
            guard let text = try value(key, as: String.self, kind: kind) else { return nil }
            guard let chosen = T(setting: text) else {
                throw ConfigurationError(
                    key: key.rawValue, message: T.refusal(of: text, key: key.rawValue, valid: listed, context: context))
            }
            return chosen
        }
        func takeChoice<T: SettingChoice>(_ key: CodingKeys, _ path: WritableKeyPath<RunConfiguration, T>) throws {
            if let value = try choice(key, listing: Array(T.allCases), context: "") { r[keyPath: path] = value }
        }
        func takeOptionalChoice<T: SettingChoice>(
            _ key: CodingKeys, _ path: WritableKeyPath<RunConfiguration, T?>, listing listed: [T] = Array(T.allCases),
            context: String = ""
        ) throws {
            if let value = try choice(key, listing: listed, context: context) { r[keyPath: path] = value }
        }
        try takeChoice(.model, \.model)
        try take(.dataset, \.dataset)
        try takeOptional(.labels, \.labels)
        try take(.labelColumn, \.labelColumn)
        try takeOptional(.header, \.header)
        try take(.validFraction, \.validFraction)
        try take(.testFraction, \.testFraction)
        try takeChoice(.preset, \.preset)
        try takeOptionalChoice(.convention, \.convention)
        try takeOptional(.epsilon, \.epsilon)
        try takeOptional(.adanormScale, \.adanormScale)
        try takeOptional(.adanormK, \.adanormK)
        try takeOptional(.adanormDetached, \.adanormDetached)
        try take(.hidden, \.hidden)
        try takeChoice(.activation, \.activation)
        try take(.dropout, \.dropout)
        // A word that is no placement is refused listing the model's (the model is read first); a placement of the
        // other model is refused by validate(), since a sweep sets keys one at a time and the model may follow.
        try takeOptionalChoice(
            .placement, \.placement, listing: r.model.placements, context: " for model \(r.model)")
        try take(.width, \.width)
        try take(.heads, \.heads)
        try take(.layers, \.layers)
        try take(.ffn, \.ffn)
        try take(.context, \.context)
        try take(.seed, \.seed)
        try take(.steps, \.steps)
        try take(.batch, \.batch)
        try take(.lr, \.lr)
        try takeChoice(.optimizer, \.optimizer)
        try take(.momentum, \.momentum)
        try take(.weightDecay, \.weightDecay)
        try take(.warmup, \.warmup)
        try takeChoice(.schedule, \.schedule)
        try take(.clip, \.clip)
        try take(.labelSmoothing, \.labelSmoothing)
        try take(.evalEvery, \.evalEvery)
        try take(.evalTrainSize, \.evalTrainSize)
        try take(.phiEvery, \.phiEvery)
        try take(.rawEvery, \.rawEvery)
        try take(.rawRows, \.rawRows)
        try takeOptional(.divergenceLoss, \.divergenceLoss)
        self = r
    }

    /// Every JSON key a run setting can have.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The normalization configuration: the preset's, with the overrides applied.
    public func normConfiguration() throws(ConfigurationError) -> NormConfiguration {
        var c = preset.configuration
        if let convention { c.convention = convention }
        if let epsilon { c.epsilon = epsilon }
        if adanormScale != nil || adanormK != nil || adanormDetached != nil {
            guard var a = c.adaptive else {
                throw ConfigurationError(
                    key: "adanorm_scale",
                    message: "adanorm_scale/adanorm_k/adanorm_detached apply only to preset adanorm")
            }
            if let adanormScale { a.scale = adanormScale }
            if let adanormK { a.slope = adanormK }
            if let adanormDetached { a.detached = adanormDetached }
            c.adaptive = a
        }
        return c
    }

    /// Checks every value, so that a typo fails before any training.
    public func validate() throws(ConfigurationError) {
        func check(_ ok: Bool, _ key: String, _ message: String) throws(ConfigurationError) {
            if !ok { throw ConfigurationError(key: key, message: message) }
        }
        _ = try normConfiguration()
        if let placement {
            try check(
                model.placements.contains(placement), "placement",
                PlacementKind.refusal(
                    of: placement.rawValue, key: "placement", valid: model.placements, context: " for model \(model)"))
        }
        try check(
            labelColumn != 0, "label_column",
            "0 is not a column: columns count from 1 (1 is the first) and -1 is the last")
        try checkData()
        // In the order of the keys, so that the first bad one is the one reported.
        for key in CodingKeys.allCases {
            guard let (value, range) = wholeNumber(key) else { continue }
            try check(range.contains(value), key.rawValue, SettingKind.wholeNumber(range).outOfRange("\(value)"))
        }
        try check(lr > 0 && lr.isFinite, "lr", "must be a positive number, got \(lr)")
        if let divergenceLoss {
            try check(
                divergenceLoss.isFinite && divergenceLoss > 0, "divergence_loss",
                "must be a finite positive loss, got \(divergenceLoss)")
        }
        try check((0..<1).contains(dropout), "dropout", "must be in [0, 1), got \(dropout)")
        try check(
            validFraction > 0 && testFraction >= 0 && validFraction + testFraction < 1, "valid_fraction",
            "valid_fraction > 0, test_fraction ≥ 0 and their sum < 1, got \(validFraction) and \(testFraction)")
        try check(
            !hidden.isEmpty && hidden.allSatisfy { $0 > 0 }, "hidden", "must be a non-empty list of positive widths")
        try check(width % heads == 0, "heads", "width (\(width)) must be a multiple of heads (\(heads))")
        try check(clip >= 0 && weightDecay >= 0, "clip", "clip and weight_decay must be ≥ 0")
        try check((0...1).contains(labelSmoothing), "label_smoothing", "must be in [0, 1], got \(labelSmoothing)")
        if schedule == .inverseSqrt { try check(warmup >= 1, "warmup", "inverse-sqrt needs warmup ≥ 1") }
    }

    /// The data keys that only go together: an IDX labels file names the labels of an IDX images dataset, and
    /// would otherwise be ignored without a word (the digits carry their labels, a text has none).
    private func checkData() throws(ConfigurationError) {
        guard labels != nil else { return }
        if model.readsText {
            throw ConfigurationError(
                key: "labels", message: "model char-lm trains on a text, which has no labels file: leave out --labels")
        }
        if let bundled = BundledDataset(rawValue: dataset) {
            throw ConfigurationError(
                key: "labels",
                message: "--labels names the labels of an IDX images file given as --dataset, and the dataset is "
                    + "\(bundled.rawValue) (bundled, with its own labels): add --dataset IMAGES or leave out --labels")
        }
    }

    /// A short, unique-within-a-sweep run name: `<preset>-s<seed>` plus the swept values.
    public func runID(sweptKeys: [String]) -> String {
        var id = "\(preset.rawValue)-s\(seed)"
        let json = (try? JSONSettings.flatten(self)) ?? [:]
        // A key a variant sets for itself alone is absent from the other variants' runs, and left out of their IDs.
        for key in sweptKeys.sorted() where key != "preset" && key != "seed" {
            guard let value = json[key] else { continue }
            id += "-\(key)\(value)"
        }
        return id
    }
}
