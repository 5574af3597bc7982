import Foundation

/// An sRGB colour as gnuplot's `#RRGGBB`, with hue/saturation/lightness so a scorer's variants can be
/// shades of its own colour: same hue, lighter or darker.
struct Colour: Equatable {
    var hue: Double         // degrees, [0, 360)
    var saturation: Double  // [0, 1]
    var lightness: Double   // [0, 1]

    init(hue: Double, saturation: Double, lightness: Double) {
        self.hue = hue
        self.saturation = saturation
        self.lightness = lightness
    }

    /// From `#RRGGBB`; nil for anything else.
    init?(hex: String) {
        guard hex.count == 7, hex.first == "#", let v = UInt32(hex.dropFirst(), radix: 16) else { return nil }
        let r = Double(v >> 16 & 0xFF) / 255, g = Double(v >> 8 & 0xFF) / 255, b = Double(v & 0xFF) / 255
        let hi = max(r, g, b), lo = min(r, g, b), chroma = hi - lo
        lightness = (hi + lo) / 2
        saturation = chroma == 0 ? 0 : chroma / (1 - abs(2 * lightness - 1))
        var h: Double
        if chroma == 0 { h = 0 } else if hi == r { h = (g - b) / chroma } else if hi == g { h = (b - r) / chroma + 2 } else { h = (r - g) / chroma + 4 }
        h *= 60
        hue = h < 0 ? h + 360 : h
    }

    var hex: String {
        // The standard HSL to RGB conversion, each channel rounded to 8 bits.
        let chroma = (1 - abs(2 * lightness - 1)) * saturation
        let h = hue / 60
        let x = chroma * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double) = switch h {
        case ..<1: (chroma, x, 0)
        case ..<2: (x, chroma, 0)
        case ..<3: (0, chroma, x)
        case ..<4: (0, x, chroma)
        case ..<5: (x, 0, chroma)
        default: (chroma, 0, x)
        }
        let m = lightness - chroma / 2
        func byte(_ v: Double) -> Int { min(max(Int(((v + m) * 255).rounded()), 0), 255) }
        return String(format: "#%02X%02X%02X", byte(r), byte(g), byte(b))
    }
}
