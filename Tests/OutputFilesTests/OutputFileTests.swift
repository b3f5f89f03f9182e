import Foundation
import OutputFiles
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Serialized: the signal test needs to be the only write in flight, since concurrent writes share one deferral
/// and the last to end raises the signal.
@Suite("OutputFile: the output contract", .serialized)
struct OutputFileTests {
    let folder = TemporaryDirectory(prefix: "normscope-output")

    func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    func entries() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    }

    func write(_ text: String, _ path: String, force: Bool = false, inputs: [CommandInput] = []) throws(OutputError) {
        try OutputFile(path, option: "--out", force: force, inputs: inputs, example: "report.html").write(text: text)
    }

    @Test("a new file is written whole and nothing else appears beside it")
    func newFile() throws {
        let path = folder.file("r.html")
        try write("new", path)
        #expect(contents(path) == "new")
        #expect(entries() == ["r.html"])
    }

    @Test("an existing file is refused without --force and replaced with it; its mode is kept")
    func existingFile() throws {
        let path = folder.file("r.html")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o640)
        #expect(throws: OutputError.self) { try write("new", path) }
        #expect(contents(path) == "old")
        try write("new", path, force: true)
        #expect(contents(path) == "new")
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o640)
        #expect(entries() == ["r.html"])
    }

    @Test("a folder, with or without a trailing slash, is refused and kept with its files, even with --force")
    func folderIsRefused() throws {
        let inner = folder.file("runs")
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: false)
        try "keep".write(toFile: inner + "/a.txt", atomically: false, encoding: .utf8)
        for spelling in [inner, inner + "/"] {
            let error = #expect(throws: OutputError.self) { try write("x", spelling, force: true) }
            #expect(error?.reason == .isFolder)
            #expect(error?.description.contains("runs/report.html") == true)
        }
        #expect(contents(inner + "/a.txt") == "keep")
    }

    @Test("a symbolic link is written through to its file and stays a link; a dangling one is refused")
    func symbolicLinks() throws {
        let target = folder.file("target.html")
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        let link = folder.file("link.html")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: OutputError.self) { try write("new", link) }
        try write("new", link, force: true)
        #expect(contents(target) == "new")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        let dangling = folder.file("dangling.html")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder.file("none"))
        let error = #expect(throws: OutputError.self) { try write("x", dangling, force: true) }
        #expect(error?.reason == .danglingLink)
        #expect(!FileManager.default.fileExists(atPath: folder.file("none")))
    }

    @Test("an input is refused by identity: its name, a hard link, a symbolic link, a .. spelling")
    func inputsByIdentity() throws {
        let input = folder.file("t.h5")
        try "trace".write(toFile: input, atomically: false, encoding: .utf8)
        let hard = folder.file("hard.h5")
        #expect(link(input, hard) == 0)
        let soft = folder.file("soft.h5")
        try FileManager.default.createSymbolicLink(atPath: soft, withDestinationPath: input)
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: false)
        let inputs = [CommandInput("the trace", input)]
        for spelling in [input, hard, soft, folder.file("sub/../t.h5")] {
            let error = #expect(throws: OutputError.self) { try write("html", spelling, force: true, inputs: inputs) }
            #expect(error?.reason == .isInput, "\(spelling)")
            #expect(error?.description.contains("the trace") == true)
        }
        #expect(contents(input) == "trace")
        // An input that does not exist yet (a file the command creates) is compared by its resolved name.
        let planned = [CommandInput("--trace", folder.file("sub/new.h5"))]
        let error = #expect(throws: OutputError.self) {
            try write("x", folder.file("sub/../sub/new.h5"), inputs: planned)
        }
        #expect(error?.reason == .isInput)
    }

    @Test("a device node, a fifo, a missing folder and a file as folder are refused in one line")
    func otherRefusals() throws {
        let cases: [(String, OutputError.Reason)] = [
            ("/dev/null", .notRegularFile),
            (folder.file("missing/r.html"), .missingFolder),
        ]
        let fifo = folder.file("fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        let plain = folder.file("plain")
        try "p".write(toFile: plain, atomically: false, encoding: .utf8)
        for (path, reason) in cases + [(fifo, .notRegularFile), (plain + "/r.html", .parentNotFolder)] {
            let error = #expect(throws: OutputError.self) { try write("x", path, force: true) }
            #expect(error?.reason == reason, "\(path)")
            #expect(error?.description.contains("\n") == false)
        }
        #expect(contents(plain) == "p")
    }

    @Test("the temporary name is unique: an unrelated r.html.tmp is kept")
    func unrelatedTemporaryIsKept() throws {
        let path = folder.file("r.html")
        try "mine".write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        try write("new", path)
        #expect(contents(path + ".tmp") == "mine")
        #expect(entries() == ["r.html", "r.html.tmp"])
    }

    @Test("a failing writer leaves the old file and no temporary")
    func failureLeavesNothing() throws {
        struct Broken: Error {}
        let path = folder.file("r.html")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let output = try OutputFile(path, option: "--out", force: true)
        #expect(throws: OutputError.self) {
            try output.write { (temporary: String) throws(Broken) in
                try? "half".write(toFile: temporary, atomically: false, encoding: .utf8)
                throw Broken()
            }
        }
        #expect(contents(path) == "old")
        #expect(entries() == ["r.html"])
    }

    @Test("a file that appears meanwhile is not replaced without --force")
    func appearedMeanwhile() throws {
        let path = folder.file("r.html")
        let output = try OutputFile(path, option: "--out", force: false)
        try "theirs".write(toFile: path, atomically: false, encoding: .utf8)
        let error = #expect(throws: OutputError.self) { try output.write(text: "mine") }
        #expect(error?.reason == .exists)
        #expect(contents(path) == "theirs")
        // Even when the file comes between the last check and the rename.
        let racing = folder.file("s.html")
        let late = try OutputFile(racing, option: "--out", force: false)
        let raced = #expect(throws: OutputError.self) {
            try late.write { (temporary: String) throws(OutputError) in
                try? "theirs".write(toFile: racing, atomically: false, encoding: .utf8)
                try? "mine".write(toFile: temporary, atomically: false, encoding: .utf8)
            }
        }
        #expect(raced?.reason == .appeared)
        #expect(contents(racing) == "theirs")
        #expect(entries() == ["r.html", "s.html"])
    }
}
