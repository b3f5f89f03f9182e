import Foundation

/// Whether the commands read chunks raw where a dataset allows (`Dataset.rawChunkDecoder`): yes, unless
/// `NORMSCOPE_NO_RAW_CHUNKS=1` — to measure what the raw path gains, or to rule it out. The probe follows it too, so
/// that it makes the HDF5 calls the readers will.
public enum RawChunkReads {
    public static let enabled = ProcessInfo.processInfo.environment["NORMSCOPE_NO_RAW_CHUNKS"] != "1"
}
