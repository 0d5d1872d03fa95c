package tflite

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
)

func TestParseBuiltModel(t *testing.T) {
	m, err := Parse(chainModel().build())
	if err != nil {
		t.Fatal(err)
	}
	want := &Model{
		Version:       3,
		Description:   "built by the tflite tests",
		OperatorCodes: []OperatorCode{{Builtin: Conv2D, Version: 1}, {Builtin: Relu, Version: 1}},
		Buffers:       [][]byte{nil, {1, 2, 3, 4, 5, 6}, make([]byte, 12)},
		Metadata:      []Metadata{},
		Subgraphs: []Subgraph{{
			Name: "main",
			Tensors: []Tensor{
				{Name: "input", Shape: []int{1, 4, 4, 2}, Type: Uint8, Quant: &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{128}}},
				{Name: "filter", Shape: []int{3, 1, 1, 2}, Type: Uint8, Buffer: 1, Quant: &Quantization{Scale: []float32{0.25}, ZeroPoint: []int64{127}}},
				{Name: "bias", Shape: []int{3}, Type: Int32, Buffer: 2, Quant: &Quantization{Scale: []float32{0.125}, ZeroPoint: []int64{0}}},
				{Name: "output", Shape: []int{1, 4, 4, 3}, Type: Uint8, Quant: &Quantization{Scale: []float32{1}, ZeroPoint: []int64{0}}},
				{Name: "relu", Shape: []int{1, 4, 4, 3}, Type: Uint8, Quant: &Quantization{Scale: []float32{1}, ZeroPoint: []int64{0}}},
			},
			Inputs:  []int{0},
			Outputs: []int{4},
			Operators: []Operator{
				{Opcode: 0, Inputs: []int{0, 1, 2}, Outputs: []int{3},
					Options: &Conv2DOptions{Padding: Valid, StrideW: 1, StrideH: 1, Activation: ActRelu6, DilationW: 1, DilationH: 1}},
				{Opcode: 1, Inputs: []int{3}, Outputs: []int{4}},
			},
		}},
	}
	m.raw = nil
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Parse(chainModel)\n got %+v\nwant %+v", m, want)
	}
	if got := m.TensorData(&m.Subgraphs[0].Tensors[1]); string(got) != "\x01\x02\x03\x04\x05\x06" {
		t.Errorf("TensorData(filter) = %v", got)
	}
	if got := m.TensorData(&m.Subgraphs[0].Tensors[0]); got != nil {
		t.Errorf("TensorData(input) = %v, want nil", got)
	}
}

// TestParseOptions checks each options struct against values written by the Builder,
// including the schema defaults (dilation 1) when a field is absent.
func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		code    BuiltinOp
		optType uint8
		opts    func(*flatbuffers.Builder) flatbuffers.UOffsetT
		want    any
	}{
		{"conv", Conv2D, unionConv2D, conv2DOpts(int8(Same), 2, 3, int8(ActRelu)),
			&Conv2DOptions{Padding: Same, StrideW: 2, StrideH: 3, Activation: ActRelu, DilationW: 1, DilationH: 1}},
		{"depthwise", DepthwiseConv2D, unionDepthwiseConv2D, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(7)
			b.PrependInt8Slot(0, int8(Valid), 0)
			b.PrependInt32Slot(1, 2, 0)
			b.PrependInt32Slot(2, 2, 0)
			b.PrependInt32Slot(3, 4, 0)
			b.PrependInt8Slot(4, int8(ActRelu6), 0)
			b.PrependInt32Slot(5, 2, 1)
			b.PrependInt32Slot(6, 3, 1)
			return b.EndObject()
		}, &DepthwiseConv2DOptions{Padding: Valid, StrideW: 2, StrideH: 2, DepthMultiplier: 4, Activation: ActRelu6, DilationW: 2, DilationH: 3}},
		{"avgpool", AveragePool2D, unionPool2D, pool2DOpts(2, 1, 7, 5),
			&Pool2DOptions{Padding: Valid, StrideW: 2, StrideH: 1, FilterW: 7, FilterH: 5}},
		{"maxpool", MaxPool2D, unionPool2D, pool2DOpts(1, 1, 3, 3),
			&Pool2DOptions{Padding: Valid, StrideW: 1, StrideH: 1, FilterW: 3, FilterH: 3}},
		{"softmax", Softmax, unionSoftmax, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(1)
			b.PrependFloat32Slot(0, 0.5, 0)
			return b.EndObject()
		}, &SoftmaxOptions{Beta: 0.5}},
		{"softmax default", Softmax, 0, nil, &SoftmaxOptions{}},
		{"reshape", Reshape, unionReshape, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			v := int32Vector(b, []int32{1, -1})
			b.StartObject(1)
			b.PrependUOffsetTSlot(0, v, 0)
			return b.EndObject()
		}, &ReshapeOptions{NewShape: []int{1, -1}}},
		{"squeeze", Squeeze, unionSqueeze, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			v := int32Vector(b, []int32{1, 2})
			b.StartObject(1)
			b.PrependUOffsetTSlot(0, v, 0)
			return b.EndObject()
		}, &SqueezeOptions{SqueezeDims: []int{1, 2}}},
		{"concatenation", Concatenation, unionConcatenation, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(2)
			b.PrependInt32Slot(0, -1, 0)
			b.PrependInt8Slot(1, int8(ActRelu6), 0)
			return b.EndObject()
		}, &ConcatenationOptions{Axis: -1, Activation: ActRelu6}},
		{"fully connected", FullyConnected, unionFullyConnected, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(3)
			b.PrependInt8Slot(0, int8(ActRelu), 0)
			b.PrependBoolSlot(2, true, false)
			return b.EndObject()
		}, &FullyConnectedOptions{Activation: ActRelu, KeepNumDims: true}},
		{"add", Add, unionAdd, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(1)
			b.PrependInt8Slot(0, int8(ActRelu6), 0)
			return b.EndObject()
		}, &AddOptions{Activation: ActRelu6}},
		{"resize bilinear", ResizeBilinear, unionResizeBilinear, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(4)
			b.PrependBoolSlot(3, true, false)
			return b.EndObject()
		}, &ResizeBilinearOptions{HalfPixelCenters: true}},
		{"mean", Mean, unionReducer, func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(1)
			b.PrependBoolSlot(0, true, false)
			return b.EndObject()
		}, &ReducerOptions{KeepDims: true}},
		{"relu has none", Relu, 0, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := chainModel()
			m.codes[1] = int32(tc.code)
			m.ops[1].optType, m.ops[1].opts = tc.optType, tc.opts
			got, err := Parse(m.build())
			if err != nil {
				t.Fatal(err)
			}
			if opts := got.Subgraphs[0].Operators[1].Options; !reflect.DeepEqual(opts, tc.want) {
				t.Errorf("Options = %#v, want %#v", opts, tc.want)
			}
		})
	}
}

// patch returns a copy of b with f applied.
func patch(b []byte, f func(b []byte)) []byte {
	c := append([]byte(nil), b...)
	f(c)
	return c
}

func TestParseCraftedErrors(t *testing.T) {
	valid := convModel().build()
	tests := []struct {
		name  string
		model func() []byte
		want  string // the error, or a part of it
	}{
		{"short file", func() []byte { return []byte("\x08\x00\x00\x00TFL") }, "tflite: file too short (7 bytes)"},
		{"no identifier", func() []byte { return patch(valid, func(b []byte) { copy(b[4:], "TFL2") }) }, `tflite: missing TFL3 file identifier (bytes 4..7 are "TFL2")`},
		{"root offset out of range", func() []byte {
			return patch(valid, func(b []byte) { binary.LittleEndian.PutUint32(b, 0xfffffff0) })
		}, "tflite: root table: table at 4294967280 outside the file"},
		{"root vtable out of range", func() []byte {
			return patch(valid, func(b []byte) {
				root := binary.LittleEndian.Uint32(b)
				binary.LittleEndian.PutUint32(b[root:], 0x80000000)
			})
		}, "outside the file"},
		{"schema version", func() []byte { m := convModel(); m.version = 2; return m.build() }, "tflite: schema version 2, want 3"},
		{"no subgraphs", func() []byte { m := convModel(); m.noSubgraphs = true; return m.build() }, "tflite: model has no subgraphs"},
		{"negative dim", func() []byte { m := convModel(); m.tensors[0].shape = []int32{1, -1, 4, 2}; return m.build() },
			`tflite: subgraph 0 tensor 0: shape [1 -1 4 2]: dim 1 is -1`},
		{"dim product overflow", func() []byte {
			m := convModel()
			m.tensors[3].shape = []int32{65536, 65536, 65536, 3}
			return m.build()
		}, "tflite: subgraph 0 tensor 3: shape [65536 65536 65536 3] has more than 2147483647 elements"},
		{"product just over the limit", func() []byte { m := convModel(); m.tensors[3].shape = []int32{2, 1 << 30}; return m.build() },
			"has more than 2147483647 elements"},
		{"rank 9", func() []byte {
			m := convModel()
			m.tensors[3].shape = []int32{1, 1, 1, 1, 1, 1, 1, 1, 1}
			return m.build()
		},
			"tflite: subgraph 0 tensor 3: rank 9 exceeds 8"},
		{"unknown type", func() []byte { m := convModel(); m.tensors[3].typ = 42; return m.build() }, "tflite: subgraph 0 tensor 3: type 42 unknown"},
		{"buffer of the wrong size", func() []byte { m := convModel(); m.buffers[1] = m.buffers[1][:5]; return m.build() },
			`tflite: subgraph 0 tensor 1: "filter": buffer 1 holds 5 bytes, want 6 (6 uint8 elements)`},
		{"int32 buffer of the wrong size", func() []byte { m := convModel(); m.buffers[2] = make([]byte, 3); return m.build() },
			`tflite: subgraph 0 tensor 2: "bias": buffer 2 holds 3 bytes, want 12 (3 int32 elements)`},
		{"buffer index out of range", func() []byte { m := convModel(); m.tensors[1].buffer = 7; return m.build() },
			"tflite: subgraph 0 tensor 1: buffer 7 out of range (3 buffers)"},
		{"sentinel buffer with data", func() []byte { m := convModel(); m.buffers[0] = []byte{1}; return m.build() },
			"tflite: buffer 0 (the empty sentinel) holds 1 bytes"},
		{"operator input out of range", func() []byte { m := convModel(); m.ops[0].inputs[2] = 77; return m.build() },
			"tflite: subgraph 0 operator 0 (CONV_2D): input 2 is tensor 77, out of range (4 tensors)"},
		{"operator input -2", func() []byte { m := convModel(); m.ops[0].inputs[0] = -2; return m.build() },
			"tflite: subgraph 0 operator 0 (CONV_2D): input 0 is tensor -2, out of range (4 tensors)"},
		{"operator output -1", func() []byte { m := convModel(); m.ops[0].outputs[0] = -1; return m.build() },
			"tflite: subgraph 0 operator 0 (CONV_2D): output 0 is tensor -1, out of range (4 tensors)"},
		{"subgraph input out of range", func() []byte { m := convModel(); m.inputs = []int32{9}; return m.build() },
			"tflite: subgraph 0: input 0 is tensor 9, out of range (4 tensors)"},
		{"subgraph output out of range", func() []byte { m := convModel(); m.outputs = []int32{3, -1}; return m.build() },
			"tflite: subgraph 0: output 1 is tensor -1, out of range (4 tensors)"},
		{"unknown opcode index", func() []byte { m := convModel(); m.ops[0].opcode = 5; return m.build() },
			"tflite: subgraph 0 operator 0: opcode_index 5 out of range (1 operator codes)"},
		{"custom without a name", func() []byte { m := convModel(); m.codes[0] = int32(Custom); return m.build() },
			"tflite: operator code 0: CUSTOM operator without a custom_code name"},
		{"cycle", func() []byte { m := chainModel(); m.ops[0].inputs[0] = 4; return m.build() },
			`tflite: subgraph 0 operator 0 (CONV_2D): input 0 is tensor 4 ("relu"), produced later by operator 1 (RELU) (a cycle or out-of-order operators)`},
		{"tensor written twice", func() []byte { m := chainModel(); m.ops[1].outputs[0] = 3; return m.build() },
			`tflite: subgraph 0: tensor 3 ("output") is written by operator 0 (CONV_2D) and by operator 1 (RELU)`},
		{"own output", func() []byte { m := chainModel(); m.ops[1].inputs[0] = 4; return m.build() },
			`tflite: subgraph 0 operator 1 (RELU): input 0 is tensor 4 ("relu"), its own output`},
		{"dangling input", func() []byte {
			m := chainModel()
			m.tensors = append(m.tensors, fbTensor{shape: []int32{1}, typ: int8(Float32), name: "nowhere"})
			m.ops[1].inputs[0] = 5
			return m.build()
		}, `tflite: subgraph 0 operator 1 (RELU): input 0 is tensor 5 ("nowhere"), which is no constant, subgraph input or operator output`},
		{"write to a constant", func() []byte { m := chainModel(); m.ops[1].outputs[0] = 1; return m.build() },
			`tflite: subgraph 0 operator 1 (RELU): output 0 is tensor 1 ("filter"), a constant`},
		{"write to a subgraph input", func() []byte { m := chainModel(); m.ops[1].outputs[0] = 0; return m.build() },
			`tflite: subgraph 0 operator 1 (RELU): output 0 is tensor 0 ("input"), a subgraph input`},
		{"output never produced", func() []byte {
			m := chainModel()
			m.tensors = append(m.tensors, fbTensor{shape: []int32{1}, typ: int8(Float32), name: "nowhere"})
			m.outputs = []int32{5}
			return m.build()
		}, `tflite: subgraph 0: output 0 is tensor 5 ("nowhere"), which no operator produces`},
		{"options of another operator", func() []byte {
			m := convModel()
			m.ops[0].optType, m.ops[0].opts = unionPool2D, pool2DOpts(1, 1, 2, 2)
			return m.build()
		}, "tflite: subgraph 0 operator 0 (CONV_2D): options are Pool2DOptions, want Conv2DOptions"},
		{"missing options", func() []byte { m := convModel(); m.ops[0].optType, m.ops[0].opts = 0, nil; return m.build() },
			"tflite: subgraph 0 operator 0 (CONV_2D): missing Conv2DOptions"},
		{"stride 0", func() []byte { m := convModel(); m.ops[0].opts = conv2DOpts(0, 0, 1, 0); return m.build() },
			"tflite: subgraph 0 operator 0 (CONV_2D): Conv2DOptions: stride_w 0, want >= 1"},
		{"unknown padding", func() []byte { m := convModel(); m.ops[0].opts = conv2DOpts(7, 1, 1, 0); return m.build() },
			"Conv2DOptions: padding 7 unknown"},
		{"unknown activation", func() []byte { m := convModel(); m.ops[0].opts = conv2DOpts(0, 1, 1, 9); return m.build() },
			"Conv2DOptions: fused_activation_function 9 unknown"},
		{"per-channel count", func() []byte {
			m := convModel()
			m.tensors[1].scale, m.tensors[1].zp = []float32{0.25, 0.5}, []int64{1, 2}
			return m.build()
		}, `tflite: subgraph 0 tensor 1: "filter": quantization: 2 scales for shape [3 1 1 2] on axis 0`},
		{"quantized dimension out of range", func() []byte {
			m := convModel()
			m.tensors[1].scale, m.tensors[1].zp, m.tensors[1].qdim = []float32{1, 2, 3}, []int64{1, 2, 3}, 4
			return m.build()
		}, `"filter": quantization: quantized_dimension 4 out of range for rank 4`},
		{"negative quantized dimension", func() []byte { m := convModel(); m.tensors[1].qdim = -1; return m.build() },
			"quantized_dimension -1 out of range for rank 4"},
		{"zero points and scales differ", func() []byte { m := convModel(); m.tensors[1].zp = []int64{1, 2}; return m.build() },
			`"filter": quantization: 2 zero points for 1 scales`},
		{"zero scale", func() []byte { m := convModel(); m.tensors[0].scale = []float32{0}; return m.build() },
			`tflite: subgraph 0 tensor 0: "input": quantization: scale 0 is 0`},
		{"NaN scale", func() []byte { m := convModel(); m.tensors[3].scale = []float32{float32(math.NaN())}; return m.build() },
			`"output": quantization: scale 0 is NaN`},
		{"infinite bias scale", func() []byte {
			m := convModel()
			m.tensors[2].scale = []float32{float32(math.Inf(1))}
			return m.build()
		},
			`"bias": quantization: scale 0 is +Inf`},
		{"uint8 zero point out of range", func() []byte { m := convModel(); m.tensors[0].zp = []int64{300}; return m.build() },
			`"input": quantization: zero point 0 is 300, outside uint8 range`},
		{"int8 zero point out of range", func() []byte {
			m := convModel()
			m.tensors[0].typ, m.tensors[0].zp = int8(Int8), []int64{128}
			return m.build()
		}, `"input": quantization: zero point 0 is 128, outside int8 range`},
		{"metadata buffer out of range", func() []byte {
			m := convModel()
			m.metadata = []fbMetadata{{"labels", 3}}
			return m.build()
		}, `tflite: metadata 0 ("labels"): buffer 3 out of range (3 buffers)`},
		{"shared tensor tables", func() []byte {
			m := convModel()
			m.tensors[0].name = strings.Repeat("n", 1000)
			m.repeatTensor = 100000
			return m.build()
		}, "more objects than a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.model())
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

// TestParsePatchedModel breaks a real model's flatbuffer in place; the positions are found
// with the flatbuffers runtime's own (unchecked) table reader on the intact file.
func TestParsePatchedModel(t *testing.T) {
	b := readModel(t, "mobilenet_v1_0.25_128_quant.tflite")
	root := &flatbuffers.Table{Bytes: b, Pos: flatbuffers.GetUOffsetT(b)}
	sgs := root.Vector(flatbuffers.UOffsetT(root.Offset(4 + 2*modelSubgraphs)))
	sg := &flatbuffers.Table{Bytes: b, Pos: root.Indirect(sgs)}
	tensors := sg.Vector(flatbuffers.UOffsetT(sg.Offset(4 + 2*subgraphTensors)))
	tensor0 := &flatbuffers.Table{Bytes: b, Pos: sg.Indirect(tensors)}
	shape := tensor0.Vector(flatbuffers.UOffsetT(tensor0.Offset(4 + 2*tensorShape)))
	rootVT := root.Pos - flatbuffers.UOffsetT(root.GetSOffsetT(root.Pos))

	tests := []struct {
		name string
		f    func(b []byte)
		want string
	}{
		{"huge tensors vector", func(b []byte) { binary.LittleEndian.PutUint32(b[tensors-4:], 1<<31) },
			"tflite: subgraph 0: tensors: vector of 2147483648 4-byte elements at"},
		{"huge shape vector", func(b []byte) { binary.LittleEndian.PutUint32(b[shape-4:], 0xffffffff) },
			"tflite: subgraph 0 tensor 0: shape: vector of 4294967295 4-byte elements at"},
		{"negative dim", func(b []byte) { binary.LittleEndian.PutUint32(b[shape+4:], 0xffffffff) },
			"tflite: subgraph 0 tensor 0: shape [1 -1 128 3]: dim 1 is -1"},
		{"field outside its table", func(b []byte) { binary.LittleEndian.PutUint16(b[rootVT+4+2*modelSubgraphs:], 0xfff0) },
			"field at offset 65520 outside its table"},
		{"vtable size odd", func(b []byte) { binary.LittleEndian.PutUint16(b[rootVT:], 7) },
			"tflite: root table: table at"},
		{"subgraphs offset past the end", func(b []byte) {
			at := root.Pos + flatbuffers.UOffsetT(root.Offset(4+2*modelSubgraphs))
			binary.LittleEndian.PutUint32(b[at:], 0xfffffff0)
		}, "subgraphs: offset at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(patch(b, tc.f))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestParseTruncated cuts real models short: every proper prefix that drops referenced
// bytes must fail cleanly.
func TestParseTruncated(t *testing.T) {
	head := readModel(t, headModel)
	for n := 0; n < len(head); n += 1024 {
		if _, err := Parse(head[:n]); err == nil {
			t.Errorf("Parse(head[:%d]) succeeded", n)
		}
	}
	classifier := readModel(t, "mobilenet_v1_0.25_128_quant.tflite")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n := rng.IntN(len(classifier))
		if _, err := Parse(classifier[:n]); err == nil {
			t.Errorf("Parse(classifier[:%d]) succeeded", n)
		}
	}
}

// TestParseFlippedBytes flips random bytes of real models. Parse may fail or succeed, but
// must not panic, and whatever it accepts must keep its promises.
func TestParseFlippedBytes(t *testing.T) {
	for _, tc := range []struct {
		file  string
		iters int
		span  int // flips land in the first span bytes (0: anywhere)
	}{
		{headModel, 3000, 0},
		{"mobilenet_v1_0.25_128_quant.tflite", 300, 0},
		{"person_detect.tflite", 300, 8192},
		{"mobilenet_v1_0.25_224_quant.tflite", 100, 0},
	} {
		orig := readModel(t, tc.file)
		rng := rand.New(rand.NewPCG(uint64(len(orig)), 7))
		span := len(orig)
		if tc.span > 0 {
			span = min(span, tc.span)
		}
		accepted := 0
		b := make([]byte, len(orig))
		for i := range tc.iters {
			copy(b, orig)
			for range 1 + rng.IntN(8) {
				b[rng.IntN(span)] ^= byte(1 + rng.IntN(255))
			}
			m, err := Parse(b)
			if err != nil {
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Errorf("%s flip %d: multi-line error %q", tc.file, i, err)
				}
				continue
			}
			accepted++
			if err := checkInvariants(m); err != nil {
				t.Errorf("%s flip %d: accepted model breaks a promise: %v", tc.file, i, err)
			}
		}
		t.Logf("%s: %d of %d flipped copies accepted", tc.file, accepted, tc.iters)
	}
}
