import Foundation
import Testing

@testable import Tensors

@Suite("BLAS kernel selection")
struct BLASKernelSelectionTests {
    @Test("the core follows the CPU's features, best first, as OpenBLAS's own fallback orders them")
    func preferredCoreByFeatures() {
        let avx512: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        #expect(BLASKernelSelection.preferredCore(cpuFlags: avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(BLASKernelSelection.preferredCore(cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["avx", "avx2"]) == "SandyBridge")
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["sse3", "ssse3"]) == nil)
        // AVX-512 without the registers' other halves (BW, VL, DQ) is not SkylakeX.
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["avx", "avx2", "fma", "avx512f"]) == "Haswell")
    }

    @Test("the flags are read from the cpuinfo format, and a missing file gives none")
    func readsCPUInfo() throws {
        let path = NSTemporaryDirectory() + "cpuinfo-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "processor\t: 0\nmodel\t\t: 207\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: other\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: path) == ["fpu", "sse3", "avx2", "fma"])
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: path + "-missing").isEmpty)
    }

    @Test("on a CPU with AVX, the kernels in use are never Prescott's")
    func noPrescottKernelsOnAVXMachines() {
        let selection = BLAS.kernelSelection
        #expect(!selection.reason.isEmpty)
        if BLASKernelSelection.preferredCore(cpuFlags: BLASKernelSelection.cpuFlags()) != nil,
            ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil
        {
            #expect(BLAS.coreName.lowercased() != "prescott", "\(selection)")
            #expect(selection.inUse == BLAS.coreName)
        }
    }
}
