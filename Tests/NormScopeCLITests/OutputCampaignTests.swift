import Foundation
import TestSupport
import Testing

/// The file-safety campaign (`analysis/output_campaign.py`) in small: the README's command with `--quick`, the fixed
/// set of cases that covers each writing command's worst hazards — a folder full of files, its own input by a hard
/// or symbolic link, an existing file with and without `--force`, a device node, a missing folder, an odd name, two
/// interrupts 1 ms apart. Each case checksums everything in its sandbox before and after, and fails on any file lost
/// or changed, anything left behind, a wrong outcome or a message that is not one clean line.
///
/// It runs the README's command as written with three things changed for a test: the built binary for
/// `.build/release/normscope`, `--quick` added, and the output under the temporary folder.
@Suite("file-safety campaign")
struct OutputCampaignTests {
    @Test("the README's campaign, quick set: 0 files lost, no leftover, no bad outcome or message")
    func quickCampaign() throws {
        let normscope = try #require(ChildProcess.builtProduct("normscope"), "normscope is not built next to the tests")
        // Failing cases' sandboxes are kept here (replaced on every run) for replaying.
        let kept = (NSTemporaryDirectory() as NSString).appendingPathComponent("normscope-output-campaign")
        try? FileManager.default.removeItem(atPath: kept)
        let command = try DocumentedCampaign.command(
            under: "What a command writes", containing: "output_campaign.py",
            replacing: [
                ("--normscope .build/release/normscope", "--normscope '\(normscope)' --quick"),
                ("--out campaign-out", "--out '\(kept)'"),
                ("--json campaign-out/summary.json", "--json '\(kept)/summary.json'"),
            ])
        let output = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(MarkdownBlock.repositoryRoot)' && \(command)"])
        #expect(
            output.status == 0,
            """
            output_campaign.py exited \(output.status); failing sandboxes are in \(kept). Its output:
            \(output.standardOutput)
            \(output.standardError)
            """)
        // The summary must say what ran, so that a pass cannot come from a campaign that ran nothing.
        #expect(output.standardOutput.contains("16 cases (6 commands"), "\(output.standardOutput)")
        #expect(output.standardOutput.contains("0 failed; 0 files lost"), "\(output.standardOutput)")
    }
}
