import CDNNL
import Foundation

/// Matrix products through oneDNN's matmul primitive (the library behind PyTorch's CPU kernels), in
/// Float32 or with bfloat16 inputs and Float32 accumulation and output. A primitive is created once per
/// shape (creation costs far more than a small product) and kept in a cache shared by all threads; each
/// call wraps the caller's buffers, so nothing is copied. Row-major throughout, like `BLAS`.
public enum OneDNN {
    /// What the two inputs hold: Float32, or bfloat16 bits (`UInt16`). The output is Float32 either way.
    public enum InputType: Sendable, Hashable { case f32, bf16 }

    /// How many threads one call uses, per calling thread: 1 while windows run one per core (as
    /// `BLAS.threads`, which sets this too).
    public static var threads: Int {
        get { shared.lock.withLock { shared.threads } }
        set { shared.lock.withLock { shared.threads = max(1, newValue) } }
    }

    /// C[m×n] = A[m×k] · Bᵀ (+ C with `accumulate`) for B stored [n, k] (row stride ldb): a linear layer
    /// x Wᵀ with W stored [out, in]. Float32 inputs.
    /// `alpha` scales the product (an output scale of the primitive, as sgemm's alpha).
    public static func gemmNT(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(Key(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, bTransposed: true, type: .f32, accumulate: accumulate, alpha: alpha),
             a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c)
    }

    /// The same with bfloat16 inputs (A [m, k] and B [n, k], as bits) and a Float32 output.
    public static func gemmNT(m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(Key(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, bTransposed: true, type: .bf16, accumulate: accumulate),
             a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c)
    }

    /// C[m×n] = A[m×k] · B[k×n] (+ C with `accumulate`), Float32.
    public static func gemmNN(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(Key(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, bTransposed: false, type: .f32, accumulate: accumulate),
             a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c)
    }

    /// The same with bfloat16 inputs (A [m, k], B [k, n]) and a Float32 output.
    public static func gemmNN(m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(Key(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, bTransposed: false, type: .bf16, accumulate: accumulate),
             a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c)
    }

    /// C[m×n] = Aᵀ · B (+ C with `accumulate`) for A stored [k, m] (row stride lda) and B [k, n]: a Gram
    /// matrix or cross products of activations, without copying A transposed. Float32.
    public static func gemmTN(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(Key(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, bTransposed: false, type: .f32, accumulate: accumulate, aTransposed: true),
             a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c)
    }

    /// Primitives created so far (one per distinct shape, strides, input type and accumulation).
    public static var cachedPrimitives: Int { shared.lock.withLock { shared.cache.count } }

    // MARK: - Primitives and their cache

    struct Key: Hashable {
        /// Rows of A and C; `Key.anyRows` for a primitive that takes them when it runs.
        var m: Int
        let n, k, lda, ldb, ldc: Int
        let bTransposed: Bool
        let type: InputType
        let accumulate: Bool
        var alpha: Float = 1
        /// A is stored [k, m] (row stride lda) and read transposed.
        var aTransposed = false
        /// B in a blocked layout oneDNN chose (`PackedWeights.layout`), or -1: plain, as the strides say.
        var packedLayout = -1

        static let anyRows = -1
        /// The same product for any number of rows.
        var family: Key { var f = self; f.m = Key.anyRows; return f }

        /// Source [rows, k] (row stride lda) and destination [rows, n] (row stride ldc, Float32).
        func describeRows(_ rows: Int64, source: inout dnnl_memory_desc_t, destination: inout dnnl_memory_desc_t) {
            let (rs, cs) = aTransposed ? (Int64(1), Int64(lda)) : (Int64(lda), Int64(1))
            check(prune_dnnl_matrix_desc(&source, rows, Int64(k), rs, cs, type == .f32 ? dnnl_f32 : dnnl_bf16), "source descriptor")
            check(prune_dnnl_matrix_desc(&destination, rows, Int64(n), Int64(ldc), 1, dnnl_f32), "destination descriptor")
        }
    }

    /// One matmul primitive and the memory descriptors its arguments are wrapped in. Primitives are
    /// immutable once created; with the scratchpad supplied by each call (user mode) one primitive may
    /// run on several threads at once.
    final class Matmul: @unchecked Sendable {
        let primitive: OpaquePointer
        var src = dnnl_memory_desc_t(), weights = dnnl_memory_desc_t(), dst = dnnl_memory_desc_t()
        var scratchpad = dnnl_memory_desc_t()
        let scratchpadBytes: Int
        /// Made for any number of rows: each call describes its source and destination again.
        let anyRows: Bool

        /// Nil when `layout` (packed weights) is given and oneDNN can serve it only with its reference code
        /// (or not at all): the caller then uses the plain weight.
        init?(_ key: Key, engine: OpaquePointer, layout: dnnl_memory_desc_t? = nil) {
            let type = key.type == .f32 ? dnnl_f32 : dnnl_bf16
            anyRows = key.m == Key.anyRows
            key.describeRows(anyRows ? prune_dnnl_runtime_dim : Int64(key.m), source: &src, destination: &dst)
            // Logical [k, n]; B stored [n, k] (transposed) or [k, n], described by strides alone, or packed.
            if let packed = layout {
                weights = packed
            } else {
                let (rs, cs) = key.bTransposed ? (1, key.ldb) : (key.ldb, 1)
                check(prune_dnnl_matrix_desc(&weights, Int64(key.k), Int64(key.n), Int64(rs), Int64(cs), type), "weights descriptor")
            }
            var desc = dnnl_matmul_desc_t()
            check(dnnl_matmul_desc_init(&desc, &src, &weights, nil, &dst), "matmul descriptor")

            var attr: OpaquePointer?
            check(dnnl_primitive_attr_create(&attr), "attributes")
            defer { dnnl_primitive_attr_destroy(attr) }
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode")
            if key.alpha != 1 {
                var alpha = key.alpha
                check(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha), "output scale")
            }
            if key.accumulate {
                var ops: OpaquePointer?
                check(dnnl_post_ops_create(&ops), "post-ops")
                defer { dnnl_post_ops_destroy(ops) }
                check(dnnl_post_ops_append_sum(ops, 1), "sum post-op")
                check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops attribute")
            }
            var pd: OpaquePointer?
            let made = dnnl_primitive_desc_create(&pd, &desc, attr, engine, nil)
            if layout != nil && made != dnnl_success { return nil }
            check(made, "matmul primitive descriptor for \(key)")
            defer { dnnl_primitive_desc_destroy(pd) }
            if layout != nil {
                var name: UnsafePointer<CChar>?
                check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name), "implementation name")
                if name.map({ String(cString: $0).hasPrefix("ref") }) ?? true { return nil }
            }
            if let md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
                scratchpad = md.pointee
                scratchpadBytes = dnnl_memory_desc_get_size(md)
            } else {
                scratchpadBytes = 0
            }
            var p: OpaquePointer?
            check(dnnl_primitive_create(&p, pd), "matmul primitive")
            primitive = p!
        }

        deinit { dnnl_primitive_destroy(primitive) }
    }

    final class State: @unchecked Sendable {
        let lock = NSLock()
        let engine: OpaquePointer
        var cache: [Key: Matmul] = [:]
        /// Packed products oneDNN cannot serve well (see `Matmul.init`): their calls use the plain weight.
        var unservable: Set<Key> = []
        /// The distinct blocked weight layouts `PackedWeights` were given, by index.
        var layouts: [dnnl_memory_desc_t] = []
        /// How many row counts each product has a primitive of its own for.
        var rowCounts: [Key: Int] = [:]
        var threads = Parallel.cores
        static let capacity = 4096
        /// Past this many row counts of one product (windows of every length: packed task requests), new
        /// row counts share one primitive made for any (a little slower per call, but made once), so a
        /// pruned model's many widths times many lengths cannot fill the cache with one-use primitives.
        static let rowCountsPerProduct = 32

        init() {
            var e: OpaquePointer?
            check(dnnl_engine_create(&e, dnnl_cpu, 0), "CPU engine")
            engine = e!
        }

        func matmul(_ key: Key) -> Matmul {
            lock.withLock {
                if let hit = cache[key] { return hit }
                let family = key.family
                let counted = rowCounts[family, default: 0]
                let chosen = counted < Self.rowCountsPerProduct ? key : family
                if let hit = cache[chosen] { return hit }
                // Still bounded (many distinct products: models of many widths in one process); a
                // primitive costs well under a millisecond to make again, so start over. Callers that
                // hold one keep it alive until they are done.
                if cache.count >= Self.capacity { cache.removeAll(); rowCounts.removeAll() }
                let made = Matmul(chosen, engine: engine)!
                cache[chosen] = made
                if chosen == key { rowCounts[family] = counted + 1 }
                return made
            }
        }

        /// The primitive for a product with packed weights, or nil when its calls must use the plain
        /// weight: oneDNN serves the layout only with reference code, or the product already has a
        /// primitive for as many row counts as `rowCountsPerProduct` allows.
        func packedMatmul(_ key: Key) -> Matmul? {
            lock.withLock {
                if let hit = cache[key] { return hit }
                if unservable.contains(key) { return nil }
                let family = key.family
                let counted = rowCounts[family, default: 0]
                guard counted < Self.rowCountsPerProduct else { return nil }
                if cache.count >= Self.capacity { cache.removeAll(); rowCounts.removeAll(); unservable.removeAll() }
                guard let made = Matmul(key, engine: engine, layout: layouts[key.packedLayout]) else {
                    unservable.insert(key)
                    return nil
                }
                cache[key] = made
                rowCounts[family] = counted + 1
                return made
            }
        }

        /// The index of a blocked weights layout, registered on first sight. Called under `lock`.
        func layoutIndex(_ layout: dnnl_memory_desc_t) -> Int {
            var wanted = layout
            for i in layouts.indices {
                var known = layouts[i]
                if dnnl_memory_desc_equal(&known, &wanted) != 0 { return i }
            }
            layouts.append(layout)
            return layouts.count - 1
        }
    }

    static let shared = State()

    static func gemm(_ key: Key, a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>) {
        precondition(key.m >= 0 && key.n >= 0 && key.k >= 0, "negative GEMM dimension in \(key)")
        if key.m == 0 || key.n == 0 { return }
        if key.k == 0 {
            // An empty sum: oneDNN refuses zero-sized reductions.
            if !key.accumulate { for r in 0..<key.m { (c + r * key.ldc).update(repeating: 0, count: key.n) } }
            return
        }
        setThreads()
        run(shared.matmul(key), key, a: a, b: b, c: c)
    }

    /// The thread count goes first: a primitive sizes its work split by it when created.
    static func setThreads() {
        let want = threads
        if omp_get_max_threads() != Int32(want) { omp_set_num_threads(Int32(want)) }
    }

    /// Runs a matmul primitive on the caller's buffers, with the calling thread's stream and scratchpad.
    static func run(_ mm: Matmul, _ key: Key, a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>) {
        let engine = shared.engine
        let context = ThreadContext.current(engine)
        var memories: (OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?) = (nil, nil, nil, nil)
        defer {
            dnnl_memory_destroy(memories.0)
            dnnl_memory_destroy(memories.1)
            dnnl_memory_destroy(memories.2)
            if let pad = memories.3 { dnnl_memory_destroy(pad) }
        }
        func wrap(_ desc: inout dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer) -> OpaquePointer? {
            var m: OpaquePointer?
            check(dnnl_memory_create(&m, &desc, engine, pointer), "memory object")
            return m
        }
        // A primitive for any number of rows reads this call's from its memory descriptors.
        var src = mm.src, dst = mm.dst
        if mm.anyRows { key.describeRows(Int64(key.m), source: &src, destination: &dst) }
        var weights = mm.weights
        memories.0 = wrap(&src, UnsafeMutableRawPointer(mutating: a))
        memories.1 = wrap(&weights, UnsafeMutableRawPointer(mutating: b))
        memories.2 = wrap(&dst, UnsafeMutableRawPointer(c))
        var args = (dnnl_exec_arg_t(arg: prune_dnnl_arg_src, memory: memories.0),
                    dnnl_exec_arg_t(arg: prune_dnnl_arg_weights, memory: memories.1),
                    dnnl_exec_arg_t(arg: prune_dnnl_arg_dst, memory: memories.2),
                    dnnl_exec_arg_t(arg: prune_dnnl_arg_scratchpad, memory: nil))
        var count: Int32 = 3
        if mm.scratchpadBytes > 0 {
            var pad = mm.scratchpad
            memories.3 = wrap(&pad, context.scratchpad(mm.scratchpadBytes))
            args.3.memory = memories.3
            count = 4
        }
        withUnsafeMutableBytes(of: &args) { raw in
            let list = raw.baseAddress!.assumingMemoryBound(to: dnnl_exec_arg_t.self)
            check(dnnl_primitive_execute(mm.primitive, context.stream, count, list), "matmul execution")
        }
        check(dnnl_stream_wait(context.stream), "stream wait")
    }

    /// A thread's oneDNN stream and scratchpad, made on its first call and kept until the thread ends:
    /// creating a stream and allocating (often mapping) a scratchpad per call had cost more than the
    /// small attention products they served.
    final class ThreadContext {
        let stream: OpaquePointer
        private var pad: UnsafeMutableRawPointer?
        private var padBytes = 0
        static let key = "prune.onednn.thread-context"

        init(_ engine: OpaquePointer) {
            var s: OpaquePointer?
            check(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "stream")
            stream = s!
        }

        deinit {
            dnnl_stream_destroy(stream)
            pad?.deallocate()
        }

        static func current(_ engine: OpaquePointer) -> ThreadContext {
            let slots = Thread.current.threadDictionary
            if let known = slots[key] as? ThreadContext { return known }
            let made = ThreadContext(engine)
            slots[key] = made
            return made
        }

        /// At least `bytes` of 64-byte-aligned scratch, this thread's alone.
        func scratchpad(_ bytes: Int) -> UnsafeMutableRawPointer {
            if bytes > padBytes {
                pad?.deallocate()
                pad = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                padBytes = bytes
            }
            return pad!
        }
    }

    /// oneDNN reports failures as status codes; every call here is on shapes the caller checked, so a
    /// failure is a broken installation or a bug, not bad input.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN: \(what()) failed with status \(status.rawValue)")
    }
}
