package tflite

import (
	"encoding/binary"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// segmentModel returns a two-operator model ending like DeepLab's:
//
//	t0 input uint8 [1,2,3,4] scale 0.5 zp 128;  t1 size int32 [2] = {h, w} (buffer 1)
//	op 0 RESIZE_BILINEAR t0,t1 → t2 uint8 [1,h,w,4] (same quantization), align corners
//	t3 axis int32 [1] = {3} (buffer 2);  op 1 ARG_MAX t2,t3 → t4 int64 [1,h,w]
func segmentModel(h, w int32) fbModel {
	i32 := func(v ...int32) []byte {
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
		return b
	}
	q := []float32{0.5}
	zp := []int64{128}
	return fbModel{
		version: 3,
		codes:   []int32{int32(ResizeBilinear), int32(ArgMax)},
		buffers: [][]byte{nil, i32(h, w), i32(3)},
		tensors: []fbTensor{
			{shape: []int32{1, 2, 3, 4}, typ: int8(Uint8), name: "input", scale: q, zp: zp},
			{shape: []int32{2}, typ: int8(Int32), buffer: 1, name: "size"},
			{shape: []int32{1, h, w, 4}, typ: int8(Uint8), name: "resized", scale: q, zp: zp},
			{shape: []int32{1}, typ: int8(Int32), buffer: 2, name: "axis"},
			{shape: []int32{1, h, w}, typ: int8(Int64), name: "classes"},
		},
		inputs:  []int32{0},
		outputs: []int32{4},
		ops: []fbOp{
			{opcode: 0, inputs: []int32{0, 1}, outputs: []int32{2}, optType: unionResizeBilinear,
				opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
					b.StartObject(4)
					b.PrependBoolSlot(2, true, false)
					return b.EndObject()
				}},
			{opcode: 1, inputs: []int32{2, 3}, outputs: []int32{4}, optType: unionArgMax,
				opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
					b.StartObject(1)
					b.PrependInt8Slot(0, int8(Int64), 0)
					return b.EndObject()
				}},
		},
	}
}

// TestImportSegmentOps imports and runs segmentModel: the resize reads its size from the constant,
// ARG_MAX its axis, and the int64 output carries the class of each pixel.
func TestImportSegmentOps(t *testing.T) {
	m, err := Parse(segmentModel(3, 5).build())
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	r, ok := g.Nodes[0].Op.(*graph.ResizeBilinear)
	if !ok || r.Height != 3 || r.Width != 5 || !r.AlignCorners || r.HalfPixelCenters {
		t.Fatalf("resize imported as %#v", g.Nodes[0].Op)
	}
	if a, ok := g.Nodes[1].Op.(*graph.ArgMax); !ok || a.Axis != 3 {
		t.Fatalf("arg max imported as %#v", g.Nodes[1].Op)
	}
	p, err := graph.Compile(g, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Uint8, tensor.Shape{1, 2, 3, 4})
	for i := range x.U8 {
		x.U8[i] = uint8(i % 4 * 10) // channel 3 is the largest everywhere
	}
	out, err := p.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].DType != tensor.Int64 || out[0].Len() != 15 {
		t.Fatalf("output %v %v", out[0].DType, out[0].Shape)
	}
	for i, c := range out[0].I64 {
		if c != 3 {
			t.Fatalf("pixel %d: class %d, want 3", i, c)
		}
	}
}

// TestImportSegmentHostile: hostile sizes, options and types are refused with one-line errors, never a
// panic or a huge allocation.
func TestImportSegmentHostile(t *testing.T) {
	cases := []struct {
		name   string
		model  fbModel
		want   string
		change func(*fbModel)
	}{
		{"zero height", segmentModel(0, 5), "each side must be", nil},
		{"negative width", segmentModel(3, -1), "", nil},
		{"huge", segmentModel(1<<30, 1<<30), "", nil},
		{"past the side limit", segmentModel(1<<24+1, 1), "", nil},
		{"non-constant size", segmentModel(3, 5), "constant int32", func(m *fbModel) { m.tensors[1].buffer, m.inputs = 0, []int32{0, 1} }},
		{"size of 3", segmentModel(3, 5), "", func(m *fbModel) {
			m.tensors[1].shape = []int32{3}
			m.buffers[1] = append(m.buffers[1], 0, 0, 0, 0)
		}},
		{"float output_type", segmentModel(3, 5), "output_type", func(m *fbModel) {
			m.ops[1].opts = func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(1)
				b.PrependInt8Slot(0, int8(Float32), -1)
				return b.EndObject()
			}
		}},
		{"axis 0", segmentModel(3, 5), "batch", func(m *fbModel) { m.buffers[2] = []byte{0, 0, 0, 0} }},
		{"axis 7", segmentModel(3, 5), "", func(m *fbModel) { m.buffers[2] = []byte{7, 0, 0, 0} }},
	}
	for _, c := range cases {
		if c.change != nil {
			c.change(&c.model)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", c.name, p)
				}
			}()
			m, err := Parse(c.model.build())
			if err == nil {
				var g *graph.Graph
				if g, err = m.Graph(); err == nil {
					_, err = graph.Compile(g, graph.Options{MaxBytes: 64 << 20})
				}
			}
			if err == nil || strings.ContainsAny(err.Error(), "\n\r") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one line with %q", c.name, err, c.want)
			}
		}()
	}
}
