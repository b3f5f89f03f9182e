import Foundation
import TestSupport
import Tensors
import Testing

/// The README's `bench train` lines run as written from the repository's root, with the built binary for
/// `swift run -c release normscope` and `--warmup 0 --steps 1` appended (the last `--steps` wins): a debug build
/// takes seconds per char-LM step, and what the lines depend on is their options, the workloads and the PyTorch
/// worker, not the figures. Without torch (as in CI) the PyTorch side is skipped with its one line.
@Suite("README bench train lines", .serialized)
struct ReadmeBenchDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("both lines of the 'Training and recording' block exit 0; the second writes its JSON")
    func benchLinesRun() throws {
        let binary = try #require(executable)
        let block = try #require(
            try MarkdownBlock.blocks("sh", under: "Training and recording", inFile: "README.md").first)
        let prefix = "swift run -c release normscope "
        let lines = block.split(separator: "\n").map(String.init)
        try #require(lines.count == 2 && lines.allSatisfy { $0.hasPrefix(prefix + "bench train") }, "\(block)")
        let directory = TemporaryDirectory()
        let json = directory.file("train.json")
        for line in lines {
            // Comments after the command are the shell's; the JSON goes to the temporary folder, not the checkout.
            let command = line.replacingOccurrences(of: prefix, with: "'\(binary)' ")
                .replacingOccurrences(of: "--json train.json", with: "--json '\(json)'")
            let script = "cd '\(MarkdownBlock.repositoryRoot)' && \(command.split(separator: "#")[0]) --warmup 0 --steps 1"
            let output = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
            #expect(output.status == 0, "\(line)\n\(output.standardError.suffix(2000))")
            // Both variants of NormScope are timed whether or not torch is installed.
            for variant in ["NormScope, recording off", "NormScope, full recording"] {
                #expect(output.standardOutput.contains(variant), "no \(variant) in:\n\(output.standardOutput)")
            }
        }
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(written is [String: Any], "train.json is not a JSON object")
    }

    @Test("the 'OpenBLAS kernels' line exits 0 and times every core this CPU runs against the one in use")
    func benchKernelsLineRuns() throws {
        let binary = try #require(executable)
        // One round of one timing each: what the line depends on is the workers under each core, not the figures.
        let output = try runOneLineBlock(
            under: "OpenBLAS kernels", command: "bench kernels", appending: "--rounds 1 --repetitions 1")
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        let cores = BLASKernelSelection.runnableCores
        let header = output.standardOutput.split(separator: "\n").first { $0.hasPrefix("product ") } ?? ""
        #expect(cores.allSatisfy { header.contains($0) }, "\(cores) not all in: \(header)")
        for expected in ["CPU: \(CPUIdentity.current)", "NormScope uses \(BLAS.coreName)", "mlp forward X·W",
                         "speed against \(BLAS.coreName)"] {
            #expect(output.standardOutput.contains(expected), "\(expected): \(output.standardOutput)")
        }
        // A core the CPU cannot run, or a misspelt one, is one line and exit 1 before any worker starts.
        let bad = try ChildProcess.run(binary, arguments: ["bench", "kernels", "--cores", "Haswell,Bogus"])
        expectOneLineError(bad, ["--cores: this CPU cannot run 'Bogus'"])
        #expect(bad.status == 1)
    }

    @Test("the 'Writing traces' line exits 0 and prints both paths, the speedup and the identical rows")
    func benchWriteLineRuns() throws {
        // A debug build writes a gigabyte in minutes; the last --size-gb and --rounds win.
        let output = try runOneLineBlock(
            under: "Writing traces", command: "bench write", appending: "--size-gb 0.004 --rounds 1")
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        for expected in ["HDF5's filters on the writer thread", "H5Dwrite_chunk", "speedup, median", "(target ≥ 3×)",
                         "same rows in both files: yes"] {
            #expect(output.standardOutput.contains(expected), "\(expected): \(output.standardOutput)")
        }
    }

    /// Runs the one `swift run -c release normscope COMMAND …` line of the README's sh block under `heading` from
    /// the repository's root, with the built binary and `extra` appended (the last of a repeated option wins).
    private func runOneLineBlock(under heading: String, command: String, appending extra: String) throws
        -> ChildProcess.Output
    {
        let binary = try #require(executable)
        let block = try #require(try MarkdownBlock.blocks("sh", under: heading, inFile: "README.md").first)
        let prefix = "swift run -c release normscope "
        let line = block.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(line.hasPrefix(prefix + command) && !line.contains("\n"), "\(block)")
        let shellCommand = line.replacingOccurrences(of: prefix, with: "'\(binary)' ")
        let script = "cd '\(MarkdownBlock.repositoryRoot)' && \(shellCommand.split(separator: "#")[0]) \(extra)"
        return try ChildProcess.run("/bin/bash", arguments: ["-c", script])
    }
}
