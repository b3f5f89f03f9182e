import TestSupport
import Testing
import Training

@Suite("TextLoader")
struct TextLoaderTests {
    @Test("a text file becomes byte tokens over its sorted distinct bytes, plain or gzipped")
    func loads() throws {
        let directory = TemporaryDirectory(prefix: "normscope-text")
        let path = directory.file("poem.txt")
        let text = "the cat\nsat é\n"
        try DataFixtures.write(text, to: path)
        let corpus = try TextLoader.load(path: path)
        #expect(corpus.name == "poem")
        let bytes = Array(text.utf8)
        #expect(corpus.vocabulary == Array(Set(bytes)).sorted())
        #expect(corpus.tokens.count == bytes.count)
        #expect(corpus.tokens.map { corpus.vocabulary[$0] } == bytes)
        // Space (0x20) sorts after the line feed (0x0A), which is token 0.
        #expect(corpus.tokens[7] == 0 && corpus.tokens[3] == 1)
        #expect(try TextLoader.load(path: try DataFixtures.gzip(path)) == corpus)
    }

    @Test("an empty file is an error")
    func emptyFile() throws {
        let directory = TemporaryDirectory(prefix: "normscope-text")
        let path = directory.file("empty.txt")
        try DataFixtures.write("", to: path)
        let error = #expect(throws: DataError.self) { try TextLoader.load(path: path) }
        #expect(error?.filePath == path && error?.message.hasPrefix("the file is empty") == true)
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        let error = #expect(throws: DataError.self) { try TextLoader.load(path: "/nonexistent/corpus.txt") }
        #expect(error?.description == "/nonexistent/corpus.txt: no such file")
    }
}
