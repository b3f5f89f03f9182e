/// Why a benchmark could not run or finish: one sentence saying what went wrong and, where it can, what to do.
public struct BenchmarkFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
