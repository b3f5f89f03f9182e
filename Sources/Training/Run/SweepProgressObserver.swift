/// Follows a sweep as it records: a progress bar, log lines, or nothing.
public protocol SweepProgressObserver: AnyObject {
    /// Run `index` of `count` starts.
    func runStarted(index: Int, count: Int, id: String, steps: Int)
    /// A step of the current run finished.
    func step(_ progress: Trainer.Progress)
    /// The current run ended.
    func runFinished(id: String, outcome: RunOutcome)
    /// A line for the user (where the trace is, why the sweep stopped).
    func message(_ text: String)
}
