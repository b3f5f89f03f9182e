import HDF5
import TestSupport
import Testing

@Suite("Attributes")
struct AttributeTests {
    struct RunConfig: Codable, Equatable {
        var preset: String
        var seeds: [Int]
        var learningRate: Double
    }

    @Test("every attribute type round-trips through a closed and reopened file")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("attrs.h5")
        let config = RunConfig(preset: "adanorm", seeds: [1, 2, 3], learningRate: 1e-3)
        do {
            let file = try File.create(path)
            let run = try file.createGroup("runs/r0")
            try run.setAttribute("seed", Int64(-9_007_199_254_740_993))
            try run.setAttribute("steps", 1500)
            try run.setAttribute("epsilon", 1e-5)
            try run.setAttribute("preset", "layernorm-simple")
            try run.setAttribute("note", "Φ(y) = C(1 − k·y), σ_u ≠ σ")
            try run.setAttribute("edges", [-0.5, 0.0, 0.25, 1e300])
            try run.setAttribute("shape", [Int64(4096), 512])
            try run.setJSONAttribute("config", config)
            try run.setAttribute("empty", "")
            try file.close()
        }
        let run = try File.open(path).openGroup("runs/r0")
        #expect(try run.attribute("seed", as: Int64.self) == -9_007_199_254_740_993)
        #expect(try run.attribute("steps", as: Int.self) == 1500)
        #expect(try run.attribute("epsilon", as: Double.self) == 1e-5)
        #expect(try run.attribute("preset", as: String.self) == "layernorm-simple")
        #expect(try run.attribute("note", as: String.self) == "Φ(y) = C(1 − k·y), σ_u ≠ σ")
        #expect(try run.attribute("edges", as: [Double].self) == [-0.5, 0.0, 0.25, 1e300])
        #expect(try run.attribute("shape", as: [Int64].self) == [4096, 512])
        #expect(try run.jsonAttribute("config", as: RunConfig.self) == config)
        #expect(try run.attribute("empty", as: String.self) == "")
        #expect(try run.attributeValue("shape") == .int64Array([4096, 512]))
        #expect(
            try run.attributeNames() == [
                "config", "edges", "empty", "epsilon", "note", "preset", "seed", "shape", "steps",
            ])
    }

    @Test("setting an attribute again replaces it, even with another type")
    func replace() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("attrs.h5"))
        try file.setAttribute("format_version", Int64(1))
        try file.setAttribute("format_version", "one")
        #expect(try file.attribute("format_version", as: String.self) == "one")
        #expect(try file.attributeNames() == ["format_version"])
    }

    @Test("reading with the wrong type or a missing name is a typed error naming the attribute")
    func errors() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("attrs.h5")
        let file = try File.create(path)
        let run = try file.createGroup("run")
        try run.setAttribute("preset", "adanorm")
        try run.setAttribute("text", "{not json")

        let mismatch = #expect(throws: HDF5Error.self) { try run.attribute("preset", as: Double.self) }
        #expect(mismatch?.code == .typeMismatch)
        #expect(mismatch?.objectPath == "/run@preset")
        #expect(mismatch?.message.contains("string") == true)

        let missing = #expect(throws: HDF5Error.self) { try run.attribute("seed", as: Int64.self) }
        #expect(missing?.code == .objectNotFound)
        #expect(missing?.description.contains(path) == true)

        let badJSON = #expect(throws: HDF5Error.self) { try run.jsonAttribute("text", as: [String: Int].self) }
        #expect(badJSON?.code == .badValue)
    }

    @Test("attributes on a dataset")
    func datasetAttributes() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("attrs.h5"))
        let loss = try file.createDataset("loss", values: [Float(2.3)])
        try loss.setAttribute("units", "nats")
        #expect(try file.openDataset("loss").attribute("units", as: String.self) == "nats")
    }
}
