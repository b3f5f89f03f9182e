import Analysis
import Foundation
import Tensors

/// `bench kernels`' figures: the training steps' products timed under each OpenBLAS core the CPU can run, each core
/// in a process of its own, in rounds whose order rotates so a slow spell of the machine lands on every core.
package struct KernelComparisonReport: Sendable, Codable, Equatable {
    /// The processor the figures come from.
    package var cpu: CPUIdentity
    /// The core NormScope uses when `OPENBLAS_CORETYPE` is unset, and why.
    package var coreInUse: String
    package var coreInUseReason: String
    package var rounds: Int
    package var repetitions: Int
    /// Per core, per round, the rates of every shape (`ModelProducts.measure`).
    package var measurements: [String: [[ModelProducts.Rate]]]
    /// The cores in the order they are reported.
    package var cores: [String]

    package init(
        cpu: CPUIdentity, coreInUse: String, coreInUseReason: String, rounds: Int, repetitions: Int,
        measurements: [String: [[ModelProducts.Rate]]], cores: [String]
    ) {
        self.cpu = cpu
        self.coreInUse = coreInUse
        self.coreInUseReason = coreInUseReason
        self.rounds = rounds
        self.repetitions = repetitions
        self.measurements = measurements
        self.cores = cores
    }

    /// The median over the rounds of one core's rate for shape `index`.
    func median(_ core: String, shape index: Int, shared: Bool) -> Double {
        Analysis.median(
            (measurements[core] ?? []).compactMap { round in
                round.indices.contains(index) ? (shared ? round[index].shared : round[index].oneTask) : nil
            })
    }

    /// Milliseconds one pass over every shape takes at a core's median shared rates: the products of one MLP step
    /// and one char-LM step, once each, as the step runs them.
    package func milliseconds(_ core: String) -> Double {
        ModelProducts.training.indices.map { index in
            2 * ModelProducts.training[index].multiplyAdds / (median(core, shape: index, shared: true) * 1e9) * 1e3
        }.reduce(0, +)
    }

    /// The aligned table `bench kernels` prints.
    package var table: String {
        let shapes = ModelProducts.training
        var rows: [[String]] = [["product", "m × n × k"] + cores]
        for (index, shape) in shapes.enumerated() {
            let cells = cores.map { core in
                String(
                    format: "%.0f / %.0f", median(core, shape: index, shared: false),
                    median(core, shape: index, shared: true))
            }
            rows.append([shape.name, "\(shape.m) × \(shape.n) × \(shape.k)"] + cells)
        }
        let reference = milliseconds(coreInUse)
        rows.append(["all of them once, shared", ""] + cores.map { String(format: "%.2f ms", milliseconds($0)) })
        rows.append(
            ["speed against \(coreInUse)", ""]
                + cores.map { String(format: "%.2f×", reference / milliseconds($0)) })
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        let tasks = measurements.values.first?.first?.first?.sharedTasks ?? 1
        return ([
            "Training-step products under each OpenBLAS core, GFLOP/s on 1 task / shared (up to \(tasks) task(s))",
            "CPU: \(cpu); NormScope uses \(coreInUse) (\(coreInUseReason))",
            "\(rounds) round(s), cores in rotating order, each process forced with OPENBLAS_CORETYPE; each figure the "
                + "median over rounds of the best of \(repetitions)",
            "",
        ] + lines).joined(separator: "\n")
    }

    /// The report as pretty-printed JSON with sorted keys.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
