package tflite

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// FuzzGraph feeds arbitrary bytes through the whole loading path: Parse, conversion to a graph,
// compilation (every shape and quantization parameter checked) and, for small models, one run on zero
// inputs. Besides the bytes, it sets one quantization parameter of the graph to any value: the scale
// (any float32 bits: huge, tiny, subnormal, infinite, NaN) and zero point of channel ch of value v.
// None of it may panic, and every error must be one line.
func FuzzGraph(f *testing.F) {
	var seeds [][]byte
	for _, name := range []string{headModel, "person_detect.tflite"} {
		if b := shared.Optional("models/" + name); b != nil {
			seeds = append(seeds, b)
		}
	}
	seeds = append(seeds, convModel().build(), chainModel().build())
	// RESIZE_BILINEAR then ARG_MAX (DeepLab's head), at a sane size and at hostile ones.
	seeds = append(seeds, segmentModel(3, 5).build(), segmentModel(1<<30, 1<<30).build(), segmentModel(0, -1).build())
	// QUANTIZE, requantization, ADD, MEAN and DEQUANTIZE (MobileNet V2's operators), sane and hostile.
	seeds = append(seeds, v2Model(1.0/32, -3).build(), v2Model(1e-30, 0).build(), v2Model(1e30, 127).build())
	for _, b := range seeds {
		f.Add(b, uint16(0), uint16(0), math.Float32bits(0.5), int32(128))
	}
	// The cases: a conv whose multiplier is 1e30 × 1e10 (qref's fixed point) or 1e15 × 1e5
	// (the q8 kernels' shift) times the usual scales, a subnormal output scale, a zero point past the
	// type's range.
	conv := convModel().build()
	f.Add(conv, uint16(0), uint16(0), math.Float32bits(1e30), int32(128))
	f.Add(conv, uint16(1), uint16(0), math.Float32bits(1e15), int32(127))
	f.Add(conv, uint16(3), uint16(0), math.Float32bits(1e-45), int32(0))
	f.Add(conv, uint16(0), uint16(0), math.Float32bits(0.5), int32(1e9))
	f.Fuzz(func(t *testing.T, b []byte, v, ch uint16, scaleBits uint32, zp int32) {
		oneLine := func(err error) {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("multi-line error %q", err)
			}
		}
		m, err := Parse(b)
		if err != nil {
			oneLine(err)
			return
		}
		g, err := m.Graph()
		if err != nil {
			oneLine(err)
			return
		}
		setQuant(g, int(v), int(ch), math.Float32frombits(scaleBits), zp)
		for _, opt := range []graph.Options{{MaxBytes: 64 << 20}, {Rounding: 1, MaxBytes: 64 << 20}} {
			p, err := graph.Compile(g, opt)
			if err != nil {
				oneLine(err)
				return
			}
			if graph.Summarize(g).MultAdds > 1e6 {
				return
			}
			ins := make([]*tensor.Tensor, len(p.Inputs()))
			for i, v := range p.Inputs() {
				if ins[i], err = tensor.New(v.DType, v.Shape); err != nil {
					return
				}
			}
			if _, err := p.Run(ins...); err != nil {
				oneLine(err)
			}
		}
	})
}

// setQuant sets the scale and zero point of channel ch (modulo their count) of value v (modulo the
// graph's values), on a copy of its quantization parameters, which values may share; a value without
// them is left alone.
func setQuant(g *graph.Graph, v, ch int, scale float32, zp int32) {
	if len(g.Values) == 0 {
		return
	}
	val := g.Values[v%len(g.Values)]
	q := val.Quant
	if q == nil || len(q.Scale) == 0 {
		return
	}
	c := &tensor.Quant{Scale: slices.Clone(q.Scale), ZeroPoint: slices.Clone(q.ZeroPoint), Axis: q.Axis}
	c.Scale[ch%len(c.Scale)] = scale
	if len(c.ZeroPoint) > 0 {
		c.ZeroPoint[ch%len(c.ZeroPoint)] = zp
	}
	val.Quant = c
	if val.Data != nil {
		val.Data.Quant = c
	}
}
