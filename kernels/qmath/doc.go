// Package qmath holds the integer arithmetic that TensorFlow Lite's 8-bit kernels share, and that the
// reference kernels (kernels/qref) and the fast ones (kernels/q8) both use: requantization of int32
// accumulators in TFLite's two roundings ([Requant]), the fixed-point multipliers of the reference path
// ([QuantizeMultiplier], [MultiplyByQuantizedMultiplier] and gemmlowp's primitives), and the
// activation ranges of quantized outputs ([ActivationRange]). It imports only the standard library.
//
// # The two requantizations
//
// A convolution accumulates acc = Σ (w − zp_w)(x − zp_x) + bias exactly in int32 and then maps acc to
// an output code. TFLite has two ways to do that, selected here by [Rounding]:
//
// [XNNPACK] is what TFLite's default CPU path (the XNNPACK delegate) computes on x86 and in XNNPACK's
// scalar and WebAssembly kernels. It was read from XNNPACK's sources:
//
//   - src/operators/convolution-nhwc.c (xnn_create_convolution2d_nhwc_qu8, _qs8 and _qs8_qc8w) and
//     fully-connected-nc.c form the scale in float32 as
//     `const float requantization_scale = input_scale * kernel_scale / output_scale;`,
//     i.e. float32(float32(s_x·s_w) / s_y), two float32 roundings (per channel with kernel_scale[oc]
//     for qc8w). TFLite's delegate passes the tensors' float32 scales unchanged.
//   - The fp32 microkernels (for example src/qu8-dwconv/gen/...-minmax-fp32-avx2-mul32.c, the
//     qu8/qs8 gemm and igemm "fp32" sse2/sse41/avx/avx2/avx512skx variants, and the scalar
//     "fmagic", "imagic" and "lrintf" variants initialised by xnn_init_qu8_conv_minmax_fp32_scalar_*
//     in src/params-init.c) convert acc to float32 (cvtdq2ps: round to nearest even), multiply by
//     the float32 scale (one float32 rounding, no fused multiply-add), clamp to
//     output_max − zp in the float domain, convert with cvtps2dq (round half to even, the MXCSR
//     default; the scalar variants use lrintf or the magic bias 1.5·2²³, also half to even), then add
//     zp with int16 saturation, pack with unsigned (or signed) saturation and take the max with
//     output_min.
//
// Clamping before or after rounding gives the same code: rounding is monotone and the bounds
// output_max − zp and output_min − zp are integers, so round(min(s, K)) = min(round(s), K); and the
// saturating packs only ever move a value that is already below output_min further below it. This
// package therefore computes clamp(roundHalfEven(float32(float32(acc)·scale)) + zp, act_min, act_max),
// with the float32 value clamped to [act_min − zp, act_max − zp] before the conversion to keep it in
// int32 range. XNNPACK refuses scales ≥ 256 (some releases refuse qu8 scales ≥ 1); the delegate then
// leaves the op to TFLite's built-in kernel. On ARM, XNNPACK's qu8 kernels use a third arithmetic,
// "rndnu" fixed point (src/qu8-gemm/gen/*-rndnu-neon*.c), which this package does not model.
//
// The integer accumulator is the same in XNNPACK although it is computed differently: the packing
// routines fold the input zero point into the bias (bias − zp_x·Σ(w − zp_w)) and the kernels multiply
// the raw input by (w − zp_w); out-of-bounds taps read a buffer filled with zp_x, which contributes
// exactly what the folded term removes. Since int32 wrap-around arithmetic is exact modulo 2³², every
// ordering yields the same acc.
//
// [Reference] is TFLite's built-in reference path (and TFLite Micro): QuantizeMultiplier turns the
// real multiplier M into a 31-bit M0 and a shift, and MultiplyByQuantizedMultiplier rounds twice
// (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT). How M itself is formed depends on
// the op and type, see [Product].
//
// Over a network the two disagree on about 1 % of output codes, by up to a few codes; for a single
// value they part only near a rounding boundary (see the tests for the acc = 14210 case).
package qmath
