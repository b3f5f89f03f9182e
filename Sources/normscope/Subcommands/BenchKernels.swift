import ArgumentParser
import Benchmarks
import Foundation
import Tensors

extension NormScope.Bench {
    /// `normscope bench kernels`: the training steps' products under every OpenBLAS core this CPU can run.
    struct Kernels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the training steps' matrix products under each OpenBLAS core this CPU can run.",
            discussion: """
                OpenBLAS picks its kernels by CPU, not always the fastest ones (Prescott on an Emerald Rapids Xeon, \
                Haswell on an AVX-512 AMD EPYC); NormScope replaces an older choice by the newest core the CPU's \
                features allow. This measures whether that is right for NormScope's own products: each core runs in \
                a process of its own (OPENBLAS_CORETYPE), in rounds whose order rotates, and the table gives each \
                product's GFLOP/s on one task and shared among the tasks a step uses, the time of all of them once, \
                and each core's speed against the one NormScope uses. Build with -c release.
                """
        )

        @Option(help: "Rounds over the cores (medians are taken over them).")
        var rounds = 3

        @Option(help: "Timings of each product per round; the best counts.")
        var repetitions = 20

        @Option(
            help: ArgumentHelp("Only these cores, comma-separated (default: all the CPU runs).", valueName: "names")
        )
        var cores: String?

        @OptionGroup var output: JSONOutput

        @Flag(help: .hidden)
        var worker = false

        func validate() throws {
            try output.check(inputs: [])
            guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
            guard repetitions >= 1 else {
                throw ValidationError("--repetitions must be at least 1, got \(repetitions)")
            }
            let runnable = BLASKernelSelection.runnableCores
            for core in chosenCores where !runnable.contains(core) {
                throw ValidationError(
                    "--cores: this CPU cannot run '\(core)'; it runs \(runnable.joined(separator: ", "))")
            }
        }

        /// The cores asked for, spelled as ``BLASKernelSelection/runnableCores`` spells them.
        private var chosenCores: [String] {
            guard let cores else { return BLASKernelSelection.runnableCores }
            let runnable = BLASKernelSelection.runnableCores
            return cores.split(separator: ",").map { name in
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                return runnable.first { $0.lowercased() == trimmed.lowercased() } ?? trimmed
            }
        }

        func run() throws {
            if worker {
                // One process, one core: the parent set OPENBLAS_CORETYPE; the rates go out as JSON.
                let rates = ModelProducts.measure(repetitions: repetitions)
                FileHandle.standardOutput.write(try JSONEncoder().encode(rates))
                return
            }
            let selection = BLAS.kernelSelection
            // The kernels NormScope uses are the reference every ratio is taken against, so they are always timed.
            let cores = chosenCores.contains(selection.inUse) ? chosenCores : chosenCores + [selection.inUse]
            var measurements: [String: [[ModelProducts.Rate]]] = [:]
            for round in 0..<rounds {
                for offset in cores.indices {
                    let core = cores[(offset + round) % cores.count]
                    FileHandle.standardError.write(Data("round \(round + 1) of \(rounds): \(core)…\n".utf8))
                    measurements[core, default: []].append(try measure(core: core))
                }
            }
            let report = KernelComparisonReport(
                cpu: .current, coreInUse: selection.inUse, coreInUseReason: selection.reason, rounds: rounds,
                repetitions: repetitions, measurements: measurements, cores: cores)
            try output.publish(table: report.table, json: report.json())
        }

        /// One worker process under `core`'s kernels.
        private func measure(core: String) throws -> [ModelProducts.Rate] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["bench", "kernels", "--worker", "--repetitions", "\(repetitions)"]
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_CORETYPE"] = core
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                let rates = try? JSONDecoder().decode([ModelProducts.Rate].self, from: data)
            else {
                throw BenchmarkFailure(
                    message: "the worker timing OpenBLAS's \(core) kernels failed (exit \(process.terminationStatus)); "
                        + "leave that core out with --cores")
            }
            return rates
        }
    }
}
