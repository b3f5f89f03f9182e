import Foundation
import TestSupport
import Testing

/// The `normscope` Python package (`analysis/normscope`, `pip install ./analysis`): its pytest suite in
/// `analysis/tests`, run against traces recorded by the `normscope` built next to these tests (passed as
/// `NORMSCOPE_BIN`) and the format-1 reference trace. `.ci/setup` installs the package and pytest.
@Suite("normscope Python package")
struct PythonPackageTests {
    private static let analysis = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("analysis").path

    @Test("analysis/tests passes (pytest) against traces of the built CLI")
    func pytestSuite() throws {
        let normscope = try #require(ChildProcess.builtProduct("normscope"), "normscope is not built next to the tests")
        #expect(PythonScript.canImport("pytest"), "pytest is missing (the README's test command installs it)")
        var environment = ProcessInfo.processInfo.environment
        environment["NORMSCOPE_BIN"] = normscope
        // The package from the source tree first, so the tests exercise this checkout's code even where an older
        // `pip install ./analysis` is on the path.
        environment["PYTHONPATH"] = [Self.analysis, environment["PYTHONPATH"]].compactMap { $0 }.joined(separator: ":")
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        let output = try ChildProcess.run(
            "/usr/bin/env",
            arguments: ["python3", "-m", "pytest", Self.analysis + "/tests", "-q", "-p", "no:cacheprovider"],
            environment: environment)
        #expect(
            output.status == 0,
            """
            pytest exited \(output.status):
            \(output.standardOutput)
            \(output.standardError)
            """)
        #expect(output.standardOutput.contains(" passed"), "\(output.standardOutput)")
        #expect(!output.standardOutput.contains("skipped"), "no test may be skipped here: \(output.standardOutput)")
    }
}
