import Foundation
import TestSupport
import Testing

@testable import Training

/// The data settings of a run as a sweep file gives them, through to the loaded data.
@Suite("Run data settings")
struct RunDataInputTests {
    private func run(_ json: String) throws -> RunConfiguration {
        try SweepConfiguration.parse(Data(json.utf8), file: "sweep.json").base
    }

    /// Species in column 1, two measurements after it: only a 1-based label_column 1 reads it.
    private static let speciesFirst = """
        setosa,5.1,3.5
        versicolor,7.0,3.2
        setosa,4.9,3.0
        versicolor,6.4,3.2
        setosa,4.7,3.2
        versicolor,6.9,3.1

        """

    @Test("label_column counts from 1, as the flag and the loader's errors do")
    func labelColumnFromOne() throws {
        let splits = try DataFixtures.withFile(Self.speciesFirst, named: "species.csv") { path in
            guard
                case .classification(let splits) = try RunData.load(run(#"{"dataset": "\#(path)", "label_column": 1}"#))
            else { throw FixtureError(message: "expected classification data") }
            return splits
        }
        #expect(splits.train.classCount == 2 && splits.train.featureCount == 2)
    }

    @Test("label_column 0 is refused, saying columns count from 1 and -1 is the last")
    func labelColumnZero() {
        let error = #expect(throws: ConfigurationError.self) { try run(#"{"label_column": 0}"#) }
        #expect(error?.key == "label_column" && error?.file == "sweep.json")
        #expect(error?.message == "0 is not a column: columns count from 1 (1 is the first) and -1 is the last")
    }

    @Test("header true/false reaches the loader, and is left out of the configuration when not given")
    func headerKey() throws {
        #expect(try run(#"{"header": false}"#).header == false)
        #expect(try run("{}").header == nil && !RunConfiguration.keys.isEmpty)
        #expect(try JSONSettings.flatten(run("{}"))["header"] == nil)
        let text = "9,9\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
        let count = try DataFixtures.withFile(text, named: "h.csv") { path in
            guard case .classification(let splits) = try RunData.load(run(#"{"dataset": "\#(path)", "header": true}"#))
            else { throw FixtureError(message: "expected classification data") }
            return splits.train.count + splits.valid.count + splits.test.count
        }
        #expect(count == 4)
    }

    @Test("a char-lm text too short for the context is a DataError when the data loads, before any training")
    func shortText() throws {
        let error = try DataFixtures.withFile(String(repeating: "x", count: 46), named: "short.txt") { path in
            #expect(throws: DataError.self) {
                try RunData.load(run(#"{"model": "char-lm", "dataset": "\#(path)"}"#))
            }
        }
        #expect(error?.message.hasPrefix("46 bytes of text are too short for --context 64") == true)
    }

    @Test("warnings about the labels go to the caller once the data is split, not before an error")
    func warnings() throws {
        var received: [DataWarning] = []
        _ = try DataFixtures.withFile("1,0\n2,0\n3,1\n4,1\n5,2\n", named: "w.csv") { path in
            try RunData.load(run(#"{"dataset": "\#(path)"}"#)) { received.append($0) }
        }
        #expect(received.count == 1 && received.first?.line == 5)
        received = []
        _ = try DataFixtures.withFile("1,0\n2,1\n", named: "w.csv") { path in
            #expect(throws: DataError.self) {
                try RunData.load(run(#"{"dataset": "\#(path)"}"#)) { received.append($0) }
            }
        }
        #expect(received.isEmpty)
    }
}
