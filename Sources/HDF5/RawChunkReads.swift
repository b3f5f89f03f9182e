import Foundation

/// Whether the readers read chunks raw where a dataset allows (`Dataset.rawChunkDecoder`): yes, unless
/// `NORMSCOPE_NO_RAW_CHUNKS=1` — to measure what the raw path gains, or to rule it out. It sits here, beside the raw
/// path itself, so that the readers (`Analysis`) and the damage probe (`DamagedFiles`), which must make the HDF5
/// calls the readers will, follow the one switch.
public enum RawChunkReads {
    public static let enabled = ProcessInfo.processInfo.environment["NORMSCOPE_NO_RAW_CHUNKS"] != "1"
}
