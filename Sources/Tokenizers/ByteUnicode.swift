/// GPT-2's reversible map between bytes and printable Unicode characters: byte-level BPE vocabularies
/// spell every byte as one visible character (a space is "Ġ", a newline "Ċ").
enum ByteUnicode {
    /// Character for each byte value.
    static let characters: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = printable.map { UInt32($0) }
        var extra: UInt32 = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            scalars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (b, s) in zip(printable, scalars) { table[b] = Unicode.Scalar(s)! }
        return table
    }()

    /// Byte for each character of the table (nil for characters outside it).
    static let bytes: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in characters.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()
}
