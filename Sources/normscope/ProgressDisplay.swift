import Foundation
import Tensors
import Training

/// Shows a sweep's progress on standard error: a redrawn bar with steps/s, ETA and loss on a terminal, a plain line
/// every 10% of a run (or 10 s) otherwise, nothing with `--quiet`. Standard output is left to the results.
final class ProgressDisplay: SweepProgressObserver {
    private let quiet: Bool
    private let terminal: Bool
    private var runLabel = ""
    private var runStart = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    /// The last tenth of the run reported on a plain (non-terminal) stream.
    private var lastTenth = 0

    init(quiet: Bool) {
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) == 1
    }

    func runStarted(index: Int, count: Int, id: String, steps: Int) {
        runLabel = "[\(index + 1)/\(count)] \(id)"
        runStart = .now
        lastTenth = 0
        if !quiet && !terminal { write("\(runLabel): \(steps) steps\n") }
    }

    func step(_ progress: Trainer.Progress) {
        guard !quiet else { return }
        let now = ContinuousClock.now
        let elapsed = (now - runStart).inSeconds
        let rate = elapsed > 0 ? Double(progress.step) / elapsed : 0
        let eta = rate > 0 ? Double(progress.steps - progress.step) / rate : 0
        let percent = 100 * progress.step / max(progress.steps, 1)
        if terminal {
            // Redraw at most 10 times a second; the last step always.
            guard (now - lastDraw).inSeconds >= 0.1 || progress.step == progress.steps else { return }
            lastDraw = now
            let width = 24
            let filled = width * progress.step / max(progress.steps, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write(
                "\r\(runLabel) \(bar) \(progress.step)/\(progress.steps)  \(Int(rate)) steps/s  ETA \(clock(eta))  "
                    + "loss \(String(format: "%.4f", progress.loss))\u{1B}[K")
        } else if percent / 10 > lastTenth {
            // Once per tenth of the run, whether or not a step lands exactly on a multiple of 10%.
            lastTenth = percent / 10
            write(
                "\(runLabel): step \(progress.step)/\(progress.steps) (\(percent)%), \(Int(rate)) steps/s, "
                    + "ETA \(clock(eta)), loss \(String(format: "%.4f", progress.loss))\n")
        }
    }

    func runFinished(id: String, outcome: RunOutcome) {
        guard !quiet else { return }
        var text = "\(runLabel): \(outcome.status) after \(outcome.completedSteps) steps in \(clock(outcome.seconds))"
        if let step = outcome.divergedAtStep { text += " (loss or gradient not finite at step \(step))" }
        write((terminal ? "\r" : "") + text + (terminal ? "\u{1B}[K\n" : "\n"))
    }

    func message(_ text: String) {
        if !quiet { write(text + "\n") }
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
