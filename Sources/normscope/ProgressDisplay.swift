import Foundation
import Tensors
import Training

/// Shows a sweep's progress on standard error: a redrawn bar with steps/s, the run's and the whole sweep's ETA and
/// the loss on a terminal, a plain line every 10% of a run otherwise, nothing with `--quiet`. With several runs at
/// once (`--jobs`), the bar follows whichever run reported last and every line names its run. Standard output is
/// left to the results.
final class ProgressDisplay: SweepProgressObserver {
    private let quiet: Bool
    private let terminal: Bool
    /// Per run being trained: its label, when it started, the last tenth reported on a plain stream.
    private var runs: [String: (label: String, start: ContinuousClock.Instant, tenth: Int)] = [:]
    private var lastDraw = ContinuousClock.now

    init(quiet: Bool) {
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) == 1
    }

    func runStarted(index: Int, count: Int, id: String, steps: Int) {
        let label = "[\(index + 1)/\(count)] \(id)"
        runs[id] = (label, .now, 0)
        if !quiet && !terminal { write("\(label): \(steps) steps\n") }
    }

    func step(_ progress: Trainer.Progress, sweep: SweepProgress) {
        guard !quiet, let run = runs[progress.runID] else { return }
        let now = ContinuousClock.now
        let elapsed = (now - run.start).inSeconds
        let rate = elapsed > 0 ? Double(progress.step) / elapsed : 0
        let eta = rate > 0 ? Double(progress.steps - progress.step) / rate : 0
        let percent = 100 * progress.step / max(progress.steps, 1)
        let sweepPart = sweep.remainingSeconds.map {
            "sweep \(100 * sweep.stepsDone / max(sweep.totalSteps, 1))% ETA \(clock($0))"
        } ?? ""
        if terminal {
            // Redraw at most 10 times a second; the last step always.
            guard (now - lastDraw).inSeconds >= 0.1 || progress.step == progress.steps else { return }
            lastDraw = now
            let width = 24
            let filled = width * progress.step / max(progress.steps, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write(
                "\r\(run.label) \(bar) \(progress.step)/\(progress.steps)  \(Int(rate)) steps/s  ETA \(clock(eta))  "
                    + "loss \(String(format: "%.4f", progress.loss))  \(sweepPart)\u{1B}[K")
        } else if percent / 10 > run.tenth {
            // Once per tenth of the run, whether or not a step lands exactly on a multiple of 10%.
            runs[progress.runID]?.tenth = percent / 10
            write(
                "\(run.label): step \(progress.step)/\(progress.steps) (\(percent)%), \(Int(rate)) steps/s, "
                    + "ETA \(clock(eta)), loss \(String(format: "%.4f", progress.loss)); \(sweepPart)\n")
        }
    }

    func runFinished(id: String, outcome: RunOutcome) {
        guard !quiet else { return }
        let label = runs.removeValue(forKey: id)?.label ?? id
        var text =
            "\(label): \(outcome.status.rawValue) after \(outcome.completedSteps) steps in \(clock(outcome.seconds))"
        if let step = outcome.divergedAtStep {
            text += " (at step \(step): \(outcome.divergenceReason ?? "loss or gradient not finite"))"
        }
        write((terminal ? "\r" : "") + text + (terminal ? "\u{1B}[K\n" : "\n"))
    }

    func message(_ text: String) {
        if !quiet { write(text + "\n") }
    }

    func warning(_ text: String) {
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
