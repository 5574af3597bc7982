// OpenBLAS picks its kernels from the CPU's family and model. In a virtual machine that reports a
// generic CPU ("Intel(R) Xeon(R) Processor") it falls back to the SSE3 kernels of a 2004 Pentium 4
// (Prescott), three to ten times slower than what the CPU can run. Before main, if the user has not
// chosen a core type and OpenBLAS chose one below what the CPU's flags allow, switch it: OpenBLAS
// looks the kernels up through one table per call, which is re-initialised here before any call.
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern char *openblas_get_corename(void) __attribute__((weak));
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

static int weaker_than_avx2(const char *core) {
    static const char *const weak[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
                                       "Coppermine", "Northwood", "Banias", "Sandybridge", "Unknown", 0};
    for (int i = 0; weak[i]; i++) if (strcasecmp(core, weak[i]) == 0) return 1;
    return 0;
}

__attribute__((constructor)) static void prune_choose_blas_core(void) {
#if defined(__x86_64__) && defined(__linux__)
    if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return;
    if (getenv("OPENBLAS_CORETYPE")) return;
    const char *core = openblas_get_corename();
    if (!core || !weaker_than_avx2(core)) return;
    __builtin_cpu_init();
    const char *better = 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq")) {
        better = "SkylakeX";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        better = "Haswell";
    }
    if (!better) return;
    setenv("OPENBLAS_CORETYPE", better, 0);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
#endif
}
