import CKernels

/// Element-wise kernels of the transformer over raw rows. The loops live in the C target `CKernels`,
/// compiled for AVX2/FMA with a baseline fallback chosen at load time.
public enum Kernels {
    /// e^x within a few ulp (Cephes `expf` method).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { ck_exp(x) }

    /// out[i] = x[i] / sqrt(mean(x²) + eps) · weight[i], as Hugging Face's LlamaRMSNorm (Float32 throughout).
    @inline(__always)
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, count n: Int, into out: UnsafeMutablePointer<Float>) {
        ck_rmsnorm(x, weight, eps, n, out)
    }

    @inline(__always)
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float { ck_sum_squares(x, n) }

    /// gate[i] ← silu(gate[i]) · up[i], SwiGLU's combination (silu(g) = g / (1 + e^−g)).
    @inline(__always)
    public static func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count n: Int) {
        ck_swiglu(gate, up, n)
    }

    /// Softmax of x[0..<n] in place, with the maximum subtracted first.
    @inline(__always)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) { ck_softmax(x, n) }

    /// Softmax over x[a] and x[b] together (two disjoint ranges, a before b); the rest of x[0..<n] set to 0.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, over a: Range<Int>, and b: Range<Int>) {
        precondition(0 <= a.lowerBound && a.upperBound <= b.lowerBound && b.upperBound <= n)
        ck_softmax_two_ranges(x, n, a.lowerBound, a.upperBound, b.lowerBound, b.upperBound)
    }

    /// The maximum m of x[0..<n] and Σ exp(x_i − m), the parts of a log-sum-exp (m + log Σ) that several
    /// ranges of one row combine; blocks of 1,024 values are summed in Float32, blocks in Float64.
    /// m is −∞ for n = 0.
    public static func sumExpBelowMax(_ x: UnsafePointer<Float>, _ n: Int) -> (max: Double, sum: Double) {
        var m: Float = 0
        let sum = ck_sum_exp_below_max(x, n, &m)
        return (Double(m), sum)
    }

    /// Σ exp(x_i − shift) over x[0..<n] and the maximum of x, in one pass where AVX-512 runs it. Each term
    /// is exact only while x_i − shift ≤ 88.7 (the exponential clamps above): check the maximum.
    public static func sumExp(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (max: Double, sum: Double) {
        var m: Float = 0
        let sum = ck_sum_exp_shifted_max(x, n, shift, &m)
        return (Double(m), sum)
    }

    /// acc[j] += Σ_rows x[r, j]² for a [rows, columns] block with row stride `ld`: per-channel sums of
    /// squares, the raw material of L2-norm activation statistics.
    @inline(__always)
    public static func accumulateColumnSquares(_ x: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int, into acc: UnsafeMutablePointer<Double>) {
        ck_column_squares(x, rows, columns, ld, acc)
    }

    /// y[i] += x[i].
    @inline(__always)
    public static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) { ck_add(y, x, n) }

    /// y += x, x widened to Float64 (exactly).
    public static func add(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Float>, count n: Int) { ck_add_widened(y, x, n) }

    /// Causal attention's softmax for a block of `rows` score rows (row stride ld, `width` keys each): row r
    /// over its first `first + r` entries, its other entries set to 0. With `inverseSums` (room for `rows`),
    /// a row may be left as its exponentials, and `inverseSums[r]` is the factor that normalises it (1 if
    /// the row already is): for a product that applies it to its output rows instead.
    public static func causalSoftmax(_ scores: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int, first: Int,
                                     inverseSums: UnsafeMutablePointer<Float>? = nil) {
        precondition(rows >= 0 && first >= 1 && first + rows - 1 <= width && ld >= width, "causal softmax: \(rows) rows from \(first) over \(width)")
        ck_softmax_causal(scores, rows, width, ld, first, inverseSums)
    }
}
