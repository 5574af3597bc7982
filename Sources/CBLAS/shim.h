// OpenBLAS's CBLAS interface plus its thread-count control.
#include <cblas.h>

// LAPACK's Cholesky solve from the same library (Debian's libopenblas exports the LAPACK symbols):
// Fortran calling convention, every argument by pointer, column-major matrices.
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
