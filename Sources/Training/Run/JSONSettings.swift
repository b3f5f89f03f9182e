import Foundation

/// Moves a ``RunConfiguration`` through JSON objects: to flatten it into attributes, and to set swept keys.
enum JSONSettings {
    static func object(_ configuration: RunConfiguration) throws -> [String: Any] {
        let data = try JSONEncoder().encode(configuration)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Every key with its value as text (lists as JSON), for run IDs and trace attributes.
    static func flatten(_ configuration: RunConfiguration) throws -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in try object(configuration) {
            result[key] = text(value)
        }
        return result
    }

    static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        // Numbers, booleans and lists as JSON writes them (`true`, `0.001`, `[128,128]`).
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `configuration` with `key` set to the value `text` holds as JSON (or to `text` itself, a bare string), as a
    /// sweep's `grid` and `presets` entries set them; a value the key does not take is an error naming `origin.key`.
    static func setting(
        text: String, key: String, in configuration: RunConfiguration, origin: String
    ) throws(ConfigurationError) -> RunConfiguration {
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
        do {
            return try setting(key, to: json, in: configuration)
        } catch let error as ConfigurationError {
            throw ConfigurationError(key: "\(origin).\(error.key)", message: error.message)
        } catch {
            throw ConfigurationError(key: "\(origin).\(key)", message: "value \(text) cannot be read")
        }
    }

    /// `configuration` with `key` set to the JSON value `value`.
    static func setting(_ key: String, to value: Any, in configuration: RunConfiguration) throws -> RunConfiguration {
        var object = try object(configuration)
        object[key] = value
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(RunConfiguration.self, from: data)
    }
}
