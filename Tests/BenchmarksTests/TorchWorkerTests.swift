import Foundation
import TestSupport
import Testing

@testable import Benchmarks

/// The worker protocol of `bench train` against workers that answer, die, babble or hang: every failure is one
/// error naming the worker, in bounded time.
@Suite("PyTorch worker protocol")
struct TorchWorkerTests {
    private func start(_ script: String, timeout: Duration = .seconds(20)) throws -> TorchWorker {
        try TorchWorker(command: FakeTorchWorker.command(script), name: "fake.py", timeout: timeout)
    }

    /// The failure `body` throws, or a failed expectation when it throws none or another kind.
    private func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            Issue.record("expected a TorchWorker.Failure, got none")
        } catch let failure as TorchWorker.Failure {
            return failure.message
        } catch {
            Issue.record("expected a TorchWorker.Failure, got \(error)")
        }
        return ""
    }

    @Test("a worker answers run N with N step times, as often as asked, and quits when told")
    func wellBehaved() throws {
        let worker = try start(FakeTorchWorker.wellBehaved)
        #expect(worker.ready == .init(torchVersion: "fake", threads: 1, model: ""))
        #expect(try worker.run(3) == [1.5, 1.5, 1.5])
        #expect(try worker.run(1) == [1.5])
        worker.stop()
    }

    @Test("the real serving loop of analysis/bench_torch_worker.py, with a stand-in for torch")
    func realServingLoop() throws {
        let analysis = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("analysis").path
        let script = """
            import sys, types
            sys.path.insert(0, sys.argv[1])
            import bench_torch_worker
            torch = types.SimpleNamespace(__version__="stand-in", get_num_threads=lambda: 3)
            bench_torch_worker.serve(lambda: sum(range(1000)), torch, "a loop")
            """
        let worker = try TorchWorker(
            command: ["/usr/bin/env", "python3", "-c", script, analysis], name: "bench_torch_worker.py",
            timeout: .seconds(20))
        #expect(worker.ready == .init(torchVersion: "stand-in", threads: 3, model: "a loop"))
        let times = try worker.run(4)
        #expect(times.count == 4 && times.allSatisfy { $0 > 0 && $0 < 1000 })
        let message = failure { _ = try worker.request("bogus", steps: 1) }
        #expect(message.contains("answered 'bogus' with an error: unknown command 'bogus'"), "\(message)")
    }

    @Test("a script that cannot import torch says so, and the worker reports it unavailable")
    func torchMissing() throws {
        let analysis = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("analysis").path
        // None in sys.modules makes `import torch` fail, as on a machine without it.
        let script = """
            import sys
            sys.modules["torch"] = None
            sys.path.insert(0, sys.argv[1])
            import bench_torch_worker
            bench_torch_worker.import_torch()
            """
        let error = #expect(throws: TorchWorker.Unavailable.self) {
            try TorchWorker(
                command: ["/usr/bin/env", "python3", "-c", script, analysis, "--serve"], name: "x.py",
                timeout: .seconds(20))
        }
        #expect(error?.reason.contains("torch") == true, "\(String(describing: error))")
    }

    @Test("a worker that exits before it is ready: its status and last error line")
    func exitsBeforeReady() {
        let message = failure { _ = try start("echo 'Traceback: boom' >&2; exit 5") }
        #expect(message == "the PyTorch worker fake.py exited with status 5 while starting: Traceback: boom")
    }

    @Test("a worker that exits in the middle of a round")
    func exitsWhileRunning() throws {
        let worker = try start(FakeTorchWorker.readyThen("echo 'out of memory' >&2; exit 1"))
        let message = failure { _ = try worker.run(2) }
        #expect(message == "the PyTorch worker fake.py exited with status 1 while answering 'run 2': out of memory")
        // Stopped: asking again is the same kind of error, not a trap on a closed socket.
        #expect(!failure { _ = try worker.run(2) }.isEmpty)
    }

    @Test("a worker killed by a signal")
    func killed() throws {
        let worker = try start(FakeTorchWorker.readyThen("kill -9 $$"))
        let message = failure { _ = try worker.run(1) }
        #expect(message == "the PyTorch worker fake.py was killed by signal 9 while answering 'run 1'")
    }

    @Test("garbage, a wrong count, an error line and a missing ready line are each one clear error")
    func garbage() throws {
        let cases: [(String, String)] = [
            ("echo hello", "answered 'run 3' with 'hello', not JSON"),
            (#"echo '{"ms": [1.0]}'"#, #"answered 'run 3' with '{"ms": [1.0]}', not 3 positive step times in ms"#),
            (#"echo '{"ms": [1, -2, 3]}'"#, "not 3 positive step times in ms"),
            (#"echo '{"error": "CUDA is not here"}'"#, "answered 'run 3' with an error: CUDA is not here"),
            ("echo", "answered 'run 3' with an empty line, not JSON"),
        ]
        for (answer, expected) in cases {
            let worker = try start(FakeTorchWorker.readyThen(answer + "; sleep 1"))
            let message = failure { _ = try worker.run(3) }
            #expect(message.hasPrefix("the PyTorch worker fake.py ") && message.contains(expected), "\(message)")
        }
        let message = failure { _ = try start("echo 'Loading…'") }
        #expect(message == "the PyTorch worker fake.py began with 'Loading…' instead of its ready line")
    }

    @Test("a worker that says nothing is given up on at the deadline, not waited for forever")
    func hangs() throws {
        let worker = try start(FakeTorchWorker.readyThen("exec sleep 60"), timeout: .seconds(1))
        let start = ContinuousClock.now
        let message = failure { _ = try worker.run(5) }
        #expect(message == "the PyTorch worker fake.py said nothing for 1 s while answering 'run 5'")
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    @Test("a program that is not there is unavailable, not a failure")
    func missingProgram() {
        #expect(throws: TorchWorker.Unavailable.self) {
            try TorchWorker(
                command: ["/usr/bin/env", "normscope-no-such-python"], name: "x.py", timeout: .seconds(20))
        }
    }
}
