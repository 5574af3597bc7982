import Foundation

/// A value with its 95 % interval, and how the interval was made (stated under every table and figure).
public struct Estimate: Equatable, Sendable {
    public var value: Double
    public var low: Double?
    public var high: Double?
    /// How many replicates the value is the mean of (1: a single cell).
    public var replicates: Int

    public var halfWidth: Double? { low.flatMap { l in high.map { ($0 - l) / 2 } } }
}

enum Intervals {
    /// Mean of replicates with the 95 % Student-t interval mean ± t(0.975, n−1) · s / √n (s the sample
    /// standard deviation); no interval for a single value.
    static func replicates(_ xs: [Double]) -> Estimate {
        let n = Double(xs.count)
        let mean = xs.reduce(0, +) / n
        guard xs.count > 1 else { return Estimate(value: mean, low: nil, high: nil, replicates: xs.count) }
        let s = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        let h = studentQuantile(0.975, degrees: n - 1) * s / n.squareRoot()
        return Estimate(value: mean, low: mean - h, high: mean + h, replicates: xs.count)
    }

    /// The p-quantile of Student's t with `degrees` degrees of freedom, by bisection on its CDF.
    static func studentQuantile(_ p: Double, degrees v: Double) -> Double {
        var lo = 0.0, hi = 1e4
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if studentCDF(mid, degrees: v) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// P(T ≤ t) for t ≥ 0: 1 − ½ · I_{v/(v+t²)}(v/2, 1/2).
    static func studentCDF(_ t: Double, degrees v: Double) -> Double {
        1 - 0.5 * regularizedBeta(v / (v + t * t), v / 2, 0.5)
    }

    /// I_x(a, b) by its continued fraction (modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    /// where the fraction converges slowly.
    static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logs: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let powers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logs + powers)
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...500 {
            let m = Double(m)
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; if abs(d) < tiny { d = tiny }
            c = 1 + even / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; if abs(d) < tiny { d = tiny }
            c = 1 + odd / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return front * f / a
    }

    static let resamples = 1000
    static let bootstrapSeed: UInt64 = 0

    /// The 95 % percentile bootstrap interval of `statistic` over `n` items: `resamples` resamples of n
    /// indices drawn with replacement (index = SplitMix64(seed 0).next() mod n), the statistic of each,
    /// sorted; the interval runs from the ⌊0.025·B⌋-th to the (⌈0.975·B⌉−1)-th (0-based).
    static func bootstrap(count n: Int, _ statistic: ([Int]) -> Double) -> (Double, Double)? {
        guard n > 1 else { return nil }
        var rng = SplitMix64(seed: bootstrapSeed)
        var stats: [Double] = []
        stats.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for i in 0..<n { indices[i] = Int(rng.next() % UInt64(n)) }
            stats.append(statistic(indices))
        }
        stats.sort()
        let lo = Int((0.025 * Double(resamples)).rounded(.down)), hi = Int((0.975 * Double(resamples)).rounded(.up)) - 1
        return (stats[lo], stats[hi])
    }
}

/// Steele, Lea and Flood's SplitMix64: small, fast, and easy to reproduce in any language.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
