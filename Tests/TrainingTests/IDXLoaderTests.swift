import Tensors
import TestSupport
import Testing
import Training

@Suite("IDXLoader")
struct IDXLoaderTests {
    /// Three 2×2 images, row-major: pixel (r, c) of image i at 4i + 2r + c.
    private let pixels: [UInt8] = [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 128]
    private let labels: [UInt8] = [2, 0, 1]

    /// An IDX file: magic, big-endian sizes, data.
    private func idx(magic: UInt32, sizes: [UInt32], data: [UInt8]) -> [UInt8] {
        func bigEndian(_ word: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
        return bigEndian(magic) + sizes.flatMap(bigEndian) + data
    }

    private var imagesFile: [UInt8] { idx(magic: 0x0000_0803, sizes: [3, 2, 2], data: pixels) }
    private var labelsFile: [UInt8] { idx(magic: 0x0000_0801, sizes: [3], data: labels) }

    /// Writes the two files and loads them.
    private func load(images: [UInt8], labels: [UInt8]) throws -> ClassificationDataset {
        let directory = TemporaryDirectory(prefix: "normscope-idx")
        try DataFixtures.write(images, to: directory.file("toy-images-idx3-ubyte"))
        try DataFixtures.write(labels, to: directory.file("toy-labels-idx1-ubyte"))
        return try IDXLoader.load(
            imagesPath: directory.file("toy-images-idx3-ubyte"), labelsPath: directory.file("toy-labels-idx1-ubyte"))
    }

    /// The DataError loading the two files throws.
    private func loadError(images: [UInt8], labels: [UInt8]) -> DataError? {
        #expect(throws: DataError.self) { try load(images: images, labels: labels) }
    }

    @Test("images become rows of pixels / 255, labels are kept, the class count is the largest label + 1")
    func loadsPlain() throws {
        let dataset = try load(images: imagesFile, labels: labelsFile)
        #expect(dataset.name == "toy")
        #expect(dataset.count == 3 && dataset.featureCount == 4 && dataset.classCount == 3)
        #expect(dataset.labels == [2, 0, 1])
        #expect(dataset.features.scalars == pixels.map { Float($0) / 255 })
        #expect(dataset.features[0, 1] == 1 && dataset.features[0, 2] == 0.2 && dataset.features[2, 2] == 0)
    }

    @Test("gzipped files load the same as plain ones")
    func loadsGzipped() throws {
        let directory = TemporaryDirectory(prefix: "normscope-idx")
        try DataFixtures.write(imagesFile, to: directory.file("train-images-idx3-ubyte"))
        try DataFixtures.write(labelsFile, to: directory.file("train-labels-idx1-ubyte"))
        let dataset = try IDXLoader.load(
            imagesPath: try DataFixtures.gzip(directory.file("train-images-idx3-ubyte")),
            labelsPath: try DataFixtures.gzip(directory.file("train-labels-idx1-ubyte")))
        #expect(dataset == (try load(images: imagesFile, labels: labelsFile)).renamed("train"))
    }

    @Test("a bad magic number is not an IDX file")
    func badMagic() {
        var images = imagesFile
        images.replaceSubrange(0..<4, with: [0x12, 0x34, 0x56, 0x78])
        let error = loadError(images: images, labels: labelsFile)
        #expect(error?.filePath.hasSuffix("toy-images-idx3-ubyte") == true)
        // The images file is the dataset, so a CSV given with --labels is named with the hint.
        #expect(error?.message == "not an IDX file (magic 0x12345678); only an IDX images dataset takes --labels")
    }

    @Test("a labels file where images belong is named as such")
    func swappedFiles() {
        let error = loadError(images: labelsFile, labels: imagesFile)
        #expect(error?.message.hasPrefix("expected an IDX images file of unsigned bytes in 3 dimensions") == true)
        #expect(error?.message.hasSuffix("(magic 0x00000801)") == true)
    }

    @Test("a truncated images file, a too-long labels file and a short header are errors")
    func sizeChecks() {
        let truncated = loadError(images: Array(imagesFile.dropLast()), labels: labelsFile)
        #expect(truncated?.message.contains("need 12 bytes of data after the 16-byte header, the file has 11") == true)
        #expect(truncated?.message.hasSuffix("(truncated)") == true)
        let tooLong = loadError(images: imagesFile, labels: labelsFile + [7])
        #expect(tooLong?.filePath.hasSuffix("toy-labels-idx1-ubyte") == true)
        #expect(tooLong?.message.hasSuffix("(too long)") == true)
        let shortHeader = loadError(images: Array(imagesFile.prefix(10)), labels: labelsFile)
        #expect(shortHeader?.message == "the header needs 16 bytes for 3 sizes, the file has 10")
        #expect(loadError(images: [0, 0], labels: labelsFile) != nil)
    }

    @Test("image and label counts must agree")
    func countMismatch() {
        let twoLabels = idx(magic: 0x0000_0801, sizes: [2], data: [0, 1])
        let error = loadError(images: imagesFile, labels: twoLabels)
        #expect(error?.message.hasPrefix("holds 2 labels but") == true)
        #expect(error?.message.hasSuffix("holds 3 images") == true)
    }
}

extension ClassificationDataset {
    /// The same dataset under another name.
    fileprivate func renamed(_ name: String) -> ClassificationDataset {
        var copy = self
        copy.name = name
        return copy
    }
}
