extension KeyedEncodingContainer {
    /// Writes `value`, or `null` when it is NaN or ±inf.
    ///
    /// JSON has no spelling for non-finite numbers: `JSONEncoder` either throws on them or, with a
    /// `nonConformingFloatEncodingStrategy`, writes strings such as `"nan"` that pandas and `jq` read as text. A
    /// statistic that is undefined (too few runs, no variance) is written as `null` instead, which every JSON reader
    /// takes as a missing number. The distinction between NaN and ±inf is lost; types that need it say why in a
    /// separate field (``EffectSize/reason``, ``BootstrapInterval/reason``).
    ///
    /// - Parameters:
    ///   - value: The number to write.
    ///   - key: Its key.
    public mutating func encodeFinite(_ value: Double, forKey key: Key) throws {
        if value.isFinite {
            try encode(value, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }
}

extension KeyedDecodingContainer {
    /// Reads a number written by ``KeyedEncodingContainer/encodeFinite(_:forKey:)``: `null` or a missing key is NaN.
    ///
    /// - Parameter key: The number's key.
    public func decodeFinite(forKey key: Key) throws -> Double {
        try decodeIfPresent(Double.self, forKey: key) ?? .nan
    }
}
