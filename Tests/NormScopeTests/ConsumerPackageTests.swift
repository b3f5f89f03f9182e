import Foundation
import TestSupport
import Testing

/// Another package can depend on a tagged NormScope and use it as the README says: the README's manifest and
/// `main.swift`, built against a tagged snapshot of this repository, print the output the README shows.
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
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let section = try MarkdownSection("Using NormScope as a library", in: readme)
        let swift = section.blocks("swift")
        let text = section.blocks("text")
        try #require(swift.count == 2 && text.count == 1, "expected a manifest, a main.swift and an output block")
        let (manifest, main, expected) = (swift[0], swift[1], text[0])
        try #require(manifest.contains(Self.placeholderURL) && manifest.contains("from: \"0.1.0\""))
        try #require(manifest.contains(".executableTarget(name: \"MyStudy\""))
        try #require(main.hasPrefix("import NormScope\n"))

        let workspace = try ConsumerWorkspace.make(snapshotOf: Self.root, tag: "0.1.0")
        try workspace.writeConsumerFile(
            "Package.swift",
            manifest.replacingOccurrences(of: Self.placeholderURL, with: "file://" + workspace.repository))
        try workspace.writeConsumerFile("Sources/MyStudy/main.swift", main)

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
    }
}
