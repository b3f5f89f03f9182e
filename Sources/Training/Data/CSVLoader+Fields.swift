// Cutting a CSV file into lines and a line into fields, for ``CSVLoader``.

extension CSVLoader {
    static let quote = UInt8(ascii: "\"")

    static func isLineEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// The lines that hold more than blanks, each with its 1-based line number and its byte range without the
    /// line end.
    static func nonBlankLines(_ bytes: [UInt8]) -> [(number: Int, range: Range<Int>)] {
        var lines: [(number: Int, range: Range<Int>)] = []
        var start = 0
        var number = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            if bytes[start..<contentEnd].contains(where: { !isBlank($0) }) {
                lines.append((number, start..<contentEnd))
            }
            start = end + 1
            number += 1
        }
        return lines
    }

    /// The fields of one line, trimmed and unquoted.
    static func fields(
        of line: ArraySlice<UInt8>, separator: UInt8, _ filePath: String, _ lineNumber: Int
    ) throws -> [String] {
        var fields: [String] = []
        var i = line.startIndex
        func skipBlanks() {
            // A tab separator is never a blank, or tab-separated empty fields would vanish.
            while i < line.endIndex && line[i] != separator && isBlank(line[i]) { i += 1 }
        }
        while true {
            skipBlanks()
            if i < line.endIndex && line[i] == quote {
                var value: [UInt8] = []
                var closed = false
                i += 1
                while i < line.endIndex {
                    if line[i] == quote {
                        // A doubled quote inside a quoted field stands for one quote character.
                        if i + 1 < line.endIndex && line[i + 1] == quote {
                            value.append(quote)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(line[i])
                    i += 1
                }
                guard closed else {
                    throw DataError(
                        filePath: filePath, line: lineNumber, message: "column \(fields.count + 1): unclosed quote")
                }
                skipBlanks()
                fields.append(String(decoding: value, as: UTF8.self))
            } else {
                let start = i
                while i < line.endIndex && line[i] != separator { i += 1 }
                var end = i
                while end > start && isBlank(line[end - 1]) { end -= 1 }
                fields.append(String(decoding: line[start..<end], as: UTF8.self))
            }
            if i == line.endIndex { return fields }
            guard line[i] == separator else {
                throw DataError(
                    filePath: filePath, line: lineNumber,
                    message: "column \(fields.count): text after the closing quote")
            }
            i += 1
        }
    }

    /// The field as a feature value: a number that is finite as a Float (`nan`, `inf` and `1e99` are not).
    static func number(_ field: String) -> Float? {
        guard let value = Float(field), value.isFinite else { return nil }
        return value
    }
}
