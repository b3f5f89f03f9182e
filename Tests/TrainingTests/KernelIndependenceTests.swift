import Foundation
import Tensors
import TestSupport
import Testing

/// The bit-identity tests under every OpenBLAS kernel this CPU can execute, not only the one it picks.
///
/// Whether a product can be shared among tasks without changing a bit depends on how the kernel in use sums its
/// register blocks (see `ParallelProduct`), and OpenBLAS picks its kernels by CPU: a suite that only ran under the
/// chosen ones passed on an Intel machine (Cooperlake kernels) and failed on an AMD one (Haswell kernels). So this
/// runs the products' and the char-LM steps' tests again in a child process of this test binary for each core the
/// CPU can run, forced with `OPENBLAS_CORETYPE` (which NormScope never overrides), in parallel, one case per core.
@Suite("Results independent of the core count under every OpenBLAS kernel")
struct KernelIndependenceTests {
    /// The suites run again under each kernel.
    static let suites = ["ParallelProductTests", "CoreCountIndependenceTests"]

    @Test(
        "shared products and two char-LM steps give the same bits on any number of tasks, under each kernel",
        arguments: BLASKernelSelection.runnableCores)
    func bitIdenticalUnder(core: String) throws {
        let testBinary = CommandLine.arguments[0]
        try #require(
            testBinary.hasSuffix(".xctest") && FileManager.default.isExecutableFile(atPath: testBinary),
            "expected to run inside the package's test binary, got \(testBinary)")
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = core
        environment["NO_COLOR"] = "1"
        let output = try ChildProcess.run(
            testBinary,
            arguments: ["--testing-library", "swift-testing", "--filter", Self.suites.joined(separator: "|")],
            environment: environment)
        let text = output.standardOutput + output.standardError
        let failures = text.split(separator: "\n").filter { $0.contains("failed") || $0.contains("recorded an issue") }
        #expect(
            output.status == 0,
            "under \(core)'s kernels (exit \(output.status)):\n\(failures.prefix(20).joined(separator: "\n"))")
        // The child must really have run both suites: a filter that matched nothing also exits 0.
        let summary = text.split(separator: "\n").first { $0.contains("Test run with") } ?? "no summary"
        #expect(summary.contains("in \(Self.suites.count) suites passed"), "under \(core): \(summary)")
    }

    @Test("the cores listed for this CPU include the one OpenBLAS or NormScope chose")
    func listIncludesTheCoreInUse() {
        let cores = BLASKernelSelection.runnableCores.map { $0.lowercased() }
        let inUse = BLAS.coreName.lowercased()
        // A CPU older than SSE3 runs none of the listed cores, and then OpenBLAS's own choice is all there is.
        if !cores.isEmpty, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(cores.contains(inUse), "\(inUse) not in \(cores)")
        }
    }
}
