// oneDNN's C interface (Debian's libdnnl 2.6, built on OpenMP) plus the two OpenMP calls that set how
// many threads one of its primitives uses from the calling thread.
#include <oneapi/dnnl/dnnl.h>

int omp_get_max_threads(void);
void omp_set_num_threads(int n);

// Execution-argument indices as constants: the header spells them as macros of macros, which Swift
// does not import.
static const int prune_dnnl_arg_src = DNNL_ARG_SRC;
static const int prune_dnnl_arg_weights = DNNL_ARG_WEIGHTS;
static const int prune_dnnl_arg_dst = DNNL_ARG_DST;
static const int prune_dnnl_arg_scratchpad = DNNL_ARG_SCRATCHPAD;

// A dimension given only when a primitive runs (INT64_MIN, also a macro Swift does not import).
static const int64_t prune_dnnl_runtime_dim = DNNL_RUNTIME_DIM_VAL;

// A 2-D memory descriptor with explicit strides (dnnl_dims_t is a C array, awkward from Swift).
static inline dnnl_status_t prune_dnnl_matrix_desc(dnnl_memory_desc_t *desc, int64_t rows, int64_t columns,
                                                   int64_t row_stride, int64_t column_stride, dnnl_data_type_t type) {
    dnnl_dims_t dims = {rows, columns};
    dnnl_dims_t strides = {row_stride, column_stride};
    return dnnl_memory_desc_init_by_strides(desc, 2, dims, type, strides);
}

// A 2-D descriptor whose layout a primitive chooses (format tag "any"): how weights are asked for in
// the blocked layout oneDNN prefers.
static inline dnnl_status_t prune_dnnl_any_matrix_desc(dnnl_memory_desc_t *desc, int64_t rows, int64_t columns,
                                                       dnnl_data_type_t type) {
    dnnl_dims_t dims = {rows, columns};
    return dnnl_memory_desc_init_by_tag(desc, 2, dims, type, dnnl_format_tag_any);
}
