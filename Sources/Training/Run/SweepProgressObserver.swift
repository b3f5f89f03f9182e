/// Follows a sweep as it records: a progress bar, log lines, or nothing. Calls come one at a time (the recorder
/// serializes them), from the threads that train, which with `jobs` > 1 run several runs at once.
public protocol SweepProgressObserver: AnyObject {
    /// Run `index` of `count` starts.
    func runStarted(index: Int, count: Int, id: String, steps: Int)
    /// A step of run `progress.runID` finished; `sweep` is the whole sweep's progress.
    func step(_ progress: Trainer.Progress, sweep: SweepProgress)
    /// Run `id` ended.
    func runFinished(id: String, outcome: RunOutcome)
    /// A line for the user (where the trace is, why the sweep stopped).
    func message(_ text: String)
    /// A line the user must see even with progress turned off: something went wrong that did not stop the sweep.
    func warning(_ text: String)
}

extension SweepProgressObserver {
    public func warning(_ text: String) { message(text) }
}

/// The whole sweep's progress: steps trained over all of its runs (those kept by `--resume` not counted), and the
/// time since it began, from which a display estimates the sweep's end.
public struct SweepProgress: Sendable {
    public var stepsDone: Int
    public var totalSteps: Int
    public var elapsedSeconds: Double

    /// Seconds left at the rate so far, nil before the first step.
    public var remainingSeconds: Double? {
        guard stepsDone > 0, elapsedSeconds > 0 else { return nil }
        return Double(totalSteps - stepsDone) * elapsedSeconds / Double(stepsDone)
    }
}
