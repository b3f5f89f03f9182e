import CBLAS
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which of OpenBLAS's CPU kernels the process uses, and the repair of choices that leave speed unused.
///
/// Debian 12's OpenBLAS (0.3.21, built with `DYNAMIC_ARCH`) picks its kernels at load time from the CPU's family and
/// model numbers, and two of its choices on this project's machines waste most of the CPU:
///
/// - For an Intel family-6 model it does not list — every Xeon after Sapphire Rapids, such as Emerald Rapids (model
///   207) — its table falls through to the Pentium 4 "Prescott" kernels: SSE3, no FMA, a ninth of the machine's
///   speed (on this project's Emerald Rapids VM, sgemm at 512³ on one core ran at 16 GFLOP/s with them and 140
///   GFLOP/s with the Cooperlake kernels).
/// - On an AMD EPYC Zen 5 (family 26), which has AVX-512 and BF16, it was seen to pick Haswell's AVX2 kernels
///   (0.3.21's table sends Zen 4, family 25, to Cooperlake when it has BF16, but has no entry for family 26): sgemm
///   at 512³ on one core ran there at 128–130 GFLOP/s with Haswell's kernels and 238–250 with SkylakeX's or
///   Cooperlake's.
///
/// So when the user did not choose a core (`OPENBLAS_CORETYPE` unset) and the CPU's features allow a newer core than
/// OpenBLAS's choice, the kernels are chosen again from the features in the order OpenBLAS's own fallback for
/// unknown CPUs uses (AVX-512 BF16 → Cooperlake, AVX-512 → SkylakeX, AVX2 + FMA → Haswell, AVX → Sandybridge),
/// through `gotoblas_dynamic_init` with `OPENBLAS_CORETYPE` set for the call, the library's documented way to force
/// a core. Every core a CPU can run gives the same results for any task count (`KernelIndependenceTests`), so the
/// choice changes speed, not correctness.
///
/// It runs once, before the first BLAS call the package makes; `BLAS` is the only door to OpenBLAS, so no product is
/// in flight while the kernels change.
public struct BLASKernelSelection: Sendable, Hashable {
    /// The kernels OpenBLAS chose by itself, as `openblas_get_corename` names them.
    public let chosenByOpenBLAS: String
    /// The kernels in use now.
    public let inUse: String
    /// Why NormScope changed or kept OpenBLAS's choice, in one sentence.
    public let reason: String

    /// Whether NormScope replaced OpenBLAS's choice.
    public var wasRepaired: Bool { chosenByOpenBLAS != inUse }

    /// OpenBLAS 0.3.21's x86-64 cores, oldest first, as `OPENBLAS_CORETYPE` names them: the `/proc/cpuinfo` flags
    /// their kernels need (SSE3 is "pni" there) and their rank by instruction set (Haswell and Zen share one: both
    /// AVX2 + FMA, and the same sgemm kernel). AMD's FMA4/XOP cores (Bulldozer to Excavator) are left out: no CPU of
    /// this project's machines has those instructions.
    private static let cores: [(name: String, rank: Int, needs: Set<String>)] = [
        ("Prescott", 0, ["pni"]),
        ("Core2", 1, ["ssse3"]),
        ("Nehalem", 2, ["sse4_2"]),
        ("Sandybridge", 3, ["avx"]),
        ("Haswell", 4, ["avx2", "fma"]),
        ("Zen", 4, ["avx2", "fma"]),
        ("SkylakeX", 5, avx512),
        ("Cooperlake", 6, avx512.union(["avx512_bf16"])),
    ]

    /// What OpenBLAS's AVX-512 kernels need: AVX-512 F with the registers' other halves (BW, VL, DQ).
    private static let avx512: Set<String> = ["avx512f", "avx512bw", "avx512dq", "avx512vl"]

    /// The rank of Sandybridge, the first core with AVX: below it Prescott is as good as any.
    private static let avxRank = 3

    /// The core OpenBLAS's feature-based fallback would take for a CPU with these `/proc/cpuinfo` flags (AVX-512
    /// BF16 → Cooperlake, AVX-512 → SkylakeX, AVX2 + FMA → Haswell, AVX → Sandybridge), or `nil` when it has no AVX.
    public static func preferredCore(cpuFlags flags: Set<String>) -> String? {
        let runnable = cores.filter { $0.needs.isSubset(of: flags) && $0.rank >= avxRank }
        // The first of the highest rank: Haswell, not Zen, as OpenBLAS's fallback takes.
        return runnable.first { $0.rank == runnable.last?.rank }?.name
    }

    /// The cores a CPU with these `/proc/cpuinfo` flags can execute, oldest first: the kernels a machine can be made
    /// to run, and so the ones whose results the tests check (`KernelIndependenceTests`).
    public static func runnableCores(cpuFlags flags: Set<String>) -> [String] {
        cores.filter { $0.needs.isSubset(of: flags) }.map(\.name)
    }

    /// The cores this machine's CPU can execute (see ``runnableCores(cpuFlags:)``).
    public static let runnableCores = runnableCores(cpuFlags: cpuFlags())

    /// Whether `preferred` uses newer instructions than `chosen`; never for a core not ranked here (another
    /// architecture's, or one this table does not know), whose choice is left to OpenBLAS.
    static func improves(on chosen: String, with preferred: String) -> Bool {
        func rank(_ name: String) -> Int? { cores.first { $0.name.lowercased() == name.lowercased() }?.rank }
        guard let was = rank(chosen), let better = rank(preferred) else { return false }
        return better > was
    }

    /// The flags of the first processor in `/proc/cpuinfo` (or `cpuinfo`), empty where there is no such file.
    ///
    /// The kernel lists AVX-512 there only when it also saves those registers, the condition OpenBLAS checks with
    /// `xgetbv` before it uses them.
    static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let flags = CPUIdentity.fieldsOfFirstProcessor(in: text)["flags"] ?? ""
        return Set(flags.split(separator: " ").map(String.init))
    }

    /// Checks OpenBLAS's choice once and repairs it if needed (see the type's documentation).
    static let current: BLASKernelSelection = selectOnce()

    private static func selectOnce() -> BLASKernelSelection {
        let chosen = String(cString: openblas_get_corename())
        func kept(_ reason: String) -> BLASKernelSelection {
            BLASKernelSelection(chosenByOpenBLAS: chosen, inUse: chosen, reason: reason)
        }
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else {
            return kept("OPENBLAS_CORETYPE chose the kernels")
        }
        let preferred = preferredCore(cpuFlags: cpuFlags())
        guard let preferred, improves(on: chosen, with: preferred) else {
            return kept("OpenBLAS chose the newest kernels this CPU can run")
        }
        #if canImport(Glibc)
            // Looked up at run time: a build of OpenBLAS without DYNAMIC_ARCH has neither function (nor a choice).
            let process = dlopen(nil, RTLD_NOW)
            guard let quitSymbol = dlsym(process, "gotoblas_dynamic_quit"),
                let initSymbol = dlsym(process, "gotoblas_dynamic_init")
            else { return kept("this OpenBLAS cannot change its kernels at run time") }
            typealias Hook = @convention(c) () -> Void
            setenv("OPENBLAS_CORETYPE", preferred, 1)
            unsafeBitCast(quitSymbol, to: Hook.self)()
            unsafeBitCast(initSymbol, to: Hook.self)()
            unsetenv("OPENBLAS_CORETYPE")
            let now = String(cString: openblas_get_corename())
            return BLASKernelSelection(
                chosenByOpenBLAS: chosen, inUse: now,
                reason: "OpenBLAS \(openBLASVersion) chose \(chosen)'s kernels on a CPU with newer instructions; "
                    + "\(now) chosen by the CPU's features")
        #else
            return kept("kernels are re-chosen on Linux only")
        #endif
    }

    /// `0.3.21` from OpenBLAS's configuration string.
    private static var openBLASVersion: String {
        let words = String(cString: openblas_get_config()).split(separator: " ")
        return words.count > 1 ? String(words[1]) : "?"
    }
}
