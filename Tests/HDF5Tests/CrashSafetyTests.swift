import Foundation
import HDF5
import TestSupport
import Testing

/// What a reader finds if the writer dies at a given moment. Copying the file's bytes while the writer still holds
/// it open captures exactly what a SIGKILL at that moment would leave: the kernel keeps every completed write(2),
/// and nothing the process still buffers reaches the disk.
@Suite("Crash safety")
struct CrashSafetyTests {
    private func snapshot(_ path: String, to copy: String) throws {
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
    }

    @Test("default format: after a flush, a killed writer's file opens and holds every flushed row")
    func compatibleFormatSurvivesKill() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let file = try File.create(path)
        let run = try file.createGroup("runs/r0")
        let loss = try run.createDataset(
            "loss", of: Float.self, shape: [0],
            layout: .appendable(chunkRows: 256, compression: .deflate(level: 4, shuffle: true)))
        try run.setAttribute("preset", "layernorm")

        for chunk in 0..<4 {
            try loss.append((0..<256).map { Float(chunk * 256 + $0) })
            try file.flush()
        }
        // Rows appended but not flushed may or may not be on disk; the flushed ones must be.
        try loss.append((0..<100).map { Float(1024 + $0) })

        let killed = directory.file("killed.h5")
        try snapshot(path, to: killed)
        let reopened = try File.open(killed)
        let rows = try reopened.openDataset("runs/r0/loss").read(as: Float.self)
        #expect(rows.count >= 1024)
        #expect(Array(rows.prefix(1024)) == (0..<1024).map { Float($0) })
        #expect(try reopened.openGroup("runs/r0").attribute("preset", as: String.self) == "layernorm")

        let output = try PythonScript.run(
            "import sys, h5py; f = h5py.File(sys.argv[1], 'r'); print(f['runs/r0/loss'].shape[0])",
            arguments: [killed])
        #expect(output.status == 0, "h5py could not open the killed writer's file: \(output.standardError)")
        #expect((Int(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1024)
        try file.close()
    }

    @Test("SWMR: a killed writer's file is refused by a plain open but opens in SWMR-read mode with the flushed rows")
    func swmrFileAfterKill() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("live.h5")
        let file = try File.create(path, format: .latest)
        let loss = try file.createDataset("loss", of: Float.self, shape: [0], layout: .appendable(chunkRows: 128))
        try file.startSWMRWrite()
        try loss.append((0..<512).map { Float($0) })
        try loss.flush()

        let killed = directory.file("killed.h5")
        try snapshot(path, to: killed)
        // The superblock still says "open for writing": HDF5 refuses a plain open, and we report its reason.
        let refused = #expect(throws: HDF5Error.self) { try File.open(killed) }
        #expect(refused?.description.contains(killed) == true)

        let reader = try File.open(killed, mode: .swmrRead)
        #expect(try reader.openDataset("loss").read(as: Float.self) == (0..<512).map { Float($0) })
        try file.close()
    }
}
