import Foundation
import Recording

/// Trains the runs of a sweep into one trace writer, `jobs` at a time: each worker thread takes the next run in
/// sweep order, trains it on one core, and writes through its own sink; the writer's thread owns the file, so the
/// workers never touch HDF5. A run's rows depend on its settings and seed only (the kernels give the same bits
/// whatever their split, see `RowParallel`), so they are the same for every `jobs`.
///
/// Each run's ``Trainer`` (its model and optimizer state) is built by the worker that takes the run and dropped when
/// the run ends, so a sweep holds one model per worker however many runs it has.
///
/// `@unchecked Sendable`: a trainer is used by the one worker that built it, `makeTrainer` reads only what it
/// captured, and everything shared — the queue position, the summaries, the first failure, the observer — is
/// touched only while `lock` is held.
final class SweepRunner: @unchecked Sendable {
    /// Every run of the sweep, in sweep order.
    private let runs: [(id: String, configuration: RunConfiguration)]
    private let makeTrainer: (Int) throws -> Trainer
    private let order: [Int]
    private let writer: TraceWriter
    private let observer: any SweepProgressObserver
    private let shouldStop: @Sendable () -> Bool
    private let lock = NSLock()
    private var next = 0
    private var stepsDone = 0
    private var totalSteps: Int
    private let start = ContinuousClock.now
    private(set) var failure: (any Error)?
    private(set) var summaries: [Int: SweepRecorder.Summary] = [:]

    /// - Parameters:
    ///   - runs: every run of the sweep, in sweep order (indices are shown as `[i/n]`).
    ///   - indices: the runs to train, in order (the others are kept from a resumed trace).
    ///   - makeTrainer: builds run `index`'s trainer, on the worker that trains it.
    init(
        runs: [(id: String, configuration: RunConfiguration)], indices: [Int], writer: TraceWriter,
        observer: any SweepProgressObserver, shouldStop: @escaping @Sendable () -> Bool,
        makeTrainer: @escaping (Int) throws -> Trainer
    ) {
        self.runs = runs
        self.makeTrainer = makeTrainer
        order = indices
        self.writer = writer
        self.observer = observer
        self.shouldStop = shouldStop
        totalSteps = indices.reduce(0) { $0 + runs[$1].configuration.steps }
    }

    /// Trains every run, with `jobs` workers (the calling thread alone when 1), and returns when all have ended.
    func run(jobs: Int) {
        let workers = max(1, min(jobs, order.count))
        if workers == 1 { return work() }
        let group = DispatchGroup()
        for number in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                work()
                group.leave()
            }
            thread.name = "normscope.run-\(number)"
            // Deep enough for any model's forward and backward, as the main thread's.
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    /// Takes runs until none is left, the sweep is stopped, or a run failed.
    private func work() {
        while let index = take() {
            let sink = TraceWriterSink(writer: writer)
            do {
                let trainer = try makeTrainer(index)
                let outcome = try trainer.run(
                    into: sink, shouldStop: { [self] in shouldStop() || lock.withLock { failure != nil } },
                    progress: { [self] progress in
                        lock.withLock {
                            stepsDone += 1
                            observer.step(progress, sweep: sweepProgress)
                        }
                    })
                let best = sink.evaluations.filter { $0.validLoss.isFinite }.min { $0.validLoss < $1.validLoss }
                lock.withLock {
                    // A run that ended early will not take its remaining steps.
                    totalSteps -= trainer.configuration.steps - outcome.completedSteps
                    observer.runFinished(id: trainer.id, outcome: outcome)
                    summaries[index] = SweepRecorder.Summary(
                        id: trainer.id, outcome: outcome, lastEvaluation: sink.evaluations.last, bestValidation: best)
                }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// The next run to train, announced to the observer, or nil when the sweep is done or must stop.
    private func take() -> Int? {
        if shouldStop() { return nil }
        return lock.withLock { () -> Int? in
            guard failure == nil, next < order.count else { return nil }
            let index = order[next]
            next += 1
            observer.runStarted(
                index: index, count: runs.count, id: runs[index].id, steps: runs[index].configuration.steps)
            return index
        }
    }

    private var sweepProgress: SweepProgress {
        SweepProgress(
            stepsDone: stepsDone, totalSteps: max(totalSteps, stepsDone),
            elapsedSeconds: (ContinuousClock.now - start).inSeconds)
    }
}
