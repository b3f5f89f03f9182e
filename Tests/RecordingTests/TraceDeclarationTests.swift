import Foundation
import HDF5
import Layers
import Recording
import TestSupport
import Testing

@Suite("The trace's one declaration")
struct TraceDeclarationTests {
    @Test("TRACE_FORMAT.md's generated tables are the declaration's, block for block")
    func documentMatches() throws {
        let path = MarkdownBlock.repositoryRoot + "/analysis/TRACE_FORMAT.md"
        let page = try String(contentsOfFile: path, encoding: .utf8)
        for section in TraceFormat.markdownSections {
            let start = "<!-- declared: \(section.id) -->\n"
            guard let open = page.range(of: start),
                let close = page.range(of: "<!-- /declared -->", range: open.upperBound..<page.endIndex)
            else {
                Issue.record(
                    "TRACE_FORMAT.md has no block '\(section.id)'; paste it from `normscope schema --markdown`")
                continue
            }
            let documented = String(page[open.upperBound..<close.lowerBound])
            let advice =
                "TRACE_FORMAT.md's '\(section.id)' table differs from the declaration: paste the block printed by "
                + "`swift run normscope schema --markdown`"
            #expect(documented == section.text, Comment(rawValue: advice))
        }
    }

    @Test("each table declares every field once, with a meaning, and its rules name declared fields")
    func tablesAreDeclared() {
        func check<Row: DeclaredRow>(_ row: Row.Type) {
            let names = Row.declaration.map(\.name)
            #expect(Set(names).count == names.count, "\(Row.self) declares a field twice")
            #expect(Row.declaration.allSatisfy { !$0.meaning.isEmpty && !$0.meaning.contains("|") }, "\(Row.self)")
            for rule in Row.rules {
                let named: [String] =
                    switch rule {
                    case .quotient(let f, let n, let d): [f, n, d]
                    case .difference(let f, let a, let b): [f, a, b]
                    case .ordered(let fields): fields
                    case .between(let f, let l, let u), .spreadAtMost(let f, let l, let u): [f, l, u]
                    }
                #expect(named.allSatisfy(names.contains), "\(Row.self): \(rule)")
            }
        }
        check(StepRow.self)
        check(EvaluationRow.self)
        check(NormStepRow.self)
        check(PhiStepRow.self)
    }

    @Test("settings and attributes are declared once each, vocabularies from the types that define them")
    func settingsDeclaredOnce() {
        let settings = TraceFormat.settings.map(\.name)
        #expect(Set(settings).count == settings.count)
        let attributes = TraceFormat.attributes.map { "\($0.place)/\($0.name)" }
        #expect(Set(attributes).count == attributes.count)
        #expect(TraceFormat.setting("norm_adaptive")?.allowed == AdaptiveKind.allCases.map(\.rawValue))
        #expect(TraceFormat.setting("preset")?.allowed == NormPreset.allCases.map(\.rawValue))
        #expect(TraceFormat.setting("norm_adaptive")?.refusal(of: "adanorm-undetached") == nil)
        #expect(TraceFormat.setting("norm_adaptive")?.refusal(of: "adanorm-x") != nil)
        // The model's words are open (a PyTorch model's class name is a model); the normalization's are not.
        #expect(TraceFormat.setting("model")?.refusal(of: "Sequential") == nil)
        #expect(TraceFormat.setting("norm_centering")?.refusal(of: "median") != nil)
        // The probe reads every declared name when a file's attribute list cannot be read.
        #expect(Set(TraceFormat.attributeNames).isSuperset(of: settings))
    }
}
