import Foundation

/// Text for tiny random models, whose vocabulary is the printable ASCII symbols, one token each.
public enum TinyText {
    /// `characters` seeded printable ASCII symbols (so as many tokens).
    public static func make(characters: Int, seed: UInt64) -> String {
        var rng = SeededRandom(seed: seed)
        return make(characters: characters, using: &rng)
    }

    /// The same, continuing `rng` (so one generator can write several texts).
    public static func make(characters: Int, using rng: inout SeededRandom) -> String {
        String((0..<characters).map { _ in Character(UnicodeScalar(UInt8.random(in: 33...126, using: &rng))) })
    }

    /// Writes `make(characters:seed:)` to `path` and returns the path.
    @discardableResult
    public static func write(_ path: String, characters: Int, seed: UInt64) throws -> String {
        try make(characters: characters, seed: seed).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
