import HDF5
import Layers
import Recording
import Testing

@testable import Training

/// Trace format 2 stores every run setting typed, by the Swift type it is declared with.
@Suite("Setting attributes")
struct SettingAttributesTests {
    private func describe(_ configuration: RunConfiguration) throws -> [String: AttributeValue] {
        try TraceWriterSink.describe(id: "r", configuration: configuration, normLayers: []).attributes
    }

    @Test("numbers by their declared type (a Double at 0 stays float64), booleans as bools, lists as arrays")
    func declaredTypes() throws {
        var configuration = RunConfiguration()
        configuration.preset = .adaNorm
        configuration.adanormDetached = true
        let attributes = try describe(configuration)
        #expect(attributes["momentum"] == .double(0.9))
        #expect(attributes["dropout"] == .double(0))
        #expect(attributes["clip"] == .double(0))
        #expect(attributes["heads"] == .int64(4))
        #expect(attributes["seed"] == .int64(0))
        #expect(attributes["lr"] == .double(1e-3))
        #expect(attributes["hidden"] == .int64Array([128, 128]))
        #expect(attributes["adanorm_detached"] == .bool(true))
        #expect(attributes["preset"] == .string("adanorm") && attributes["optimizer"] == .string("adam"))
        #expect(attributes["labels"] == nil, "an unset optional is not an attribute")
        #expect(attributes["norm_normalizes"] == .bool(true) && attributes["norm_detach_mean"] == .bool(false))
        #expect(attributes["norm_epsilon"] == .double(1e-5) && attributes["norm_adanorm_scale"] == .double(2))
        #expect(attributes["norm_adaptive"] == .string("adanorm") && attributes["norm_centering"] == .string("mean"))
        #expect(attributes["adanorm_scale"] == .double(2) && attributes["adanorm_k"] == .double(0.1))
        #expect(!attributes.values.contains { if case .string(let text) = $0 { Double(text) != nil } else { false } })
    }

    @Test(
        "the norm_* attributes are NormConfiguration.settings' keys; AdaNorm's C and k, DyT's α, only where they exist")
    func normKeys() throws {
        for preset in NormPreset.allCases {
            var configuration = RunConfiguration()
            configuration.preset = preset
            let norm = try configuration.normConfiguration()
            let written = Set(try describe(configuration).keys.filter { $0.hasPrefix("norm_") })
            var expected = Set(norm.settings.map { "norm_" + $0.key })
            if norm.adaptive == nil { expected.subtract(["norm_adanorm_scale", "norm_adanorm_k"]) }
            if norm.dynamicTanh == nil { expected.remove("norm_dyt_alpha") }
            #expect(written == expected, "\(preset.rawValue)")
        }
    }

    @Test("scalenorm and dyt say what sets them apart: the row's length and a scalar gain; tanh(α·x) from α = 0.5")
    func variantSettings() throws {
        var configuration = RunConfiguration()
        configuration.preset = .scaleNorm
        let scale = try describe(configuration)
        #expect(scale["norm_spread"] == .string("norm") && scale["norm_affine"] == .string("scalar-gain"))
        #expect(scale["norm_centering"] == .string("none") && scale["norm_transform"] == .string("none"))
        #expect(scale["norm_dyt_alpha"] == nil)
        configuration.preset = .dyt
        let dyt = try describe(configuration)
        #expect(dyt["norm_transform"] == .string("dynamic-tanh") && dyt["norm_dyt_alpha"] == .double(0.5))
        #expect(dyt["norm_normalizes"] == .bool(false) && dyt["norm_affine"] == .string("gain-and-bias"))
        configuration.preset = .layerNorm
        let layerNorm = try describe(configuration)
        #expect(layerNorm["norm_spread"] == .string("rms") && layerNorm["norm_transform"] == .string("none"))
    }

    @Test("every setting written has the kind TraceFormat.settings documents (what inspect checks)")
    func kindsAgreeWithTheFormat() throws {
        var configuration = RunConfiguration()
        configuration.preset = .adaNorm
        configuration.labels = "labels.idx"
        configuration.convention = .torch
        configuration.epsilon = 1e-6
        configuration.adanormScale = 1.5
        configuration.adanormK = 0.2
        configuration.adanormDetached = false
        configuration.placement = .afterActivation
        let attributes = try describe(configuration)
        for (name, value) in attributes {
            guard let kind = TraceFormat.setting(name)?.kind else { continue }
            #expect(kind.matches(value), "\(name) is \(value.kindName), the format says \(kind.rawValue)")
        }
        let unlisted = Set(attributes.keys).filter { TraceFormat.setting($0) == nil }
        #expect(unlisted.isEmpty, "settings TraceFormat.settings does not list: \(unlisted.sorted())")
    }

    @Test("a list of reals stays float64, a list of strings a string array, other shapes their JSON text")
    func shapes() throws {
        struct Settings: Encodable {
            var betas = [0.9, 0.98]
            var mixed = [1.5, 2]
            var names = ["a", "b"]
            var empty: [String] = []
            var flags = [true, false]
            var nested = [[1, 2], [3]]
            var object = ["k": 1]
        }
        let attributes = try SettingAttributes.of(Settings())
        #expect(attributes["betas"] == .doubleArray([0.9, 0.98]))
        #expect(attributes["mixed"] == .doubleArray([1.5, 2]))
        #expect(attributes["names"] == .stringArray(["a", "b"]))
        #expect(attributes["empty"] == .stringArray([]))
        #expect(attributes["flags"] == .string("[true,false]"))
        #expect(attributes["nested"] == .string("[[1,2],[3]]"))
        #expect(attributes["object"] == .string(#"{"k":1}"#))
    }
}
