import Foundation
import TestSupport
import Testing

/// Another package can depend on a tagged NormScope and use it as the README says: the README's manifest and
/// `main.swift`, built against a tagged snapshot of this repository, print the output the README shows; the
/// README's other Swift snippets (the NormLayer example, the HDF5 layer's), as two more executables of the same
/// package, compile and run, and the Python block after the HDF5 snippet reads the file it wrote.
///
/// This is what the unsafe flags this package once had broke: SwiftPM refuses a dependency required by version
/// whose targets carry unsafe flags, whatever the code. It is the suite's slowest test (a debug build of the
/// library modules, one to three minutes on two cores; seconds when the sources have not changed since the last
/// run, see ``ConsumerWorkspace``). Resolving needs no network where git serves github.com from a local mirror.
@Suite("A package depending on a tagged NormScope")
struct ConsumerPackageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The README's placeholder for this repository's address, replaced by the snapshot's.
    static let placeholderURL = "https://github.com/OWNER/normscope.git"

    @Test("the README's library manifest and example build against a tagged snapshot and print what it says")
    func readmeExampleAsAConsumer() throws {
        let swift = try MarkdownBlock.blocks("swift", under: "Using NormScope as a library", inFile: "README.md")
        let text = try MarkdownBlock.blocks("text", under: "Using NormScope as a library", inFile: "README.md")
        try #require(swift.count == 2 && text.count == 1, "expected a manifest, a main.swift and an output block")
        let (manifest, main, expected) = (swift[0], swift[1], text[0])
        try #require(manifest.contains(Self.placeholderURL) && manifest.contains("from: \"0.1.0\""))
        try #require(manifest.contains(".executableTarget(name: \"MyStudy\""))
        try #require(main.hasPrefix("import NormScope\n"))

        let normLayer = try MarkdownBlock.blocks("swift", under: "The normalization variants", inFile: "README.md")
        let hdf5 = try MarkdownBlock.blocks("swift", under: "Using the HDF5 layer", inFile: "README.md")
        let hdf5Python = try MarkdownBlock.blocks("python", under: "Using the HDF5 layer", inFile: "README.md")
        try #require(normLayer.count == 1 && hdf5.count == 1 && hdf5Python.count == 1)

        // The snippets become executables of the README's package, so one build of the library serves all three.
        let readmeTarget =
            #".executableTarget(name: "MyStudy", dependencies: [.product(name: "NormScope", package: "normscope")])"#
        try #require(manifest.contains(readmeTarget), "the README's manifest no longer declares \(readmeTarget)")
        let snippetTargets = ["NormLayerSnippet", "HDF5Snippet"].map {
            readmeTarget.replacingOccurrences(of: "\"MyStudy\"", with: "\"\($0)\"")
        }
        let workspace = try ConsumerWorkspace.make(snapshotOf: Self.root, tag: "0.1.0")
        try workspace.writeConsumerFile(
            "Package.swift",
            manifest.replacingOccurrences(of: Self.placeholderURL, with: "file://" + workspace.repository)
                .replacingOccurrences(
                    of: readmeTarget, with: ([readmeTarget] + snippetTargets).joined(separator: ",\n        ")))
        try workspace.writeConsumerFile("Sources/MyStudy/main.swift", main)
        try workspace.writeConsumerFile("Sources/NormLayerSnippet/main.swift", normLayer[0])
        try workspace.writeConsumerFile("Sources/HDF5Snippet/main.swift", hdf5[0])

        // A debug build: the test is about resolving and compiling against the product, not about speed.
        let build = try ChildProcess.run(
            "/usr/bin/env",
            arguments: [
                "timeout", "1200", "swift", "build", "--package-path", workspace.consumer,
                "--scratch-path", workspace.scratch, "--cache-path", workspace.cache,
            ])
        try #require(
            build.status == 0,
            "swift build of the consumer failed:\n\(build.standardError.suffix(3000))\n\(build.standardOutput.suffix(3000))"
        )

        let run = try ChildProcess.run(workspace.scratch + "/debug/MyStudy", arguments: [])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput == expected, "printed:\n\(run.standardOutput)")

        // The NormLayer snippet prints four statistics of AdaNorm's step: all finite, the rescale ratio ≥ 0.
        let variants = try ChildProcess.run(workspace.scratch + "/debug/NormLayerSnippet", arguments: [])
        #expect(variants.status == 0, "\(variants.standardError)")
        let printed = variants.standardOutput.split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(
            printed.count == 4 && printed.allSatisfy(\.isFinite) && printed[1] >= 0,
            "printed: \(variants.standardOutput)")

        // The HDF5 snippet writes run.h5 where it runs; the Python block after it reads the two rows back.
        let directory = TemporaryDirectory()
        let script = [
            "set -e", "cd '\(directory.path)'", "'\(workspace.scratch)/debug/HDF5Snippet'",
            "python3 - <<'PY'", hdf5Python[0] + #"print(df.to_dict("list"))"#, "PY",
        ].joined(separator: "\n")
        let hdf5Run = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
        #expect(hdf5Run.status == 0, "\(hdf5Run.standardError)")
        #expect(hdf5Run.standardOutput.contains("'step': [0, 1]"), "printed: \(hdf5Run.standardOutput)")
        #expect(
            hdf5Run.standardOutput.contains("'loss': [2.299999952316284, 2.2100000381469727]"),
            "printed: \(hdf5Run.standardOutput)")
    }
}
