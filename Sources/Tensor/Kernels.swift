import Foundation

/// Element-wise kernels of the transformer, over raw rows. Each handles a tail shorter than a vector.
public enum Kernels {
    /// out[i] = x[i] / sqrt(mean(x²) + eps) · weight[i], as Hugging Face's LlamaRMSNorm (Float32 throughout).
    @inline(__always)
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, count n: Int, into out: UnsafeMutablePointer<Float>) {
        let ss = sumOfSquares(x, n)
        let scale = 1 / (ss / Float(n) + eps).squareRoot()
        var i = 0
        while i + 8 <= n {
            (Float8.load(x + i) * scale * Float8.load(weight + i)).store(out + i)
            i += 8
        }
        while i < n {
            out[i] = x[i] * scale * weight[i]
            i += 1
        }
    }

    @inline(__always)
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float8(), i = 0
        while i + 8 <= n {
            let v = Float8.load(x + i)
            acc += v * v
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += x[i] * x[i]
            i += 1
        }
        return s
    }

    /// gate[i] ← silu(gate[i]) · up[i], SwiGLU's combination (silu(g) = g / (1 + e^−g)).
    @inline(__always)
    public static func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            let g = Float8.load(gate + i)
            (g / (1 + fastExp(-g)) * Float8.load(up + i)).store(gate + i)
            i += 8
        }
        while i < n {
            let g = gate[i]
            gate[i] = g / (1 + fastExp(-g)) * up[i]
            i += 1
        }
    }

    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = Float8(repeating: -.infinity), i = 0
        while i + 8 <= n {
            m = pointwiseMax(m, Float8.load(x + i))
            i += 8
        }
        var r = m.max()
        while i < n {
            r = Swift.max(r, x[i])
            i += 1
        }
        return r
    }

    /// Softmax of x[0..<n] in place, with the maximum subtracted first.
    @inline(__always)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = Float8(repeating: max(x, n))
        var acc = Float8(), i = 0
        while i + 8 <= n {
            let e = fastExp(Float8.load(x + i) - m)
            e.store(x + i)
            acc += e
            i += 8
        }
        var s = acc.sum()
        while i < n {
            let e = fastExp(x[i] - m[0])
            x[i] = e
            s += e
            i += 1
        }
        let inv = 1 / s
        i = 0
        while i + 8 <= n {
            (Float8.load(x + i) * inv).store(x + i)
            i += 8
        }
        while i < n {
            x[i] *= inv
            i += 1
        }
    }

    /// log Σ exp(x[i]) for one row of logits; the sum is accumulated in Float64 so long rows stay exact.
    @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        let mScalar = max(x, n)
        let m = Float8(repeating: mScalar)
        var total = 0.0, i = 0
        while i < n {
            // Blocks of 1024 summed in Float32 lanes, then carried in Float64.
            var acc = Float8()
            let end = Swift.min(n, i + 1024)
            while i + 8 <= end {
                acc += fastExp(Float8.load(x + i) - m)
                i += 8
            }
            var s = Double(acc.sum())
            while i < end {
                s += Double(fastExp(x[i] - mScalar))
                i += 1
            }
            total += s
        }
        return Double(mScalar) + Foundation.log(total)
    }

    /// acc[j] += Σ_rows x[r, j]² for a [rows, columns] block with row stride `ld`: per-channel sums of
    /// squares, the raw material of L2-norm activation statistics. Accumulates in Float64.
    public static func accumulateColumnSquares(_ x: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int, into acc: UnsafeMutablePointer<Double>) {
        // Sum a block of rows in Float32 first, then carry into Float64: exact enough, and vectorised.
        let block = 64
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        defer { partial.deallocate() }
        var r0 = 0
        while r0 < rows {
            let r1 = Swift.min(rows, r0 + block)
            partial.initialize(repeating: 0, count: columns)
            for r in r0..<r1 {
                let row = x + r * ld
                var j = 0
                while j + 8 <= columns {
                    let v = Float8.load(row + j)
                    (Float8.load(partial + j) + v * v).store(partial + j)
                    j += 8
                }
                while j < columns {
                    partial[j] += row[j] * row[j]
                    j += 1
                }
            }
            for j in 0..<columns { acc[j] += Double(partial[j]) }
            r0 = r1
        }
    }
}
