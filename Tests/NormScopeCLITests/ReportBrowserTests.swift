import Foundation
import TestSupport
import Testing

/// The HTML report laid out by a real browser (Debian's Chromium, headless) at a desktop and a phone width: nothing
/// sticks out of the page or of its box, and every chart has rendered.
@Suite("normscope report in a browser")
struct ReportBrowserTests {
    let executable = ChildProcess.builtProduct("normscope")
    let referenceTrace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path

    /// Runs in the page after layout; its findings replace the body, which `--dump-dom` then prints.
    static let probe = """
        <script>
        window.addEventListener("load", () => {
          const problems = [];
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth > width + 1)
            problems.push("the page is " + document.documentElement.scrollWidth + " px wide in a " + width + " px window");
          // Wide tables and (on a phone) charts scroll inside their box: only text outside such boxes may not overflow.
          for (const el of document.querySelectorAll("h1, h2, h3, p, nav, .scroll, figure")) {
            if (el.closest(".scroll") && !el.classList.contains("scroll")) continue;
            const scrolls = ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
            if (!scrolls && el.scrollWidth > el.clientWidth + 1)
              problems.push(el.tagName + " '" + el.textContent.slice(0, 40) + "' overflows by " + (el.scrollWidth - el.clientWidth) + " px");
            if (el.getBoundingClientRect().right > width + 1)
              problems.push(el.tagName + " '" + el.textContent.slice(0, 40) + "' ends past the window");
          }
          const svgs = [...document.querySelectorAll("figure svg")];
          const blank = svgs.filter(svg => { const box = svg.getBBox(); return box.width <= 0 || box.height <= 0; });
          if (blank.length) problems.push(blank.length + " charts did not render");
          document.body.innerHTML = "<pre id='probe'>" + JSON.stringify({charts: svgs.length, problems}) + "</pre>";
        });
        </script>
        """

    @Test("at 1400 and 400 px: no text or box sticks out, and every chart renders", arguments: [1400, 400])
    func layout(width: Int) throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let browser = try #require(chromium, "Chromium is not installed (.ci/setup installs it)")
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let page = directory.file("report.html")
        let report = try ChildProcess.run(path, arguments: ["report", referenceTrace, "--output", page])
        #expect(report.status == 0, "\(report.standardError)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        try html.replacingOccurrences(of: "</body>", with: Self.probe + "</body>")
            .write(toFile: page, atomically: true, encoding: .utf8)
        let output = try ChildProcess.run(
            browser,
            arguments: [
                "--headless", "--no-sandbox", "--disable-gpu", "--window-size=\(width),1000",
                "--virtual-time-budget=5000", "--dump-dom", "file://" + page,
            ])
        let dom = output.standardOutput
        let start = try #require(dom.range(of: "<pre id=\"probe\">"), "the probe did not run: \(dom.prefix(300))")
        let json = dom[start.upperBound...].prefix { $0 != "<" }
        let decoded = String(json).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        struct Findings: Decodable {
            let charts: Int
            let problems: [String]
        }
        let findings = try JSONDecoder().decode(Findings.self, from: Data(decoded.utf8))
        #expect(findings.charts == 17)
        #expect(findings.problems.isEmpty, "\(findings.problems.joined(separator: "; "))")
    }
}
