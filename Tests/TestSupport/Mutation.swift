import Foundation
import XCTest

/// Seeded malformed inputs for fuzzing readers: truncations, random bytes, and size fields set to the
/// values they are most likely to be mishandled at.
public enum Mutation {
    public static let boundaries: [UInt64] = [
        0, 1, 2, 3, 7, 8, 31, 32, 255, 256, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 40,
        1 << 56, 1 << 62, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FFFF,
    ]

    /// The same boundaries as JSON numbers, with negative, decimal and out-of-range forms.
    public static let jsonNumbers: [String] = boundaries.map(String.init)
        + ["-1", "-9223372036854775808", "1e30", "2.5", "18446744073709551616", "99999999999999999999999"]

    /// One mutation of `bytes`, 80 % of the time inside the first `header` bytes, where sizes live.
    public static func mutate(_ bytes: [UInt8], header: Int, rng: inout SeededRandom) -> [UInt8] {
        var b = bytes
        let span = Int.random(in: 0..<10, using: &rng) < 8 ? min(header, b.count) : b.count
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:   // cut
            return Array(b.prefix(Int.random(in: 0..<b.count, using: &rng)))
        case 1:   // a few random bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) { b[Int.random(in: 0..<span, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
        case 2:   // an aligned 4-byte field set to a boundary value
            let at = Int.random(in: 0..<max(1, span / 4), using: &rng) * 4
            let v = UInt32(truncatingIfNeeded: boundaries.randomElement(using: &rng)!)
            for k in 0..<4 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
        default:  // an unaligned 8-byte field set to a boundary value (GGUF packs its fields)
            let at = Int.random(in: 0..<span, using: &rng)
            let v = boundaries.randomElement(using: &rng)!
            for k in 0..<8 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        }
        return b
    }

    /// A fresh folder for thousands of short-lived files, in memory (/dev/shm) when the machine has
    /// it: on disk, deleting them dominated the fuzzing time. Removed when the test ends.
    public static func scratchFolder(_ test: XCTestCase) throws -> URL {
        let shm = URL(fileURLWithPath: "/dev/shm")
        guard FileManager.default.isWritableFile(atPath: shm.path) else { return try TestPaths.temporaryFolder(test) }
        let url = shm.appendingPathComponent("prune-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// `text` with each of its runs of digits replaced, one at a time, by each of `jsonNumbers`.
    public static func replacingNumbers(in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "[0-9]+")
        var out: [String] = []
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let range = Range(match.range, in: text)!
            for r in jsonNumbers { out.append(text.replacingCharacters(in: range, with: r)) }
        }
        return out
    }
}
