import Analysis
import ArgumentParser
import Benchmarks
import Foundation
import Training

extension NormScope.Bench {
    /// `normscope bench sweep`: the demo sweep's wall time with one run at a time against `--jobs` runs at once.
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The demo sweep's wall time with --jobs 1 against --jobs N, interleaved, and their ratio.",
            discussion: """
                Records the demo sweep (digits MLP, five variants × 2 seeds) into temporary traces, alternating \
                --jobs 1 and --jobs N for --repeats rounds, and prints each variant's median wall time and the \
                ratio N/1 (the target for N = 2 is ≤ 0.55). Build with -c release for meaningful figures.
                """
        )

        @Option(parsing: .unconditional, help: "Runs at once in the parallel variant.")
        var jobs: Int = 2

        @Option(parsing: .unconditional, help: "Training steps per run (the demo's default is 2000).")
        var steps: Int = 500

        @Option(parsing: .unconditional, help: "Rounds of the two variants.")
        var repeats: Int = 3

        func validate() throws {
            for (option, value) in [("--jobs", jobs), ("--steps", steps), ("--repeats", repeats)] where value < 1 {
                throw OptionValueError("\(option) \(value): must be a positive whole number")
            }
        }

        func run() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "normscope-bench-sweep-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let sweep = try NormScope.Demo.sweep(steps: steps)
            var times: [Int: [Double]] = [1: [], jobs: []]
            for round in 1...repeats {
                // Alternating, so that a slow spell of this machine falls on both variants alike.
                for variant in round % 2 == 1 ? [1, jobs] : [jobs, 1] {
                    var options = SweepRecorder.Options(
                        output: directory.appendingPathComponent("jobs\(variant).h5").path, overwrite: true,
                        flushEvery: 500, commandLine: ["normscope", "bench", "sweep"], shard: (0, 1))
                    options.jobs = variant
                    let start = ContinuousClock.now
                    _ = try SweepRecorder(sweep: sweep, options: options).record(progress: ProgressDisplay(quiet: true))
                    let seconds = (ContinuousClock.now - start).inSeconds
                    times[variant, default: []].append(seconds)
                    FileHandle.standardError.write(
                        Data("round \(round): --jobs \(variant) \(String(format: "%.2f", seconds)) s\n".utf8))
                }
            }
            let one = median(times[1]!)
            let many = median(times[jobs]!)
            print("Demo sweep, 10 runs × \(steps) steps, \(repeats) interleaved rounds, median wall time")
            print("--jobs 1   \(String(format: "%8.2f", one)) s")
            print("--jobs \(jobs)   \(String(format: "%8.2f", many)) s")
            print("ratio \(jobs)/1: \(String(format: "%.2f", many / one))\(jobs == 2 ? " (target ≤ 0.55)" : "")")
        }
    }
}
