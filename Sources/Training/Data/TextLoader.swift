/// Reads a text file as a character-level ``TextCorpus``: one token per byte.
///
/// Working in bytes rather than Unicode characters keeps the vocabulary at most 256 entries and makes every file
/// loadable; for ASCII text, such as the bundled Devil's Dictionary, bytes and characters are the same. A multi-byte
/// UTF-8 character becomes several tokens.
public enum TextLoader {
    /// The text in the file at `path`, named after the file (`corpus/shakespeare.txt.gz` → `shakespeare`).
    ///
    /// The vocabulary is the file's distinct bytes in increasing order, so token `i` stands for `vocabulary[i]`
    /// and a corpus round-trips to the file's bytes.
    ///
    /// - Parameter path: The file; plain or gzip-compressed.
    /// - Throws: ``DataError`` when the file is missing, unreadable or empty.
    public static func load(path: String) throws -> TextCorpus {
        try corpus(DataFile.bytes(atPath: path), name: DataFile.baseName(of: path), filePath: path)
    }

    /// The corpus of `bytes`, the uncompressed contents of `filePath`.
    static func corpus(_ bytes: [UInt8], name: String, filePath: String) throws -> TextCorpus {
        guard !bytes.isEmpty else {
            throw DataError(filePath: filePath, message: "the file is empty; a text corpus needs at least one byte")
        }
        var present = [Bool](repeating: false, count: 256)
        for byte in bytes { present[Int(byte)] = true }
        let vocabulary = (0...255).filter { present[$0] }.map { UInt8($0) }
        // A 256-entry table from byte to token, so the mapping is one lookup per byte.
        var tokenOfByte = [Int](repeating: -1, count: 256)
        for (token, byte) in vocabulary.enumerated() { tokenOfByte[Int(byte)] = token }
        return TextCorpus(name: name, tokens: bytes.map { tokenOfByte[Int($0)] }, vocabulary: vocabulary)
    }
}
