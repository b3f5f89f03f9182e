import Foundation
import HDF5
import Layers

extension TraceFormat {
    /// The declaration as the machine-readable document the Python package reads (`analysis/normscope/schema.json`,
    /// written by `normscope schema`): tables and their fields, settings, attributes, statuses and presets.
    ///
    /// - Parameters:
    ///   - defaults: each configuration setting's default value (the training module owns them).
    ///   - colours: each preset's fixed colour, in the charts' table order (the charts own them; an unknown
    ///     preset's colour is the table's entry at a hash of its name, so the order is part of the rule).
    public static func exportedSchema(
        defaults: [String: AttributeValue], colours: [(preset: String, colour: String)]
    ) -> String {
        let colourOf = Dictionary(colours.map { ($0.preset, $0.colour) }, uniquingKeysWith: { first, _ in first })
        let document = ExportedSchema(
            format: name, formatVersion: version,
            readableVersions: [readableVersions.lowerBound, readableVersions.upperBound],
            tables: [
                ExportedTable(StepRow.self), ExportedTable(EvaluationRow.self), ExportedTable(NormStepRow.self),
                ExportedTable(PhiStepRow.self),
            ],
            settings: settings.map { ExportedSetting($0, default: defaults[$0.name]) },
            attributes: attributes.map {
                ExportedAttribute(name: $0.name, place: $0.place.rawValue, type: $0.type, meaning: $0.meaning)
            },
            statuses: RunStatus.allCases.map(\.rawValue),
            rawPartNames: Names.rawPartNames,
            phiQuantileLevels: PhiStepRow.quantileLevels,
            presets: NormPreset.allCases.map { ExportedPreset($0, colour: colourOf[$0.rawValue]) },
            presetPalette: colours.map { [$0.preset, $0.colour] })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every value here is finite or absent; a failure would be a programming error caught by the schema test.
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

private struct ExportedSchema: Encodable {
    let format: String
    let formatVersion: Int64
    let readableVersions: [Int64]
    let tables: [ExportedTable]
    let settings: [ExportedSetting]
    let attributes: [ExportedAttribute]
    let statuses: [String]
    let rawPartNames: [String]
    let phiQuantileLevels: [Double]
    let presets: [ExportedPreset]
    /// The charts' colour table in its order: `[preset, "#rrggbb"]`.
    let presetPalette: [[String]]
}

private struct ExportedTable: Encodable {
    struct Field: Encodable {
        let name: String
        let type: String
        let unit: String
        let range: String
        /// "nan" when tables written before the field lack it, nil when every table has it.
        let olderTracesRead: String?
        let meaning: String
    }

    let name: String
    let location: String
    let fields: [Field]
    let rules: [String]

    init<Row: DeclaredRow>(_ row: Row.Type) {
        name = Row.tableName
        location = Row.location
        fields = Row.declaration.map {
            Field(
                name: $0.name, type: $0.column.scalarKind.rawValue, unit: $0.unit, range: $0.range.rawValue,
                olderTracesRead: $0.column.mayBeAbsent ? "nan" : nil, meaning: $0.meaning)
        }
        rules = Row.rules.map(\.text)
    }
}

private struct ExportedSetting: Encodable {
    let name: String
    let kind: String
    let allowed: [String]?
    /// Whether other recorders may write values outside `allowed`.
    let allowedIsOpen: Bool
    let source: String
    let presence: String
    let `default`: ExportedValue?
    let meaning: String

    init(_ setting: DeclaredSetting, default value: AttributeValue?) {
        name = setting.name
        kind = setting.kind.rawValue
        allowed = setting.allowed
        allowedIsOpen = setting.isOpen
        source = setting.source.rawValue
        presence = setting.presence ?? "always"
        self.default = value.map(ExportedValue.init)
        meaning = setting.meaning
    }
}

private struct ExportedAttribute: Encodable {
    let name: String
    let place: String
    let type: String
    let meaning: String
}

private struct ExportedPreset: Encodable {
    let name: String
    let normalizes: Bool
    let centering: String
    let convention: String
    let spread: String
    let epsilon: Double
    let detachMean: Bool
    let detachStd: Bool
    let affine: String
    let adaptive: String
    let adanormScale: Double?
    let adanormK: Double?
    let transform: String
    let dytAlpha: Double?
    let colour: String?

    init(_ preset: NormPreset, colour: String?) {
        let c = preset.configuration
        name = preset.rawValue
        normalizes = c.normalizes
        centering = c.centering.rawValue
        convention = c.convention.rawValue
        spread = c.spread.rawValue
        epsilon = c.epsilon
        detachMean = c.detach.contains(.mean)
        detachStd = c.detach.contains(.spread)
        affine = c.affine.rawValue
        adaptive = AdaptiveKind(c.adaptive).rawValue
        adanormScale = c.adaptive?.scale
        adanormK = c.adaptive?.slope
        transform = TransformKind(c.dynamicTanh).rawValue
        dytAlpha = c.dynamicTanh?.initialAlpha
        self.colour = colour
    }
}

/// An attribute value as JSON: numbers, booleans, text and lists of them.
private struct ExportedValue: Encodable {
    let value: AttributeValue

    init(_ value: AttributeValue) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .int64(let x): try container.encode(x)
        case .double(let x): try container.encode(x)
        case .bool(let x): try container.encode(x)
        case .string(let x): try container.encode(x)
        case .int64Array(let x): try container.encode(x)
        case .doubleArray(let x): try container.encode(x)
        case .stringArray(let x): try container.encode(x)
        }
    }
}
