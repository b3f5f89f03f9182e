// Splits that a run can train and evaluate on: each part big enough for what the trainer takes from it, checked
// here so that data too small is an error naming the file rather than a trap in the trainer (a text shorter than one
// window made `sampleWindows` fail its precondition).

extension TextCorpus {
    /// The corpus split as ``split(validFraction:testFraction:)`` does, checked so that the training part holds a
    /// window of `context` tokens plus the target after it, and the validation part one evaluation window.
    ///
    /// - Parameters:
    ///   - context: The model's context, the tokens per window; at least 1.
    ///   - validFraction: The validation share, in (0, 1).
    ///   - testFraction: The test share, in [0, 1); the two shares sum to less than 1.
    ///   - filePath: The file the corpus came from, for the error.
    /// - Throws: ``DataError`` naming the file, its length, what each part holds and needs, and what to change.
    public func splitForWindows(
        context: Int, validFraction: Double, testFraction: Double, filePath: String
    ) throws -> DataSplits<TextCorpus> {
        precondition(context >= 1, "TextCorpus.splitForWindows expects a positive context, got \(context)")
        precondition(validFraction > 0, "TextCorpus.splitForWindows expects a positive validFraction")
        let splits = split(validFraction: validFraction, testFraction: testFraction)
        let window = context + 1
        let (train, valid) = (splits.train.tokens.count, splits.valid.tokens.count)
        guard train < window || valid < window else { return splits }
        let needed = Self.shortestText(window: window, validFraction: validFraction, testFraction: testFraction)
        // The longest context whose window still fits in both parts; the model needs a context of at least 2.
        let largestContext = min(train, valid) - 1
        let remedy =
            largestContext >= 2
            ? "give a text of at least \(needed) bytes, or lower --context to at most \(largestContext)"
            : "give a text of at least \(needed) bytes (or, with --context 2, of at least "
                + "\(Self.shortestText(window: 3, validFraction: validFraction, testFraction: testFraction)))"
        throw DataError(
            filePath: filePath,
            message: "\(tokens.count) bytes of text are too short for --context \(context): a window needs "
                + "\(window) bytes (context + 1) in the training part and in the validation part, which hold "
                + "\(train) and \(valid) (valid_fraction \(validFraction), test_fraction \(testFraction)); " + remedy)
    }

    /// The fewest tokens whose training and validation parts both hold `window` tokens.
    private static func shortestText(window: Int, validFraction: Double, testFraction: Double) -> Int {
        func fits(_ count: Int) -> Bool {
            let sizes = DataSplits<Int>.sizes(count: count, validFraction: validFraction, testFraction: testFraction)
            return sizes.train >= window && sizes.valid >= window
        }
        // Start just below where both shares reach a window, so the search takes a few steps whatever the context.
        let trainFraction = 1 - validFraction - testFraction
        let estimate = max((Double(window) - 0.5) / validFraction, (Double(window) - 1) / trainFraction)
        var count = max(1, Int(estimate) - 2)
        while !fits(count) { count += 1 }
        return count
    }
}

extension ClassificationDataset {
    /// The dataset split as ``split(validFraction:testFraction:seed:)`` does, checked so that the validation part
    /// is not empty (a model evaluated on no examples would record a loss of NaN at every evaluation).
    ///
    /// - Parameters:
    ///   - validFraction: The validation share, in (0, 1).
    ///   - testFraction: The test share, in [0, 1); the two shares sum to less than 1.
    ///   - seed: The shuffle's seed.
    ///   - filePath: The file the dataset came from, for the error.
    /// - Throws: ``DataError`` naming the file, its number of examples and the fewest it needs.
    public func checkedSplit(
        validFraction: Double, testFraction: Double, seed: UInt64, filePath: String
    ) throws -> DataSplits<ClassificationDataset> {
        precondition(validFraction > 0, "ClassificationDataset.checkedSplit expects a positive validFraction")
        let splits = split(validFraction: validFraction, testFraction: testFraction, seed: seed)
        guard splits.valid.count == 0 else { return splits }
        func validCount(_ examples: Int) -> Int {
            DataSplits<Int>.sizes(count: examples, validFraction: validFraction, testFraction: testFraction).valid
        }
        var needed = count + 1
        while validCount(needed) == 0 { needed += 1 }
        throw DataError(
            filePath: filePath,
            message: "\(count) example\(count == 1 ? " is" : "s are") too few to split: the validation part gets "
                + "none (valid_fraction \(validFraction), test_fraction \(testFraction)); the file needs at least "
                + "\(needed) rows")
    }
}
