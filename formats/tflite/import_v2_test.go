package tflite

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// v2Model is a small model of the operators MobileNet V2 files add: float32 input → QUANTIZE (uint8)
// → QUANTIZE (int8, a requantization) → ADD of it with itself at another output scale → MEAN over
// axes {1, 2} with keep_dims → DEQUANTIZE (float32 output). addScale is the ADD output's scale and
// zp the int8 zero point of every int8 tensor: the knobs of the hostile cases.
func v2Model(addScale float32, zp int64) fbModel {
	i32 := func(v ...int32) []byte {
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
		return b
	}
	return fbModel{
		version: 3,
		codes:   []int32{int32(Quantize), int32(Add), int32(Mean), int32(Dequantize)},
		buffers: [][]byte{nil, i32(1, 2)},
		tensors: []fbTensor{
			{shape: []int32{1, 2, 3, 4}, typ: int8(Float32), name: "input"},
			{shape: []int32{1, 2, 3, 4}, typ: int8(Uint8), name: "q", scale: []float32{1.0 / 64}, zp: []int64{128}},
			{shape: []int32{1, 2, 3, 4}, typ: int8(Int8), name: "q8", scale: []float32{1.0 / 64}, zp: []int64{zp}},
			{shape: []int32{1, 2, 3, 4}, typ: int8(Int8), name: "sum", scale: []float32{addScale}, zp: []int64{zp}},
			{shape: []int32{2}, typ: int8(Int32), buffer: 1, name: "axes"},
			{shape: []int32{1, 1, 1, 4}, typ: int8(Int8), name: "mean", scale: []float32{1.0 / 32}, zp: []int64{zp}},
			{shape: []int32{1, 1, 1, 4}, typ: int8(Float32), name: "output"},
		},
		inputs:  []int32{0},
		outputs: []int32{6},
		ops: []fbOp{
			{opcode: 0, inputs: []int32{0}, outputs: []int32{1}},
			{opcode: 0, inputs: []int32{1}, outputs: []int32{2}},
			{opcode: 1, inputs: []int32{2, 2}, outputs: []int32{3}, optType: unionAdd,
				opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
					b.StartObject(1)
					b.PrependInt8Slot(0, int8(ActNone), 0)
					return b.EndObject()
				}},
			{opcode: 2, inputs: []int32{3, 4}, outputs: []int32{5}, optType: unionReducer,
				opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
					b.StartObject(1)
					b.PrependBoolSlot(0, true, false)
					return b.EndObject()
				}},
			{opcode: 3, inputs: []int32{5}, outputs: []int32{6}},
		},
	}
}

// TestImportV2Ops imports and runs v2Model on a ramp: the output is the mean of 2x over the image,
// within the quantization steps.
func TestImportV2Ops(t *testing.T) {
	m, err := Parse(v2Model(1.0/32, -3).build())
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, n := range g.Nodes {
		types = append(types, n.Op.Type())
	}
	if got := strings.Join(types, " "); got != "Quantize Quantize Add Mean Dequantize" {
		t.Fatalf("imported as %s", got)
	}
	for _, r := range []graph.Options{{}, {Rounding: 1}} {
		p, err := graph.Compile(g, r)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := tensor.New(tensor.Float32, tensor.Shape{1, 2, 3, 4})
		for i := range x.F32 {
			x.F32[i] = float32(i%7)/8 - 0.3
		}
		out, err := p.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		for c := 0; c < 4; c++ {
			want := 0.0
			for i := c; i < len(x.F32); i += 4 {
				want += 2 * float64(x.F32[i]) / 6
			}
			if got := float64(out[0].F32[c]); math.Abs(got-want) > 1.0/32+1.0/32 {
				t.Errorf("rounding %d channel %d: %v, want %v within two steps", r.Rounding, c, got, want)
			}
		}
	}
}

// TestImportV2HostileQuant: quantization parameters TFLite's Prepare would refuse fail at load (Parse
// or Graph) with one line naming the problem.
func TestImportV2HostileQuant(t *testing.T) {
	for _, tc := range []struct {
		scale float32
		zp    int64
		want  string
	}{
		{float32(math.Inf(1)), 0, "scale"},
		{float32(math.NaN()), 0, "scale"},
		{0, 0, "scale"},
		{-1, 0, "scale"},
		{1e-30, 0, "too large"},
		{1.0 / 32, 200, "zero point"},
		{1.0 / 32, -129, "zero point"},
	} {
		m, err := Parse(v2Model(tc.scale, tc.zp).build())
		if err == nil {
			_, err = m.Graph()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("scale %v zp %d: error %v, want one line about %q", tc.scale, tc.zp, err, tc.want)
		}
	}
}
