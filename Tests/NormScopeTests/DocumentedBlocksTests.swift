import Foundation
import TestSupport
import Testing

/// Every fenced block of README.md and analysis/*.md is run by a test, so that no doc can drift from the code: this
/// list says which test runs the blocks under each heading, and the test below fails when a block appears that no
/// entry claims, when an entry claims blocks that are gone, or when the named test file does not read that heading.
/// Adding a block to the docs therefore means adding (or extending) the test that runs it.
@Suite("Every documented block is run by a test")
struct DocumentedBlocksTests {
    struct Claim {
        var document: String
        var heading: String
        var language: String
        var count: Int
        /// The test files (paths from the repository's root, space-separated) that extract and runs these blocks, or "" for blocks that are not code.
        var runBy: String
        /// Why a block is not run: only for what is not code (a directory diagram, a benchmark's measured output).
        var notCode: String = ""
    }

    static let claims: [Claim] = [
        Claim(document: "README.md", heading: "The two commands", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeCommandsDocTests.swift"),
        Claim(document: "README.md", heading: "The `normscope` command", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeCommandsDocTests.swift"),
        Claim(document: "README.md", heading: "What a command writes", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/OutputCampaignTests.swift"),
        Claim(document: "README.md", heading: "Recording traces", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeRecordingDocTests.swift"),
        Claim(document: "README.md", heading: "Analyzing traces", language: "sh", count: 2,
              runBy: "Tests/NormScopeCLITests/ReadmeAnalyzeDocTests.swift Tests/NormScopeCLITests/FuzzCampaignTests.swift"),
        Claim(document: "README.md", heading: "Running a sweep on a Slurm cluster", language: "sh", count: 2,
              runBy: "Tests/NormScopeCLITests/SlurmSubmitTests.swift Tests/NormScopeCLITests/ParallelShardsTests.swift"),
        Claim(document: "README.md", heading: "Using NormScope as a library", language: "swift", count: 2,
              runBy: "Tests/NormScopeTests/ConsumerPackageTests.swift"),
        Claim(document: "README.md", heading: "Using NormScope as a library", language: "text", count: 1,
              runBy: "Tests/NormScopeTests/ConsumerPackageTests.swift"),
        Claim(document: "README.md", heading: "The normalization variants", language: "swift", count: 1,
              runBy: "Tests/NormScopeTests/ConsumerPackageTests.swift"),
        Claim(document: "README.md", heading: "Using the HDF5 layer", language: "swift", count: 1,
              runBy: "Tests/NormScopeTests/ConsumerPackageTests.swift"),
        Claim(document: "README.md", heading: "Using the HDF5 layer", language: "python", count: 1,
              runBy: "Tests/NormScopeTests/ConsumerPackageTests.swift"),
        Claim(document: "README.md", heading: "OpenBLAS kernels", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeBenchDocTests.swift"),
        Claim(document: "README.md", heading: "OpenBLAS kernels", language: "text", count: 1, runBy: "",
              notCode: "what one run of the block above printed on this machine: a measurement, not a command"),
        Claim(document: "README.md", heading: "Training and recording", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeBenchDocTests.swift"),
        Claim(document: "README.md", heading: "Training and recording", language: "text", count: 1, runBy: "",
              notCode: "what one run of the block above printed on this machine: a measurement, not a command"),
        Claim(document: "README.md", heading: "Writing traces", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/ReadmeBenchDocTests.swift"),
        Claim(document: "README.md", heading: "Writing traces", language: "text", count: 1, runBy: "",
              notCode: "what one run of the block above printed on this machine: a measurement, not a command"),
        Claim(document: "analysis/ANALYZE_JSON.md",
              heading: "`normscope analyze --format json`, schema `normscope-analyze/2`", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/AnalyzeJSONDocTests.swift"),
        Claim(document: "analysis/ANALYZE_JSON.md",
              heading: "`normscope analyze --format json`, schema `normscope-analyze/2`", language: "python",
              count: 1, runBy: "Tests/NormScopeCLITests/AnalyzeJSONDocTests.swift"),
        Claim(document: "analysis/PYTHON.md", heading: "Install", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/PythonDocTests.swift"),
        Claim(document: "analysis/PYTHON.md", heading: "Example", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/PythonDocTests.swift"),
        Claim(document: "analysis/PYTHON.md", heading: "Example", language: "python", count: 1,
              runBy: "Tests/NormScopeCLITests/PythonDocTests.swift"),
        Claim(document: "analysis/PYTHON.md", heading: "Figures", language: "sh", count: 2,
              runBy: "Tests/NormScopeCLITests/PythonDocTests.swift analysis/tests/test_plot.py"),
        Claim(document: "analysis/PYTHON.md", heading: "Recording from PyTorch", language: "python", count: 2,
              runBy: "analysis/tests/test_torch_docs.py"),
        Claim(document: "analysis/PYTHON.md", heading: "Recording from PyTorch", language: "sh", count: 1,
              runBy: "analysis/tests/test_torch_docs.py"),
        Claim(document: "analysis/REPRODUCTION.md", heading: "Running the study", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/StudyDocTests.swift"),
        Claim(document: "analysis/TRACE_FORMAT.md", heading: "Layout", language: "", count: 1, runBy: "",
              notCode: "the tree of groups and datasets, a diagram; TraceSchema's tests check the layout itself"),
        Claim(document: "analysis/TRACE_FORMAT.md", heading: "Reading", language: "sh", count: 1,
              runBy: "Tests/NormScopeCLITests/TraceFormatDocTests.swift"),
        Claim(document: "analysis/TRACE_FORMAT.md", heading: "Reading", language: "python", count: 5,
              runBy: "Tests/NormScopeCLITests/TraceFormatDocTests.swift"),
        Claim(document: "analysis/TRACE_FORMAT.md", heading: "Live traces (SWMR)", language: "python", count: 1,
              runBy: "Tests/NormScopeCLITests/TraceFormatDocTests.swift"),
    ]

    /// README.md and every Markdown file in analysis/.
    static func documents() throws -> [String] {
        let analysis = try FileManager.default.contentsOfDirectory(atPath: MarkdownBlock.repositoryRoot + "/analysis")
        return ["README.md"] + analysis.filter { $0.hasSuffix(".md") }.sorted().map { "analysis/" + $0 }
    }

    @Test("each block of the docs is claimed by a test that reads its heading, and each claim still has its blocks")
    func everyBlockIsClaimed() throws {
        let root = MarkdownBlock.repositoryRoot
        var found: [String: Int] = [:]
        var lines: [String: [Int]] = [:]
        for document in try Self.documents() {
            let text = try String(contentsOfFile: root + "/" + document, encoding: .utf8)
            for block in MarkdownBlock.all(in: text) {
                let key = "\(document): \(block.heading): \(block.language)"
                found[key, default: 0] += 1
                lines[key, default: []].append(block.line)
            }
        }
        var claimed: [String: Int] = [:]
        for claim in Self.claims {
            claimed["\(claim.document): \(claim.heading): \(claim.language)", default: 0] += claim.count
            #expect(claim.runBy.isEmpty != claim.notCode.isEmpty, "\(claim.heading): either a test or a reason")
            for file in claim.runBy.split(separator: " ") {
                let source = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                // The test finds the blocks by their heading, so the heading's text must be in it, quoted.
                #expect(
                    source.contains("\"\(claim.heading)\"") || source.contains("## \(claim.heading)\""),
                    "\(file) does not read the blocks under '\(claim.heading)'")
            }
        }
        for (key, count) in found where claimed[key] != count {
            Issue.record("\(key) has \(count) block(s) (lines \(lines[key]!)), claimed \(claimed[key] ?? 0)")
        }
        for (key, count) in claimed where found[key] == nil {
            Issue.record("\(key): \(count) block(s) claimed, none in the document")
        }
    }
}
