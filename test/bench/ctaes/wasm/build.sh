#!/bin/sh
# Builds ctaes.wasm (32-bit words, two blocks per call) and ctaes-simd.wasm (i32x4 words, eight blocks per call)
# from ctaes.c with Debian 12's clang 14 and wasm-ld (apt-get install -y clang lld).
set -e
cd "$(dirname "$0")"
FLAGS="--target=wasm32 -O3 -nostdlib -mbulk-memory -Wl,--no-entry -Wl,--export=xk_ptr,--export=d_ptr,--export=buf_ptr,--export=max_message,--export=set_key,--export=seal,--export=ecb,--export=chain -Wl,-z,stack-size=65536"
clang $FLAGS -o ctaes.wasm ctaes.c
clang $FLAGS -msimd128 -DSIMD -o ctaes-simd.wasm ctaes.c
ls -l ctaes.wasm ctaes-simd.wasm
