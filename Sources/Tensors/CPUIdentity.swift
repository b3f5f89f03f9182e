import Foundation

/// Which processor this is, as `/proc/cpuinfo` names it: every performance figure NormScope prints says which CPU it
/// came from, because OpenBLAS picks different kernels on different CPUs (and the same kernels run at different
/// speeds on them).
public struct CPUIdentity: Sendable, Codable, Hashable, CustomStringConvertible {
    /// `GenuineIntel`, `AuthenticAMD`, or empty when unknown.
    public var vendor: String
    /// The CPU family number (6 for Intel's Core and Xeon lines; 25 for AMD's Zen 3 and 4, 26 for Zen 5).
    public var family: Int?
    /// The model number within the family (207 for Emerald Rapids).
    public var model: Int?
    /// The marketing name, e.g. `Intel(R) Xeon(R) Processor`.
    public var modelName: String

    /// `GenuineIntel family 6 model 207 (Intel(R) Xeon(R) Processor)`.
    public var description: String {
        let numbers = [family.map { "family \($0)" }, model.map { "model \($0)" }].compactMap { $0 }
        let words = ([vendor.isEmpty ? "unknown vendor" : vendor] + numbers).joined(separator: " ")
        return modelName.isEmpty ? words : "\(words) (\(modelName))"
    }

    /// The first processor of a `/proc/cpuinfo` text.
    public init(cpuinfo text: String) {
        let fields = Self.fieldsOfFirstProcessor(in: text)
        vendor = fields["vendor_id"] ?? ""
        family = fields["cpu family"].flatMap { Int($0) }
        model = fields["model"].flatMap { Int($0) }
        modelName = fields["model name"] ?? ""
    }

    /// This machine's processor; unknown fields where `/proc/cpuinfo` is missing.
    public static let current = CPUIdentity(
        cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// The `key : value` fields of the first processor of a `/proc/cpuinfo` text (up to its first blank line).
    static func fieldsOfFirstProcessor(in text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty, !fields.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil {
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return fields
    }
}
