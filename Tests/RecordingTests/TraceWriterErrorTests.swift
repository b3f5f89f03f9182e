import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

/// Failures are one-line thrown errors, never crashes; a failed or closed writer says so on every later call.
@Suite("Trace writer errors")
struct TraceWriterErrorTests {
    private func expectOneLine(_ error: TraceWriterError?, mentions words: [String]) {
        guard let error else { return }
        let text = error.description
        #expect(!text.contains("\n"), "not one line: \(text)")
        for word in words { #expect(text.contains(word), "'\(text)' should mention \(word)") }
    }

    @Test("a path in a missing directory is a thrown one-line error naming it")
    func missingDirectory() {
        let directory = TemporaryDirectory()
        let path = directory.file("no/such/dir/trace.h5")
        let error = #expect(throws: TraceWriterError.self) {
            try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        }
        #expect(error?.code == .directoryNotFound)
        expectOneLine(error, mentions: [path, "does not exist"])
    }

    @Test("an existing file is refused unless overwriting is allowed, and is left untouched")
    func existingFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let original = Data("not a trace".utf8)
        try original.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: TraceWriterError.self) {
            try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        }
        #expect(error?.code == .fileExists)
        expectOneLine(error, mentions: [path, "exists"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)

        let writer = try TraceWriter(path: path, overwrite: true, commandLine: "test", sweepConfigurationJSON: "{}")
        try writer.close()
        #expect(TraceSchema.validate(file: try File.open(path)) == [])
    }

    @Test("bad descriptions and configurations are thrown before anything is written")
    func invalidRequests() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        #expect(throws: TraceWriterError.self) {
            try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{not json")
        }
        #expect(throws: TraceWriterError.self) {
            try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}", live: true)
        }
        #expect(!FileManager.default.fileExists(atPath: path))

        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let bad: [(RunDescription, String)] = [
            (RunDescription(id: "a/b"), "'/'"),
            (RunDescription(id: ""), "empty"),
            (RunDescription(id: "r", attributes: ["status": .string("x")]), "status"),
            (RunDescription(id: "r", configurationJSON: "{"), "JSON"),
            (RunDescription(id: "r", normLayers: [.init(name: "n", width: 4), .init(name: "n", width: 4)]), "twice"),
            (RunDescription(id: "r", normLayers: [.init(name: "n", width: 4, phiEdges: [1, 0])]), "edges"),
        ]
        for (description, word) in bad {
            let error = #expect(throws: TraceWriterError.self) { try writer.beginRun(description) }
            #expect(error?.code == .invalidRequest)
            expectOneLine(error, mentions: [word])
        }
        let handle = try writer.beginRun(RunDescription(id: "r"))
        let duplicate = #expect(throws: TraceWriterError.self) { try writer.beginRun(RunDescription(id: "r")) }
        expectOneLine(duplicate, mentions: ["exists already"])
        try writer.finishRun(handle, status: .completed, completedSteps: 0)
        let finished = #expect(throws: TraceWriterError.self) {
            try writer.append(step: TraceFixture.stepRow(run: 0, step: 0), norms: [], to: handle)
        }
        expectOneLine(finished, mentions: ["finished"])
        try writer.close()
        #expect(TraceSchema.validate(file: try File.open(path)) == [])
    }

    @Test("an error on the writer thread is thrown by the next calls and by close; flushed rows stay readable")
    func writerThreadFailure() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let configuration = WriterConfiguration(
            path: path, overwrite: false, commandLine: "test", sweepConfigurationJSON: "{}", rootAttributes: [:],
            flushEvery: 100, flushIntervalSeconds: 3600, chunkRows: 1024, compressionLevel: 4, live: false,
            declaredRuns: [], created: Date(), failAfterSteps: 150)
        let writer = try TraceWriter(configuration: configuration, queueCapacity: 8)
        let handle = try writer.beginRun(TraceFixture.description(0))
        var thrown: TraceWriterError?
        do {
            try TraceFixture.appendSteps(0..<10_000, run: 0, handle: handle, to: writer)
        } catch {
            thrown = error as? TraceWriterError
        }
        // The producer learns of the failure within a queue's length of it, not after 10,000 steps.
        let error = try #require(thrown)
        #expect(error.code == .hdf5)
        expectOneLine(error, mentions: [path, "No space left on device", "adanorm-seed0"])
        let flushError = #expect(throws: TraceWriterError.self) { try writer.flush() }
        #expect(flushError?.description == error.description)
        let closeError = #expect(throws: TraceWriterError.self) { try writer.close() }
        #expect(closeError?.description == error.description)
        let again = #expect(throws: TraceWriterError.self) { try writer.close() }
        #expect(again?.description == error.description)

        // The file was closed and holds the steps of the last flush.
        let file = try File.open(path)
        #expect(try file.openDataset("runs/adanorm-seed0/steps").rowCount() == 100)
        #expect(TraceSchema.validate(file: file) == [])
    }

    @Test("close is idempotent; calls after close throw a closed error")
    func closeIsIdempotent() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<10, run: 0, handle: handle, to: writer)
        try writer.close()
        try writer.close()
        for call in [
            { try writer.append(evaluation: TraceFixture.evaluationRow(run: 0, step: 0), to: handle) },
            { try writer.flush() },
            { _ = try writer.beginRun(TraceFixture.description(1)) },
        ] as [() throws -> Void] {
            let error = #expect(throws: TraceWriterError.self) { try call() }
            #expect(error?.code == .closed)
        }
        #expect(try File.open(path).openDataset("runs/adanorm-seed0/steps").rowCount() == 10)
    }
}
