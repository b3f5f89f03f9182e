/// Where a text stops being JSON (RFC 8259), and why, for the one line a sweep file with a typo gets.
///
/// Foundation's parser says only "The data is not in the correct format", or a character offset, and for some
/// mistakes (`"adam": tru`) an unexpected end of file; this walks the grammar itself to name the line, the column
/// and what was expected there: `expected ':' after the key "lr", got '0'`. It is called only on a text Foundation
/// refused, so a leniency of Foundation's (a trailing comma) never becomes an error; it reports the first problem
/// in the text, which is the one to fix first.
enum JSONSyntax {
    /// The first problem in a text: its place and what is wrong there.
    struct Problem: Equatable {
        /// The 1-based line and column (in characters) of the problem.
        var line: Int
        var column: Int
        /// What is wrong: `expected ',' or '}' after the value of "steps", got '"'`.
        var message: String
    }

    /// Deeper nesting is refused rather than recursed into: a file of a million `[` must not overflow the stack.
    static let depthLimit = 512

    /// The first problem in `bytes`, or nil when they are JSON.
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var scanner = Scanner(bytes: bytes)
        do throws(Scanner.Failure) {
            // A byte-order mark is allowed before the value, as Foundation allows it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.index = 3 }
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.index < bytes.count {
                throw Scanner.Failure(offset: scanner.index, message: "text after the JSON value: \(scanner.found)")
            }
            return nil
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            return Problem(line: line, column: column, message: error.message)
        }
    }

    /// The 1-based line and column of byte `offset`, counting characters (UTF-8 sequences) rather than bytes.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<min(offset, bytes.count)]
        let lineStart = (before.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        // Continuation bytes (10xxxxxx) do not start a character.
        let column = bytes[lineStart..<before.endIndex].count { $0 & 0xC0 != 0x80 } + 1
        return (line, column)
    }
}

/// A recursive-descent recognizer of JSON that stops at the first problem.
private struct Scanner {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// What is at the current place, for `got …`: a word or number whole (`'tru'`), else one character.
    var found: String {
        guard let byte = current else { return "the end of the file" }
        if byte == 0x0A || byte == 0x0D { return "the end of the line" }
        func isWordByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "_")
        }
        var end = index
        while end < bytes.count, end - index < 20, isWordByte(bytes[end]) { end += 1 }
        if end == index {
            // One character, however many bytes it takes.
            end += 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        }
        return "'" + String(decoding: bytes[index..<end], as: UTF8.self) + "'"
    }

    private func fail(_ message: String, at offset: Int? = nil) -> Failure {
        Failure(offset: offset ?? index, message: message)
    }

    private mutating func expect(_ byte: UInt8, _ message: @autoclosure () -> String) throws(Failure) {
        skipSpace()
        guard current == byte else { throw fail("\(message()), got \(found)") }
        index += 1
    }

    mutating func value(depth: Int) throws(Failure) {
        skipSpace()
        guard let byte = current else { throw fail("expected a value, got the end of the file") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONSyntax.depthLimit else {
                throw fail("lists and objects nested more than \(JSONSyntax.depthLimit) deep")
            }
            if byte == UInt8(ascii: "{") { try object(depth: depth) } else { try list(depth: depth) }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default:
            for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return
            }
            throw fail(
                "expected a value (a number, a string in double quotes, true, false, null, [ or {), got \(found)")
        }
    }

    private mutating func object(depth: Int) throws(Failure) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a key in double quotes, got \(found)") }
            let key = try string()
            try expect(UInt8(ascii: ":"), "expected ':' after the key \(String(reflecting: key))")
            try value(depth: depth + 1)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw fail("expected ',' or '}' after the value of \(String(reflecting: key)), got \(found)")
            }
        }
    }

    private mutating func list(depth: Int) throws(Failure) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try value(depth: depth + 1)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw fail("expected ',' or ']' after a list element, got \(found)")
            }
        }
    }

    /// A string from its opening quote; returns its text (escapes left as written) for messages about keys.
    private mutating func string() throws(Failure) -> String {
        let start = index
        index += 1
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: bytes[(start + 1)..<(index - 1)], as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard let escaped = current, Array(#""\/bfnrtu"#.utf8).contains(escaped) else {
                    throw fail(#"expected an escape (\" \\ \/ \b \f \n \r \t \uXXXX) after '\', got "# + found)
                }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let digit = current, digit.isHexDigit else {
                            throw fail(#"expected four hexadecimal digits after '\u', got "# + found)
                        }
                        index += 1
                    }
                }
            case 0x0A, 0x0D:
                throw fail("the string opened here is not closed on its line", at: start)
            case 0..<0x20:
                throw fail("a control character (byte \(byte)) inside a string must be written as an escape")
            default: index += 1
            }
        }
        throw fail("the string opened here is never closed", at: start)
    }

    private mutating func number() throws(Failure) {
        let start = index
        func digits() -> Int {
            let first = index
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            return index - first
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("expected a digit after '-', got \(found)")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("expected a digit after '.', got \(found)") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("expected the exponent's digits, got \(found)") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let value = Double(text), value.isInfinite {
            throw fail("the number \(text) is out of range (a JSON number here must be within ±1.8e308)", at: start)
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}
