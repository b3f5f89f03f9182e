import Tensors

/// Reads an image classification dataset in the IDX format of MNIST and Fashion-MNIST: an images file and a labels
/// file, each plain or gzip-compressed (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`).
///
/// An IDX file is a big-endian header followed by the data, row-major:
///
/// ```
/// magic:  0x00 0x00 type dims     type 0x08 = unsigned byte; dims = the number of dimensions
/// sizes:  dims × UInt32           for images: count, height, width; for labels: count
/// data:   Π sizes bytes
/// ```
///
/// so an images file starts `00 00 08 03` (magic `0x00000803`) and a labels file `00 00 08 01` (`0x00000801`).
///
/// Each image becomes one row of `height · width` features, pixel `(r, c)` at column `r · width + c`. Pixels are
/// **scaled to [0, 1]** (`p / 255`), the usual convention for MNIST: inputs of order 1 suit the default
/// initializations and learning rates without a ``FeatureStandardization``, and the exact byte values come back as
/// `feature · 255`. Labels are the class indices as stored; the class count is the largest label plus one.
///
/// Every check — the magic number, the number of dimensions, the data size against the file length, the image
/// count against the label count — throws a ``DataError`` naming the file.
///
/// ### References
///
/// - Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits", file formats section,
///   http://yann.lecun.com/exdb/mnist/
public enum IDXLoader {
    /// The dataset in an IDX images file and its IDX labels file, named after the images file
    /// (`train-images-idx3-ubyte.gz` → `train`).
    ///
    /// - Parameters:
    ///   - imagesPath: The images: magic `0x00000803`, sizes count × height × width, one byte per pixel.
    ///   - labelsPath: The labels: magic `0x00000801`, size count, one byte per label.
    /// - Returns: `count` rows of `height · width` pixels in [0, 1].
    /// - Throws: ``DataError`` when a file is missing, is not the expected IDX file, is truncated or too long, or
    ///   the two counts differ.
    public static func load(imagesPath: String, labelsPath: String) throws -> ClassificationDataset {
        let images = try read(path: imagesPath, expecting: imagesMagic, kind: "images")
        let labels = try read(path: labelsPath, expecting: labelsMagic, kind: "labels")
        guard images.sizes[0] == labels.sizes[0] else {
            throw DataError(
                filePath: labelsPath,
                message: "holds \(labels.sizes[0]) labels but \(imagesPath) holds \(images.sizes[0]) images")
        }
        guard images.sizes[0] > 0 else {
            throw DataError(filePath: imagesPath, message: "holds no images")
        }
        let count = images.sizes[0]
        let pixelCount = images.sizes[1] * images.sizes[2]
        let features = Matrix<Float>(
            rows: count, columns: pixelCount, scalars: images.data.map { Float($0) / 255 })
        let classIndices = labels.data.map { Int($0) }
        return ClassificationDataset(
            name: name(of: imagesPath), features: features, labels: classIndices,
            classCount: (classIndices.max() ?? 0) + 1)
    }

    // MARK: - Format

    /// Unsigned bytes in 3 dimensions.
    static let imagesMagic: UInt32 = 0x0000_0803
    /// Unsigned bytes in 1 dimension.
    static let labelsMagic: UInt32 = 0x0000_0801

    /// The IDX element types by their type byte, with their sizes in bytes.
    private static let elementTypes: [UInt8: (name: String, size: Int)] = [
        0x08: ("unsigned byte", 1), 0x09: ("signed byte", 1), 0x0B: ("short", 2), 0x0C: ("int", 4),
        0x0D: ("float", 4), 0x0E: ("double", 8),
    ]

    /// Whether `bytes` start as an IDX file does: two zero bytes, a known element type, a number of dimensions.
    /// No text file starts with two NUL bytes, so the CSV loader can tell an IDX file given without its labels.
    static func isIDX(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && elementTypes[bytes[2]] != nil && bytes[3] > 0
    }

    /// One file's sizes and data, checked against the magic number the caller expects.
    private static func read(
        path: String, expecting expectedMagic: UInt32, kind: String
    ) throws -> (sizes: [Int], data: ArraySlice<UInt8>) {
        let bytes = try DataFile.bytes(atPath: path)
        guard bytes.count >= 4 else {
            throw DataError(filePath: path, message: "not an IDX file (\(bytes.count) bytes, shorter than the magic)")
        }
        let magic = bigEndianWord(bytes, at: 0)
        // The first two bytes of every IDX file are zero, and the third names a known element type.
        guard isIDX(bytes), let type = elementTypes[bytes[2]] else {
            // Labels make the dataset an IDX images file: a CSV given with them lands here.
            let hint = kind == "images" ? "; only an IDX images dataset takes --labels" : ""
            throw DataError(filePath: path, message: "not an IDX file (magic \(hex(magic)))" + hint)
        }
        guard magic == expectedMagic else {
            throw DataError(
                filePath: path,
                message: "expected an IDX \(kind) file of unsigned bytes in \(expectedMagic & 0xFF) dimensions "
                    + "(magic \(hex(expectedMagic))), got \(type.name)s in "
                    + "\(bytes[3]) dimensions (magic \(hex(magic)))")
        }
        let dimensionCount = Int(bytes[3])
        let headerLength = 4 + 4 * dimensionCount
        guard bytes.count >= headerLength else {
            throw DataError(
                filePath: path,
                message:
                    "the header needs \(headerLength) bytes for \(dimensionCount) sizes, the file has \(bytes.count)")
        }
        let sizes = (0..<dimensionCount).map { Int(bigEndianWord(bytes, at: 4 + 4 * $0)) }
        // Each size is below 2³², so the product of at most three fits in Int only after a check.
        let (dataLength, overflow) = sizes.reduce((1, false)) { partial, size in
            let (product, overflow) = partial.0.multipliedReportingOverflow(by: size)
            return (product, partial.1 || overflow)
        }
        let sizeList = sizes.map(String.init).joined(separator: " × ")
        guard !overflow, bytes.count - headerLength == dataLength else {
            let cause = !overflow && bytes.count - headerLength < dataLength ? "truncated" : "too long"
            throw DataError(
                filePath: path,
                message: "sizes \(sizeList) need \(dataLength) bytes of data after the \(headerLength)-byte header, "
                    + "the file has \(bytes.count - headerLength) (\(cause))")
        }
        return (sizes, bytes[headerLength...])
    }

    /// The big-endian 32-bit word at `offset`.
    private static func bigEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A magic number as the format documents spell it, eight hex digits: `0x00000803`.
    private static func hex(_ magic: UInt32) -> String {
        let digits = String(magic, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The dataset name: the images file name without `.gz` and without its `-images-idx3-ubyte` or
    /// `.idx3-ubyte`-style tail.
    private static func name(of imagesPath: String) -> String {
        var name = DataFile.baseName(of: imagesPath)
        for tail in ["-images-idx3-ubyte", "-images.idx3-ubyte", "-idx3-ubyte", "-images"] where name.hasSuffix(tail) {
            name.removeLast(tail.count)
            break
        }
        return name.isEmpty ? "idx" : name
    }
}
