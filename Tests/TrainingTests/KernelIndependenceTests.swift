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
        let child = try TestBinaryChild.run(
            filter: Self.suites.joined(separator: "|"), environment: ["OPENBLAS_CORETYPE": core])
        let failures = child.failures.prefix(20).joined(separator: "\n")
        let passed = child.passed(suites: Self.suites.count)
        #expect(
            passed,
            "under \(core)'s kernels (exit \(child.status), \(child.summary)):\n\(failures)")
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
