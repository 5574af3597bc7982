/// GPT-2's pre-tokenizer split, hand-written over Unicode scalars for speed, with exactly the semantics
/// of the regular expression
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// (\p{L}: general category Letter, \p{N}: Number, \s: Unicode White_Space; alternatives tried in order
/// at each position, each greedy).
enum GPT2Split {
    enum Class: UInt8 { case letter, number, space, other }

    static let asciiClasses: [Class] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func classOf(_ s: Unicode.Scalar) -> Class {
        s.value < 128 ? asciiClasses[Int(s.value)] : classify(s)
    }

    static func classify(_ s: Unicode.Scalar) -> Class {
        let p = s.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Calls `emit(start, end)` for each piece of `s` in order.
    static func split(_ scalars: [Unicode.Scalar], _ emit: (Int, Int) -> Void) {
        let classes = scalars.map(classOf)
        // Buffer pointers: every index below is compared with n before it is read, and array bounds
        // checks made this loop a third slower.
        scalars.withUnsafeBufferPointer { s in
            classes.withUnsafeBufferPointer { classes in split(s, classes, emit) }
        }
    }

    private static func split(_ s: UnsafeBufferPointer<Unicode.Scalar>, _ classes: UnsafeBufferPointer<Class>, _ emit: (Int, Int) -> Void) {
        let n = s.count
        var i = 0
        while i < n {
            let c = s[i].value
            // Contractions (lower-case only, as in GPT-2's pattern).
            if c == 0x27, i + 1 < n {
                let a = s[i + 1].value
                if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 {          // 's 't 'm 'd
                    emit(i, i + 2); i += 2; continue
                }
                if i + 2 < n {
                    let b = s[i + 2].value
                    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {  // 're 've 'll
                        emit(i, i + 3); i += 3; continue
                    }
                }
            }
            // ` ?X+` for X = letters, numbers, other: an optional literal space, then a run of one class.
            let first = (c == 0x20 && i + 1 < n && classes[i + 1] != .space) ? i + 1 : i
            let kind = classes[first]
            if kind != .space {
                var j = first + 1
                while j < n && classes[j] == kind { j += 1 }
                emit(i, j); i = j; continue
            }
            // Whitespace: the run, less its last character when something other than space follows.
            var j = i + 1
            while j < n && classes[j] == .space { j += 1 }
            if j < n && j - i > 1 { j -= 1 }
            emit(i, j); i = j
        }
    }
}
