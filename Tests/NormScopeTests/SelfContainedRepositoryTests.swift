import Foundation
import TestSupport
import Testing

/// Nothing in the repository points at a file that is not in it: the project's background notes lived beside the
/// repository (a paper summary, a design note), and the program's output once cited one of them.
@Suite("The repository refers only to itself")
struct SelfContainedRepositoryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("no tracked file names the notes kept outside the repository")
    func noOutsideReferences() throws {
        let listing = try ChildProcess.run("/usr/bin/env", arguments: ["git", "-C", Self.root, "ls-files"])
        try #require(listing.status == 0, "git ls-files failed: \(listing.standardError)")
        let files = listing.standardOutput.split(separator: "\n").map(String.init)
        try #require(files.count > 100)
        // Spelled in pieces so that this file does not match itself.
        let outside = ["PAPER" + ".md", "DESIGN" + ".md", "CONVENTIONS" + ".md", "../" + "shared"]
        var offenders: [String] = []
        for file in files where !file.hasSuffix(".h5") && !file.hasSuffix(".png") && !file.hasSuffix(".gz") {
            guard let text = try? String(contentsOfFile: Self.root + "/" + file, encoding: .utf8) else { continue }
            for name in outside where text.contains(name) { offenders.append("\(file): \(name)") }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "; "))")
    }
}
