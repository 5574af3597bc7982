import CDNNL
import Foundation

extension OneDNN {
    /// A Float32 weight [n, k] (read as Bᵀ, a linear layer's x Wᵀ) copied once into the blocked layout
    /// oneDNN's matmul asks for, so that no call has to repack it on the fly: on SmolLM2's products with
    /// 512 rows, one per core, that ran the linear layers 7-8 % faster and the LM head's 4,096-wide tiles
    /// 17 % faster than the plain layout. The plain weight stays the caller's; calls the blocked layout
    /// cannot serve (a primitive that would fall back to oneDNN's reference code, or past a product's
    /// row-count limit) use it instead, so `plain` must outlive this object (`owner` keeps it).
    public final class PackedWeights: @unchecked Sendable {
        public let n: Int
        public let k: Int
        /// The plain weight, row stride `ldb`, and what keeps its memory alive.
        let plain: UnsafePointer<Float>
        let ldb: Int
        let owner: AnyObject?
        /// Which of the layouts oneDNN chose so far this one is (primitives are shared by weights of one layout).
        let layout: Int
        let buffer: UnsafeMutableRawPointer
        public let bytes: Int

        /// Packs `b` for products with about `rows` rows (the layout oneDNN picks can depend on them; other
        /// row counts use the same layout). Nil when oneDNN would keep the plain layout anyway.
        public init?(b: UnsafePointer<Float>, n: Int, k: Int, ldb: Int, owner: AnyObject?, rows: Int) {
            precondition(n > 0 && k > 0 && ldb >= k && rows > 0, "packing an empty or malformed weight")
            self.n = n
            self.k = k
            self.plain = b
            self.ldb = ldb
            self.owner = owner
            let state = OneDNN.shared
            var plainDesc = dnnl_memory_desc_t()
            check(prune_dnnl_matrix_desc(&plainDesc, Int64(k), Int64(n), 1, Int64(ldb), dnnl_f32), "plain weights descriptor")
            guard var chosen = Self.preferredLayout(n: n, k: k, rows: rows, engine: state.engine),
                  dnnl_memory_desc_equal(&chosen, &plainDesc) == 0 else { return nil }
            layout = state.lock.withLock { state.layoutIndex(chosen) }
            bytes = dnnl_memory_desc_get_size(&chosen)
            buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            Self.reorder(from: &plainDesc, UnsafeMutableRawPointer(mutating: b), to: &chosen, buffer, engine: state.engine)
        }

        deinit { buffer.deallocate() }

        /// The weights layout a matmul of `rows` × k by k × n picks when left free to choose.
        static func preferredLayout(n: Int, k: Int, rows: Int, engine: OpaquePointer) -> dnnl_memory_desc_t? {
            var src = dnnl_memory_desc_t(), dst = dnnl_memory_desc_t(), weights = dnnl_memory_desc_t()
            check(prune_dnnl_matrix_desc(&src, Int64(rows), Int64(k), Int64(k), 1, dnnl_f32), "source descriptor")
            check(prune_dnnl_matrix_desc(&dst, Int64(rows), Int64(n), Int64(n), 1, dnnl_f32), "destination descriptor")
            check(prune_dnnl_any_matrix_desc(&weights, Int64(k), Int64(n), dnnl_f32), "free weights descriptor")
            var desc = dnnl_matmul_desc_t()
            check(dnnl_matmul_desc_init(&desc, &src, &weights, nil, &dst), "matmul descriptor")
            var pd: OpaquePointer?
            guard dnnl_primitive_desc_create(&pd, &desc, nil, engine, nil) == dnnl_success else { return nil }
            defer { dnnl_primitive_desc_destroy(pd) }
            return dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)?.pointee
        }

        static func reorder(from source: inout dnnl_memory_desc_t, _ from: UnsafeMutableRawPointer,
                            to target: inout dnnl_memory_desc_t, _ to: UnsafeMutableRawPointer, engine: OpaquePointer) {
            var pd: OpaquePointer?
            check(dnnl_reorder_primitive_desc_create(&pd, &source, engine, &target, engine, nil), "reorder descriptor")
            defer { dnnl_primitive_desc_destroy(pd) }
            var primitive: OpaquePointer?
            check(dnnl_primitive_create(&primitive, pd), "reorder primitive")
            defer { dnnl_primitive_destroy(primitive) }
            let stream = ThreadContext.current(engine).stream
            var input: OpaquePointer?, output: OpaquePointer?
            check(dnnl_memory_create(&input, &source, engine, from), "memory object")
            defer { dnnl_memory_destroy(input) }
            check(dnnl_memory_create(&output, &target, engine, to), "memory object")
            defer { dnnl_memory_destroy(output) }
            var args = [dnnl_exec_arg_t(arg: prune_dnnl_arg_src, memory: input), dnnl_exec_arg_t(arg: prune_dnnl_arg_dst, memory: output)]
            check(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "reorder")
            check(dnnl_stream_wait(stream), "stream wait")
        }
    }

    /// C[m×n] = A[m×k] · Wᵀ (+ C with `accumulate`) with W packed: the same product as `gemmNT` on the
    /// plain weight, which serves the calls the packed layout cannot.
    public static func gemmNT(m: Int, a: UnsafePointer<Float>, lda: Int, packed w: PackedWeights, accumulate: Bool = false,
                              c: UnsafeMutablePointer<Float>, ldc: Int) {
        let key = Key(m: m, n: w.n, k: w.k, lda: lda, ldb: w.ldb, ldc: ldc, bTransposed: true, type: .f32, accumulate: accumulate,
                      packedLayout: w.layout)
        OneDNN.setThreads()
        guard m > 0, let mm = shared.packedMatmul(key) else {
            gemmNT(m: m, n: w.n, k: w.k, a: a, lda: lda, b: w.plain, ldb: w.ldb, accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        run(mm, key, a: UnsafeRawPointer(a), b: UnsafeRawPointer(w.buffer), c: c)
    }
}
