import Tensors

// Training / validation / test splits that depend only on the data and a seed, so a run's split can be rebuilt
// from its recorded configuration.

// MARK: - Part sizes

extension DataSplits where Part == Int {
    /// How many of `count` items go to each part.
    ///
    /// Concretely: `valid = round(count · validFraction)`, `test = round(count · testFraction)`, `train` the rest.
    /// Then, when `count` allows it, a part with a positive fraction gets at least one item and training keeps at
    /// least one, taking back from the larger held-out part first.
    ///
    /// - Parameters:
    ///   - count: The number of items; at least 0.
    ///   - validFraction: The validation share, in [0, 1).
    ///   - testFraction: The test share, in [0, 1); `validFraction + testFraction` must stay below 1.
    public static func sizes(count: Int, validFraction: Double, testFraction: Double) -> DataSplits<Int> {
        precondition(count >= 0, "DataSplits.sizes expects a non-negative count, got \(count)")
        precondition(
            (0..<1).contains(validFraction) && (0..<1).contains(testFraction) && validFraction + testFraction < 1,
            "DataSplits.sizes expects fractions in [0, 1) that sum to less than 1, got \(validFraction) and "
                + "\(testFraction)")
        func share(_ fraction: Double) -> Int {
            guard fraction > 0 else { return 0 }
            return max(1, Int((Double(count) * fraction).rounded()))
        }
        var valid = share(validFraction)
        var test = share(testFraction)
        while count - valid - test < 1 && valid + test > 0 {
            if valid >= test { valid -= 1 } else { test -= 1 }
        }
        return DataSplits(train: count - valid - test, valid: valid, test: test)
    }
}

// MARK: - Classification

extension ClassificationDataset {
    /// Which examples go to each part: a seeded shuffle of `0..<count`, sliced into validation, test and training
    /// indices, each part then sorted so it keeps the file's order.
    ///
    /// The shuffle is ``SeededRandom/permutation(count:)`` from `SeededRandom(seed: seed)`, so the split is the same
    /// on every machine. Classes are not stratified.
    ///
    /// - Parameters:
    ///   - count: The number of examples.
    ///   - validFraction: The validation share, in [0, 1).
    ///   - testFraction: The test share, in [0, 1); the two shares sum to less than 1.
    ///   - seed: The shuffle's seed.
    /// - Returns: Disjoint index lists that together hold every index once; sizes as
    ///   ``DataSplits/sizes(count:validFraction:testFraction:)`` gives them.
    public static func splitIndices(
        count: Int, validFraction: Double, testFraction: Double, seed: UInt64
    ) -> DataSplits<[Int]> {
        let sizes = DataSplits<Int>.sizes(count: count, validFraction: validFraction, testFraction: testFraction)
        var random = SeededRandom(seed: seed)
        let order = random.permutation(count: count)
        let valid = order[0..<sizes.valid]
        let test = order[sizes.valid..<(sizes.valid + sizes.test)]
        let train = order[(sizes.valid + sizes.test)...]
        return DataSplits(train: train.sorted(), valid: valid.sorted(), test: test.sorted())
    }

    /// The dataset split at random, reproducibly from `seed`, into training, validation and test parts.
    ///
    /// The parts come from ``splitIndices(count:validFraction:testFraction:seed:)``; each keeps the name and
    /// class count of the whole. Fit anything learned from the data, such as a ``FeatureStandardization``, on
    /// `train` alone.
    ///
    /// - Parameters:
    ///   - validFraction: The validation share, in [0, 1).
    ///   - testFraction: The test share, in [0, 1); the two shares sum to less than 1.
    ///   - seed: The shuffle's seed; equal seeds give equal splits.
    public func split(validFraction: Double, testFraction: Double, seed: UInt64) -> DataSplits<ClassificationDataset> {
        let indices = Self.splitIndices(
            count: count, validFraction: validFraction, testFraction: testFraction, seed: seed)
        return DataSplits(train: subset(indices.train), valid: subset(indices.valid), test: subset(indices.test))
    }

    /// The examples at `indices`, in that order, with the same name and class count.
    ///
    /// - Parameter indices: Example indices in `0..<count`; repeats are allowed.
    public func subset(_ indices: [Int]) -> ClassificationDataset {
        let (features, labels) = rows(indices)
        return ClassificationDataset(name: name, features: features, labels: labels, classCount: classCount)
    }
}

// MARK: - Text

extension TextCorpus {
    /// The text cut into three contiguous segments: training from the start, then validation, then test.
    ///
    /// Text is not shuffled: neighbouring characters depend on each other, and a random split would leak the
    /// training text into the held-out parts. Sizes come from ``DataSplits/sizes(count:validFraction:testFraction:)``
    /// over the tokens; every part keeps the whole corpus's vocabulary, so token indices mean the same in each.
    ///
    /// - Parameters:
    ///   - validFraction: The validation share, in [0, 1).
    ///   - testFraction: The test share, in [0, 1); the two shares sum to less than 1.
    public func split(validFraction: Double, testFraction: Double) -> DataSplits<TextCorpus> {
        let sizes = DataSplits<Int>.sizes(count: tokens.count, validFraction: validFraction, testFraction: testFraction)
        func part(_ range: Range<Int>) -> TextCorpus {
            TextCorpus(name: name, tokens: Array(tokens[range]), vocabulary: vocabulary)
        }
        let validEnd = sizes.train + sizes.valid
        return DataSplits(
            train: part(0..<sizes.train), valid: part(sizes.train..<validEnd), test: part(validEnd..<tokens.count))
    }
}
