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
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["avx", "avx2"]) == "Sandybridge")
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["sse3", "ssse3"]) == nil)
        // AVX-512 without the registers' other halves (BW, VL, DQ) is not SkylakeX.
        #expect(BLASKernelSelection.preferredCore(cpuFlags: ["avx", "avx2", "fma", "avx512f"]) == "Haswell")
    }

    @Test("OpenBLAS's choice is replaced only by a newer core: Prescott on Emerald Rapids, Haswell on AVX-512 AMD")
    func replacesOnlyOlderCores() {
        #expect(BLASKernelSelection.improves(on: "Prescott", with: "Cooperlake"))
        #expect(BLASKernelSelection.improves(on: "Haswell", with: "Cooperlake"))
        #expect(BLASKernelSelection.improves(on: "Zen", with: "SkylakeX"))
        #expect(BLASKernelSelection.improves(on: "Sandybridge", with: "Haswell"))
        // Same rank or older: OpenBLAS's choice stands (Zen 2/3 keep Zen's tuned kernels).
        #expect(!BLASKernelSelection.improves(on: "Zen", with: "Haswell"))
        #expect(!BLASKernelSelection.improves(on: "Cooperlake", with: "SkylakeX"))
        #expect(!BLASKernelSelection.improves(on: "Cooperlake", with: "Cooperlake"))
        // Cores not ranked (another architecture's, a newer OpenBLAS's) are left alone.
        #expect(!BLASKernelSelection.improves(on: "SapphireRapids", with: "Cooperlake"))
        #expect(!BLASKernelSelection.improves(on: "NEOVERSEN1", with: "Cooperlake"))
    }

    @Test("the cores a CPU can run follow its flags, oldest first")
    func runnableCoresFollowFlags() {
        let zen5: Set<String> = [
            "pni", "ssse3", "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl",
            "avx512_bf16",
        ]
        #expect(
            BLASKernelSelection.runnableCores(cpuFlags: zen5)
                == ["Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"])
        #expect(
            BLASKernelSelection.runnableCores(cpuFlags: ["pni", "ssse3", "sse4_2", "avx", "avx2", "fma"])
                == ["Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen"])
        #expect(BLASKernelSelection.runnableCores(cpuFlags: []).isEmpty)
    }

    @Test("the CPU is named by vendor, family, model and name from the first processor of cpuinfo")
    func cpuIdentity() {
        let text = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 26
            model\t\t: 17
            model name\t: AMD EPYC 9B45

            processor\t: 1
            vendor_id\t: Other
            """
        let cpu = CPUIdentity(cpuinfo: text)
        #expect(cpu.vendor == "AuthenticAMD" && cpu.family == 26 && cpu.model == 17)
        #expect(cpu.description == "AuthenticAMD family 26 model 17 (AMD EPYC 9B45)")
        #expect(CPUIdentity(cpuinfo: "").description == "unknown vendor")
        #expect(!CPUIdentity.current.vendor.isEmpty)
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
