// Package q8 holds the fast 8-bit CPU kernels of the MobileNet runtime: the
// pointwise GEMM (1×1 convolution and fully connected layers), the
// depthwise 3×3 convolution and a general convolution (im2col rows and the
// GEMM) for uint8 models (one zero point per tensor) and int8 models
// (per-channel weight scales, weight zero point 0). A convolution with at
// most 8 outputs (a narrow stem) folds several output pixels into one GEMM
// row (fold.go). AvgPool, the average pooling, is plain Go at every level.
//
// They compute exactly what the reference kernels of package qref compute —
// the same int32 accumulators and the same output codes, in either of
// TFLite's roundings (qmath.XNNPACK or qmath.Reference) — and the tests hold
// them to that, code for code.
//
// # Arithmetic
//
// The accumulator acc = bias + Σ (x − zp_x)(w − zp_w) is an exact integer,
// so any exact regrouping gives the same int32 (the sums wrap modulo 2³²
// alike). The GEMM multiplies the raw input bytes by the weights with their
// top bit flipped — int8 w − 128 against uint8 inputs, uint8 w + 128
// against int8 inputs — with VPDPBUSD (uint8 × int8, four products per
// int32 lane), which is exact for every weight and zero point; the terms
// the flip and the zero points add are a per-column constant, folded into
// the bias when packing, and a multiple of each row's sum of input bytes,
// computed once per row:
//
//	uint8: Σ(x−zx)(w−zw) = Σ x·(w−128) + (128−zw)·Σx − zx·Σ(w−zw)
//	int8:  Σ(x−zx)·w     = Σ x·(w+128) − 128·Σx − zx·Σw
//
// The depthwise kernels hold w − zp_w (|w − zp_w| ≤ 255) in the low 16
// bits of an int32 lane and the sign- or zero-extended input in another,
// and VPDPWSSD adds their exact product; the input zero point is folded
// into the bias of the taps a span uses. The requantization is fused:
// XNNPACK's float32 multiply, clamp and round-half-even conversion, or the
// Reference fixed-point MultiplyByQuantizedMultiplier with 64-bit products
// (see ../../asm/q8/requant.go), chosen per layer at run time.
//
// # Levels
//
// The instruction-set level is chosen once at start (see Detected): VNNI
// needs package kernels to have detected AVX512 (so MOBILENET_ISA lowers it
// too) and AVX512_VNNI; SetLevel forces a level for tests. Every kernel has
// a plain-Go twin, the Generic level and the fallback of builds with the
// purego or noasm tags, -race builds and other architectures.
//
// Run methods do not allocate, are safe for concurrent use on disjoint
// outputs, and never read or write outside the slices they are given; they
// panic if a slice is too short for the shape they are asked to compute.
//
// # Regenerating the assembly
//
// The generator (../../asm/q8, in the nested module that requires avo) is
// the source of truth; the .s and stub files it writes are committed. From
// this directory:
//
//	go generate
package q8
