package qref

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// The vectors in testdata/tflm_vectors.json are figures carried over from TensorFlow Lite Micro's
// kernel tests (tensorflow/lite/micro/kernels/*_test.cc; each case names its file and commit). TFLM's
// reference kernels use the Reference rounding, so these are an outside check of that arithmetic: every
// case must hold to the tolerance its TFLM test uses, 0 (exact) or 1 code.

// tflmFile is the layout of testdata/tflm_vectors.json.
type tflmFile struct {
	Source       string      `json:"source"`
	About        string      `json:"about"`
	Quantization string      `json:"quantization"`
	Skipped      []tflmSkip  `json:"skipped"`
	Cases        []*tflmCase `json:"cases"`
}

// tflmSkip is a TFLM kernel test this project cannot run yet, with the reason.
type tflmSkip struct {
	Op, File, Commit, Reason string
}

// tflmCase is one TFLM test: an op, its parameters, its inputs and its expected output.
type tflmCase struct {
	Test       string      `json:"test"`
	File       string      `json:"file"`
	Commit     string      `json:"commit"`
	Note       string      `json:"note"`
	Op         string      `json:"op"`   // conv, depthwise, fully_connected, average_pool, softmax, logistic
	Type       string      `json:"type"` // int8 or uint8
	Tolerance  int64       `json:"tolerance"`
	Input      tflmTensor  `json:"input"`
	Filter     *tflmTensor `json:"filter"`
	Bias       *tflmBias   `json:"bias"`
	Output     tflmOutput  `json:"output"`
	Stride     []int       `json:"stride"`   // [h, w]
	Dilation   []int       `json:"dilation"` // [h, w]
	Pool       []int       `json:"pool"`     // [h, w]
	Padding    string      `json:"padding"`  // valid or same
	Activation string      `json:"activation"`
	Beta       json.Number `json:"beta"`
}

// tflmTensor is an input or a filter: float values for TFLM's helpers to quantize, or 8-bit codes.
type tflmTensor struct {
	Shape          []int         `json:"shape"`
	Values         []json.Number `json:"values"`
	Codes          []int32       `json:"codes"`
	Scale          json.Number   `json:"scale"`
	Scales         []json.Number `json:"scales"`
	ZeroPoint      int32         `json:"zero_point"`
	PerChannelAxis *int          `json:"per_channel_axis"` // symmetric per-channel scales computed from Values
}

// tflmBias is a bias: float values quantized with scale input·filter[c] ("input_times_filter") or with
// an explicit scale ("explicit"), or int32 codes.
type tflmBias struct {
	Values []json.Number `json:"values"`
	Codes  []int32       `json:"codes"`
	Quant  string        `json:"quant"`
	Scale  json.Number   `json:"scale"`
}

// tflmOutput is the expected output: float values quantized as TFLM's test does, or codes.
type tflmOutput struct {
	Shape       []int         `json:"shape"`
	Golden      []json.Number `json:"golden"`
	GoldenCodes []int32       `json:"golden_codes"`
	Scale       json.Number   `json:"scale"`
	ZeroPoint   int32         `json:"zero_point"`
}

func loadTFLM(t *testing.T) *tflmFile {
	t.Helper()
	f, err := os.Open("testdata/tflm_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := json.NewDecoder(f)
	d.UseNumber()
	d.DisallowUnknownFields()
	var v tflmFile
	if err := d.Decode(&v); err != nil {
		t.Fatalf("tflm_vectors.json: %v", err)
	}
	return &v
}

// TestTFLiteMicroVectors runs every carried-over TFLM case through this package's kernels in the
// Reference rounding and holds it to its TFLM tolerance: the tolerance-0 cases (fully connected, average
// pool, the per-layer-broadcast conv and depthwise) must match every code exactly, the others (TFLM's
// kQuantizationTolerance or its default 1.0) within one code. It also fails if an op loses all its cases.
func TestTFLiteMicroVectors(t *testing.T) {
	v := loadTFLM(t)
	if len(v.Cases) < 34 {
		t.Fatalf("%d cases, want at least 34", len(v.Cases))
	}
	type tally struct{ cases, codes, exact int }
	byTol := map[int64]*tally{0: {}, 1: {}}
	ops := map[string]int{}
	for _, c := range v.Cases {
		name := fmt.Sprintf("%s/%s/%s", c.Op, c.Type, c.Test)
		t.Run(name, func(t *testing.T) {
			if c.File == "" || (c.Commit == "" && c.Note == "") {
				t.Fatal("case names no source file and commit")
			}
			tl, ok := byTol[c.Tolerance]
			if !ok {
				t.Fatalf("tolerance %d: TFLM's 8-bit tests use 0 or 1", c.Tolerance)
			}
			var got, want []int32
			var err error
			if c.Type == "uint8" {
				got, want, err = runTFLM[uint8](c)
			} else {
				got, want, err = runTFLM[int8](c)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := approx.Codes(got, want, c.Tolerance); err != nil {
				t.Fatalf("%s @ %.12s: %v\n got  %v\n want %v", c.File, c.Commit, err, got, want)
			}
			tl.cases++
			tl.codes += len(got)
			for i := range got {
				if got[i] == want[i] {
					tl.exact++
				}
			}
			ops[c.Op]++
		})
	}
	for _, op := range []string{"conv", "depthwise", "fully_connected", "average_pool", "softmax", "logistic"} {
		if ops[op] == 0 {
			t.Errorf("no passing TFLM case for %s", op)
		}
	}
	if e := byTol[0]; e.exact != e.codes || e.cases < 9 {
		t.Errorf("tolerance 0: %d cases, %d of %d codes exact; want every code of at least 9 cases", e.cases, e.exact, e.codes)
	}
	for _, tol := range []int64{0, 1} {
		e := byTol[tol]
		t.Logf("tolerance %d: %d cases, %d of %d codes exact, %d one code apart", tol, e.cases, e.exact, e.codes, e.codes-e.exact)
	}
	for _, s := range v.Skipped {
		t.Run(s.Op, func(t *testing.T) {
			t.Skipf("%s (%s @ %.12s) not run: %s", s.Op, s.File, s.Commit, s.Reason)
		})
	}
}

// runTFLM quantizes the case's inputs as TFLM's test helpers do, runs the kernel in the Reference
// rounding and returns its output codes and the expected codes.
func runTFLM[T uint8 | int8](c *tflmCase) (got, want []int32, err error) {
	signed := isSigned[T]()
	lo, hi := typeRange[T]()
	inScale, err := f32(c.Input.Scale)
	if err != nil {
		return nil, nil, fmt.Errorf("input scale: %v", err)
	}
	in, err := tflmCodes[T](&c.Input, inScale, lo, hi)
	if err != nil {
		return nil, nil, fmt.Errorf("input: %v", err)
	}
	outScale, err := f32(c.Output.Scale)
	if err != nil {
		return nil, nil, fmt.Errorf("output scale: %v", err)
	}
	outZP := c.Output.ZeroPoint
	want = slices.Clone(c.Output.GoldenCodes)
	if want == nil {
		for _, g := range c.Output.Golden {
			x, err := f32(g)
			if err != nil {
				return nil, nil, fmt.Errorf("golden: %v", err)
			}
			want = append(want, tflmQuantize(x, outScale, outZP, lo, hi))
		}
	}
	out := make([]T, shapeSize(c.Output.Shape))
	actLo, actHi := qmath.ActivationRange(c.Activation, outScale, outZP, signed)

	switch c.Op {
	case "conv", "depthwise", "fully_connected":
		filter, fScales, err := tflmFilter[T](c.Filter, lo, hi)
		if err != nil {
			return nil, nil, fmt.Errorf("filter: %v", err)
		}
		bias, err := tflmBiasCodes(c.Bias, inScale, fScales)
		if err != nil {
			return nil, nil, fmt.Errorf("bias: %v", err)
		}
		if c.Op == "fully_connected" {
			// Per-tensor FULLY_CONNECTED forms its multiplier with GetQuantizedConvolutionMultipler.
			q := qmath.NewRequant(inScale, fScales, outScale, outZP, actLo, actHi, qmath.Reference)
			outDepth, depth := c.Filter.Shape[0], c.Filter.Shape[1]
			FullyConnected(in, len(in)/depth, depth, filter, outDepth, bias, c.Input.ZeroPoint, c.Filter.ZeroPoint, q, out)
			break
		}
		// int8 CONV_2D and DEPTHWISE_CONV_2D form it per channel in float64, per-tensor scales included.
		q := qmath.NewRequantProduct(inScale, fScales, outScale, outZP, actLo, actHi, qmath.Reference, qmath.ProductFloat64)
		inShape, fShape, outShape := shape4(c.Input.Shape), shape4(c.Filter.Shape), shape4(c.Output.Shape)
		p := ConvParams{StrideH: at(c.Stride, 0), StrideW: at(c.Stride, 1), DilationH: at(c.Dilation, 0), DilationW: at(c.Dilation, 1),
			InZP: c.Input.ZeroPoint, FilterZP: c.Filter.ZeroPoint}
		p.PadTop = tflmPad(c.Padding, inShape[1], fShape[1], p.StrideH, p.DilationH)
		p.PadLeft = tflmPad(c.Padding, inShape[2], fShape[2], p.StrideW, p.DilationW)
		if c.Op == "conv" {
			Conv2D(in, inShape, filter, fShape, bias, p, q, out, outShape)
		} else {
			DepthwiseConv2D(in, inShape, filter, fShape, outShape[3]/inShape[3], bias, p, q, out, outShape)
		}
	case "average_pool":
		inShape, outShape := shape4(c.Input.Shape), shape4(c.Output.Shape)
		sh, sw := at(c.Stride, 0), at(c.Stride, 1)
		padTop := tflmPad(c.Padding, inShape[1], c.Pool[0], sh, 1)
		padLeft := tflmPad(c.Padding, inShape[2], c.Pool[1], sw, 1)
		AveragePool2D(in, inShape, c.Pool[0], c.Pool[1], sh, sw, padTop, padLeft, actLo, actHi, out, outShape)
	case "softmax":
		beta, err := f32(c.Beta)
		if err != nil {
			return nil, nil, fmt.Errorf("beta: %v", err)
		}
		Softmax(NewSoftmax(inScale, beta, signed), in, c.Input.Shape[len(c.Input.Shape)-1], out)
	case "logistic":
		Logistic(NewLogisticLUT(inScale, c.Input.ZeroPoint, signed), in, out)
	default:
		return nil, nil, fmt.Errorf("unknown op %q", c.Op)
	}
	for _, q := range out {
		got = append(got, int32(q))
	}
	return got, want, nil
}

// f32 reads a figure as C reads a float initializer: decimal to double, then to float. It refuses a
// figure for which that differs from reading the decimal straight to float (an f-suffixed literal), so
// the distinction cannot matter for any vector in the file.
func f32(n json.Number) (float32, error) {
	d, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseFloat(string(n), 32)
	if err != nil {
		return 0, err
	}
	if float32(d) != float32(s) {
		return 0, fmt.Errorf("%s rounds differently as double→float and as float", n)
	}
	return float32(d), nil
}

// tflmQuantize is TFLM's FloatToQuantizedType: clamp(round(x/scale) + zp, lo, hi), the division in
// float32 and the rounding half away from zero.
func tflmQuantize(x, scale float32, zp, lo, hi int32) int32 {
	return clamp32(int32(math.Round(float64(x/scale)))+zp, lo, hi)
}

// tflmCodes returns the codes of an input tensor: given, or quantized from its values.
func tflmCodes[T uint8 | int8](x *tflmTensor, scale float32, lo, hi int32) ([]T, error) {
	n := shapeSize(x.Shape)
	if x.Codes != nil {
		if len(x.Codes) != n {
			return nil, fmt.Errorf("%d codes for shape %v", len(x.Codes), x.Shape)
		}
		out := make([]T, n)
		for i, q := range x.Codes {
			if q < lo || q > hi {
				return nil, fmt.Errorf("code %d out of range", q)
			}
			out[i] = T(q)
		}
		return out, nil
	}
	if len(x.Values) != n {
		return nil, fmt.Errorf("%d values for shape %v", len(x.Values), x.Shape)
	}
	out := make([]T, n)
	for i, s := range x.Values {
		v, err := f32(s)
		if err != nil {
			return nil, err
		}
		out[i] = T(tflmQuantize(v, scale, x.ZeroPoint, lo, hi))
	}
	return out, nil
}

// tflmFilter returns a filter's codes and scales. With PerChannelAxis set it quantizes as TFLM's
// SignedSymmetricPerChannelQuantize: per channel, scale = max(|min|, |max|)/127 in float32 (min and max
// starting at 0) and q = clamp(round(x/scale), −127, 127); otherwise the given scales apply (one scale:
// asymmetric per-tensor quantization with the zero point).
func tflmFilter[T uint8 | int8](f *tflmTensor, lo, hi int32) ([]T, []float32, error) {
	if f == nil {
		return nil, nil, fmt.Errorf("missing")
	}
	if f.PerChannelAxis == nil {
		scales := make([]float32, len(f.Scales))
		for i, s := range f.Scales {
			var err error
			if scales[i], err = f32(s); err != nil {
				return nil, nil, err
			}
		}
		if len(scales) != 1 && f.Values != nil {
			return nil, nil, fmt.Errorf("values with %d scales: only per-tensor filters are quantized from values", len(scales))
		}
		codes, err := tflmCodes[T](&tflmTensor{Shape: f.Shape, Values: f.Values, Codes: f.Codes, ZeroPoint: f.ZeroPoint}, scales[0], lo, hi)
		return codes, scales, err
	}
	axis := *f.PerChannelAxis
	if axis != 0 && axis != 3 || len(f.Shape) != 4 || len(f.Values) != shapeSize(f.Shape) {
		return nil, nil, fmt.Errorf("per-channel axis %d, shape %v, %d values", axis, f.Shape, len(f.Values))
	}
	vals := make([]float32, len(f.Values))
	for i, s := range f.Values {
		var err error
		if vals[i], err = f32(s); err != nil {
			return nil, nil, err
		}
	}
	channels := f.Shape[axis]
	per := len(vals) / channels
	index := func(c, i int) int { // element i of channel c
		if axis == 0 {
			return c*per + i
		}
		return i*channels + c
	}
	codes := make([]T, len(vals))
	scales := make([]float32, channels)
	for c := range channels {
		var mn, mx float32
		for i := range per {
			mn, mx = min(mn, vals[index(c, i)]), max(mx, vals[index(c, i)])
		}
		scales[c] = max(float32(math.Abs(float64(mn))), float32(math.Abs(float64(mx)))) / 127
		for i := range per {
			q := int32(math.Round(float64(vals[index(c, i)] / scales[c])))
			codes[index(c, i)] = T(clamp32(q, -127, 127))
		}
	}
	return codes, scales, nil
}

// tflmBiasCodes returns the int32 bias: given codes, or round(b/scale) with scale float32(s_in·s_w[c])
// (TFLM's CreatePerChannelQuantizedBiasTensor and CreateQuantizedBiasTensor) or an explicit scale.
func tflmBiasCodes(b *tflmBias, inScale float32, fScales []float32) ([]int32, error) {
	if b == nil {
		return nil, nil
	}
	if b.Codes != nil {
		return b.Codes, nil
	}
	var explicit float32
	switch b.Quant {
	case "input_times_filter":
	case "explicit":
		var err error
		if explicit, err = f32(b.Scale); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown bias quantization %q", b.Quant)
	}
	out := make([]int32, len(b.Values))
	for c, s := range b.Values {
		v, err := f32(s)
		if err != nil {
			return nil, err
		}
		scale := explicit
		if b.Quant == "input_times_filter" {
			scale = inScale * fScales[min(c, len(fScales)-1)]
		}
		out[c] = int32(math.Round(float64(v / scale)))
	}
	return out, nil
}

// tflmPad is TFLite's leading padding for one spatial axis: the output size its padding mode gives,
// then max(((out − 1)·stride + effective filter − in)/2, 0).
func tflmPad(padding string, in, filter, stride, dilation int) int {
	stride, dilation = max(stride, 1), max(dilation, 1)
	eff := (filter-1)*dilation + 1
	out := (in + stride - 1) / stride
	if padding != "same" {
		out = (in - eff + stride) / stride
	}
	return max(((out-1)*stride+eff-in)/2, 0)
}

func shapeSize(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// shape4 pads a shape of rank ≤ 4 to NHWC with leading ones.
func shape4(s []int) [4]int {
	out := [4]int{1, 1, 1, 1}
	copy(out[4-len(s):], s)
	return out
}

// at returns s[i], or 1 when s is absent.
func at(s []int, i int) int {
	if len(s) <= i {
		return 1
	}
	return s[i]
}
