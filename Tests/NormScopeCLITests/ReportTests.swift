import Foundation
import FoundationXML
import HDF5
import TestSupport
import Testing

/// `normscope report` on the committed reference trace and on a damaged copy of it.
@Suite("normscope report")
struct ReportTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// notebooks-data/digits-reference.h5, found from this source file's location.
    var referenceTrace: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path
    }

    /// The inline SVG elements of a page.
    private func svgs(_ html: String) -> [String] {
        var found: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"), let end = rest[start.upperBound...].range(of: "</svg>") {
            found.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }

    @Test("the reference trace: a self-contained page whose every chart is well-formed SVG with no NaN in it")
    func reference() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let out = directory.file("report.html")
        let output = try ChildProcess.run(path, arguments: ["report", referenceTrace, "-o", out])
        #expect(output.status == 0, "\(output.standardError)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("</html>"))
        // Self-contained: nothing is fetched when it is opened.
        // (The SVG namespace is an identifier, not something fetched.)
        let fetchable = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        for reference in ["http://", "https://", "<script", "<link", "src="] {
            #expect(!fetchable.contains(reference), "the page refers to \(reference)")
        }
        let charts = svgs(html)
        // 5 presets × 2 layers: loss (log and linear), gap, 2 rescale_ratio, 4 normalizing presets × 2 layers of
        // parts, and for adanorm's 2 layers a Φ quantile chart and a Φ heat map each; no Φ ≤ 0 chart, since Φ
        // stayed positive at every step of the reference trace.
        #expect(charts.count == 3 + 2 + 8 + 2 + 2, "\(charts.count) charts")
        #expect(html.contains("linear scale") && !html.contains("Share of Φ(y) ≤ 0"))
        for chart in charts {
            let parser = XMLParser(data: Data(chart.utf8))
            #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
            #expect(!chart.lowercased().contains("nan") && !chart.contains("inf\""))
        }
        for heading in ["Overfitting", "Gradient parts", "Theorem 1", "Φ(y)", "adanorm", "hidden2.norm"] {
            #expect(html.contains(heading), "no \(heading)")
        }
        #expect(html.contains("holds") && !html.contains("FAILS"))
        #expect(!html.contains("class=\"missing\""))
    }

    @Test("a trace that measured the test split: the page gives it at the best validation step; the older one not")
    func testSplit() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("t.h5")
        try #"{"hidden": [16, 16], "batch": 16, "eval_every": 10, "steps": 40, "presets": ["layernorm", "none"]}"#
            .write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        let recorded = try ChildProcess.run(
            path, arguments: ["record", "--config", directory.file("sweep.json"), "--quiet", "--out", trace])
        try #require(recorded.status == 0, "\(recorded.standardError)")
        let out = directory.file("report.html")
        let output = try ChildProcess.run(path, arguments: ["report", trace, "-o", out])
        #expect(output.status == 0, "\(output.standardError)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("Test split at the best validation step per preset") && html.contains("test acc at best"))
        let older = directory.file("reference.html")
        _ = try ChildProcess.run(path, arguments: ["report", referenceTrace, "-o", older])
        #expect(!(try String(contentsOfFile: older, encoding: .utf8)).contains("Test split"))
    }

    @Test("a damaged copy: the page is still written and lists what is missing at its top")
    func damaged() throws {
        let path = try #require(executable)
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let trace = directory.file("damaged.h5")
        try FileManager.default.copyItem(atPath: referenceTrace, toPath: trace)
        let delete = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                del f["runs/adanorm-s0/norms/hidden2.norm/phi_hist"]
                del f["runs/layernorm-s0/norms/hidden1.norm/grad"]
                steps = f["runs/adanorm-s0/norms/hidden1.norm/phi_step"]
                steps.resize((steps.shape[0] + 5,))  # more steps than histogram rows
            """, arguments: [trace])
        try #require(delete.status == 0, "\(delete.standardError)")
        let out = directory.file("report.html")
        let output = try ChildProcess.run(path, arguments: ["report", trace, "-o", out])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("3 objects missing"), "\(output.standardOutput)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("class=\"missing\"") && html.contains("/runs/layernorm-s0/norms/hidden1.norm/grad"))
        #expect(html.contains("/runs/adanorm-s0/norms/hidden2.norm/phi_hist"))
        #expect(
            html.contains("/runs/adanorm-s0/norms/hidden1.norm/phi_step") && html.contains("expected equal lengths"))
        // Both adaptive layers keep their gradient statistics and Φ quantile charts; only their heat maps are gone.
        #expect(svgs(html).filter { $0.contains("Φ(y) histogram over training") }.isEmpty)
        #expect(svgs(html).filter { $0.contains("<title>Φ(y) over training") }.count == 2)
    }

    @Test("bad input is one line and a non-zero exit, and no report file is left behind")
    func badInput() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let out = directory.file("report.html")
        let output = try ChildProcess.run(path, arguments: ["report", directory.file("absent.h5"), "-o", out])
        #expect(output.status != 0)
        #expect(output.standardError.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(output.standardError.contains("absent.h5") && !FileManager.default.fileExists(atPath: out))
    }
}
