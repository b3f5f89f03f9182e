import HDF5
import Layers
import Recording
import Testing

@testable import Training

/// The recorder writes only what the trace format declares (`TraceFormat.settings`), each with its declared kind
/// and within its vocabulary: a key added to `RunConfiguration` without its declaration fails here, not in a
/// reader months later.
@Suite("Settings against the declaration")
struct SettingDeclarationTests {
    /// Every key of the configuration set, optionals included, for each preset (and AdaNorm undetached).
    private func everySetting() -> [RunConfiguration] {
        var configurations: [RunConfiguration] = []
        for preset in NormPreset.allCases {
            var c = RunConfiguration()
            c.preset = preset
            configurations.append(c)
        }
        var full = RunConfiguration()
        full.preset = .adaNorm
        (full.labels, full.header, full.convention, full.epsilon) = ("labels.idx", true, .paper, 1e-6)
        (full.adanormScale, full.adanormK, full.adanormDetached) = (1.5, 0.2, false)
        (full.placement, full.divergenceLoss) = (.afterActivation, 100)
        configurations.append(full)
        return configurations
    }

    @Test("every attribute a run writes is declared, with its kind and a value from its vocabulary")
    func writtenIsDeclared() throws {
        var written = Set<String>()
        for configuration in everySetting() {
            let attributes = try TraceWriterSink.describe(id: "r", configuration: configuration, normLayers: [])
                .attributes
            for (name, value) in attributes where name != TraceFormat.Names.config && name != "status" {
                let declared = TraceFormat.setting(name)
                #expect(declared != nil, "'\(name)' is written but not declared in TraceFormat.settings")
                guard let declared else { continue }
                #expect(declared.kind.matches(value), "'\(name)' is written as \(value.kindName), declared \(declared.kind)")
                if case .string(let text) = value {
                    #expect(declared.refusal(of: text) == nil, "'\(name)' = '\(text)' is outside its declared values")
                }
                written.insert(name)
            }
        }
        // Every declared setting is written by some configuration: none is declared for nothing.
        let declared = Set(TraceFormat.settings.map(\.name))
        #expect(declared.subtracting(written).isEmpty, "declared but never written: \(declared.subtracting(written))")
    }

    @Test("every key a sweep file accepts is a declared setting")
    func keysAreDeclared() {
        for key in RunConfiguration.keys {
            #expect(TraceFormat.setting(key) != nil, "sweep key '\(key)' has no declaration")
        }
    }
}
