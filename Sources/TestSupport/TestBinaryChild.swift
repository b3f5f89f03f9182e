import Foundation

/// Runs some of this test binary's own suites again in a child process: under another environment (an OpenBLAS
/// kernel forced with `OPENBLAS_CORETYPE`), or alone, for a test that measures something process-wide (the product
/// counter) that the suites running beside it in this process would disturb.
public enum TestBinaryChild {
    /// What the child did.
    public struct Outcome: Sendable {
        /// The child's exit status.
        public var status: Int32
        /// Its "Test run with …" line, or "no summary".
        public var summary: String
        /// Its lines about failures and recorded issues.
        public var failures: [String]

        /// Whether it exited 0 having run `suites` suites that all passed: a filter that matched nothing exits 0
        /// too.
        public func passed(suites: Int) -> Bool {
            status == 0 && summary.contains("in \(suites) suite\(suites == 1 ? "" : "s") passed")
        }
    }

    /// Whether this process is such a child (`run` sets `NORMSCOPE_TEST_CHILD`).
    public static var isChild: Bool { ProcessInfo.processInfo.environment["NORMSCOPE_TEST_CHILD"] != nil }

    /// Runs the Swift Testing tests whose names match `filter` (a regular expression) in a child of the running test
    /// binary, with `environment` added to this process's environment.
    public static func run(filter: String, environment extra: [String: String] = [:]) throws -> Outcome {
        let testBinary = CommandLine.arguments[0]
        guard testBinary.hasSuffix(".xctest"), FileManager.default.isExecutableFile(atPath: testBinary) else {
            throw ChildFailure(message: "expected to run inside the package's test binary, got \(testBinary)")
        }
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        environment["NO_COLOR"] = "1"
        environment["NORMSCOPE_TEST_CHILD"] = "1"
        let output = try ChildProcess.run(
            testBinary, arguments: ["--testing-library", "swift-testing", "--filter", filter],
            environment: environment)
        let lines = (output.standardOutput + output.standardError).split(separator: "\n").map(String.init)
        return Outcome(
            status: output.status,
            summary: lines.first { $0.contains("Test run with") } ?? "no summary",
            failures: lines.filter { $0.contains("failed") || $0.contains("recorded an issue") })
    }

    /// Why the child could not be started.
    public struct ChildFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
