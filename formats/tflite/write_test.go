package tflite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// normalOp returns op in the form the importer gives it back: GlobalAvgPool is AVERAGE_POOL_2D over
// the whole input, a Reshape is known by its output shape, and defaults (dilation 0 = 1, multiplier
// 0 = 1, softmax β 0 = 1) are spelled out.
func normalOp(op graph.Op, in []*graph.Value, out []*graph.Value) any {
	switch o := op.(type) {
	case *graph.GlobalAvgPool:
		return graph.AvgPool2D{KH: in[0].Shape[1], KW: in[0].Shape[2], StrideH: 1, StrideW: 1}
	case *graph.Reshape:
		return fmt.Sprintf("Reshape to %v", out[0].Shape)
	case *graph.Softmax:
		c := *o
		if c.Beta == 0 {
			c.Beta = 1
		}
		return c
	case *graph.Conv2D:
		c := *o
		c.DilationH, c.DilationW, c.Groups = max(c.DilationH, 1), max(c.DilationW, 1), 0
		return c
	case *graph.DepthwiseConv2D:
		c := *o
		c.DilationH, c.DilationW, c.Multiplier = max(c.DilationH, 1), max(c.DilationW, 1), max(c.Multiplier, 1)
		return c
	}
	return reflect.Indirect(reflect.ValueOf(op)).Interface()
}

// sameQuant compares two quantizations as TFLite stores them (absent zero points are 0; the axis of a
// per-tensor or rank-1 quantization is 0).
func sameQuant(a, b *tensor.Quant, rank int) error {
	if (a == nil || len(a.Scale) == 0) != (b == nil || len(b.Scale) == 0) {
		return fmt.Errorf("quantization %v vs %v", a, b)
	}
	if a == nil || len(a.Scale) == 0 {
		return nil
	}
	if !slices.Equal(a.Scale, b.Scale) {
		return fmt.Errorf("scales %v vs %v", a.Scale, b.Scale)
	}
	for c := range a.Scale {
		if a.ZP(c) != b.ZP(c) {
			return fmt.Errorf("zero point %d: %d vs %d", c, a.ZP(c), b.ZP(c))
		}
	}
	if len(a.Scale) > 1 && rank > 1 && a.Axis != b.Axis {
		return fmt.Errorf("axis %d vs %d", a.Axis, b.Axis)
	}
	return nil
}

// sameValue compares two values: type, shape, quantization and constant bytes.
func sameValue(a, b *graph.Value) error {
	if (a == nil) != (b == nil) {
		return fmt.Errorf("present %v vs %v", a != nil, b != nil)
	}
	if a == nil {
		return nil
	}
	if a.DType != b.DType || !a.Shape.Equal(b.Shape) {
		return fmt.Errorf("%s: %v %v vs %v %v", a.Name, a.DType, a.Shape, b.DType, b.Shape)
	}
	if err := sameQuant(exportQuant(a), exportQuant(b), len(a.Shape)); err != nil {
		return fmt.Errorf("%s: %v", a.Name, err)
	}
	if a.Const() != b.Const() {
		return fmt.Errorf("%s: constant %v vs %v", a.Name, a.Const(), b.Const())
	}
	if a.Const() && !bytes.Equal(a.Data.Bytes(), b.Data.Bytes()) {
		return fmt.Errorf("%s: constant bytes differ", a.Name)
	}
	return nil
}

func values(g *graph.Graph, ids []int) []*graph.Value {
	vs := make([]*graph.Value, len(ids))
	for i, id := range ids {
		if id >= 0 {
			vs[i] = g.Values[id]
		}
	}
	return vs
}

// sameGraph compares want (a folded graph) with got (its export read back) node by node.
func sameGraph(want, got *graph.Graph) error {
	for _, io := range []struct {
		what string
		a, b []int
	}{{"inputs", want.Inputs, got.Inputs}, {"outputs", want.Outputs, got.Outputs}} {
		if len(io.a) != len(io.b) {
			return fmt.Errorf("%d %s vs %d", len(io.a), io.what, len(io.b))
		}
		for i := range io.a {
			if err := sameValue(want.Values[io.a[i]], got.Values[io.b[i]]); err != nil {
				return fmt.Errorf("graph %s %d: %v", io.what, i, err)
			}
		}
	}
	if len(want.Nodes) != len(got.Nodes) {
		return fmt.Errorf("%d nodes vs %d", len(want.Nodes), len(got.Nodes))
	}
	for i, a := range want.Nodes {
		b := got.Nodes[i]
		ai, ao := values(want, a.Inputs), values(want, a.Outputs)
		bi, bo := values(got, b.Inputs), values(got, b.Outputs)
		if x, y := normalOp(a.Op, ai, ao), normalOp(b.Op, bi, bo); !reflect.DeepEqual(x, y) {
			return fmt.Errorf("node %d (%s): op %+v vs %+v", i, a.Name, x, y)
		}
		// The writer gives RESIZE_BILINEAR, MEAN and ARG_MAX the int32 constant input TFLite requires
		// when the node has none; the importer reads it back as an input.
		for len(bi) > len(ai) && bi[len(bi)-1] != nil && bi[len(bi)-1].Const() && bi[len(bi)-1].DType == tensor.Int32 {
			bi = bi[:len(bi)-1]
		}
		if len(ai) != len(bi) || len(ao) != len(bo) {
			return fmt.Errorf("node %d (%s): %d→%d values vs %d→%d", i, a.Name, len(ai), len(ao), len(bi), len(bo))
		}
		for k := range ai {
			if err := sameValue(ai[k], bi[k]); err != nil {
				return fmt.Errorf("node %d (%s) input %d: %v", i, a.Name, k, err)
			}
		}
		for k := range ao {
			if err := sameValue(ao[k], bo[k]); err != nil {
				return fmt.Errorf("node %d (%s) output %d: %v", i, a.Name, k, err)
			}
		}
	}
	return nil
}

// roundTrip encodes g, reads the file back and checks the graph it gives against graph.Fold(g).
func roundTrip(g *graph.Graph, opt WriteOptions) (*Model, error) {
	b, err := Encode(g, opt)
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, err
	}
	g2, err := m.Graph()
	if err != nil {
		return nil, err
	}
	return m, sameGraph(graph.Fold(g), g2)
}

// TestWriteSharedModels re-exports every shared model the importer reads and reads it back: the same
// ops with the same attributes, shapes, quantization and constant bytes; buffers 16-byte aligned;
// rank-1 per-channel tensors with quantized_dimension 0.
func TestWriteSharedModels(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(shared.Path(t, "models"), "*.tflite"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no models in ../shared/models: %v", err)
	}
	exported := 0
	for _, f := range files {
		name := filepath.Base(f)
		m := parseModel(t, name)
		g, err := m.Graph()
		if err != nil {
			t.Logf("%s: not imported, so not re-exported: %v", name, err)
			continue
		}
		b, err := Encode(g, WriteOptions{Description: "re-export of " + name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m2, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g2, err := m2.Graph()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sameGraph(graph.Fold(g), g2); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := checkWritten(b, m2); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m2.Description != "re-export of "+name {
			t.Fatalf("%s: description %q", name, m2.Description)
		}
		exported++
	}
	// Every shared model: the V1 classifiers and detectors, the person detector, the V2 classifiers
	// (ADD, MEAN, QUANTIZE) and DeepLab (PAD, RESIZE_BILINEAR, ARG_MAX).
	if exported < 10 {
		t.Fatalf("re-exported %d shared models, want all 10", exported)
	}
}

// checkWritten checks properties of a written file that the graph does not show.
func checkWritten(b []byte, m *Model) error {
	for i, buf := range m.Buffers {
		if len(buf) == 0 {
			continue
		}
		// buf aliases b: its offset in b is the distance between their first bytes.
		off := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) - uintptr(unsafe.Pointer(unsafe.SliceData(b))))
		if off%bufferAlign != 0 {
			return fmt.Errorf("buffer %d at offset %d is not %d-byte aligned", i, off, bufferAlign)
		}
	}
	for i, t := range m.Subgraphs[0].Tensors {
		if t.Quant != nil && len(t.Shape) == 1 && t.Quant.Axis != 0 {
			return fmt.Errorf("tensor %d (%s): rank 1 with quantized_dimension %d", i, t.Name, t.Quant.Axis)
		}
	}
	return nil
}

// TestWriteDecodesOperatorCodes checks the operator codes a written file holds: builtin_code and
// deprecated_builtin_code = min(code, 127), and the post-process's custom code.
func TestWriteOperatorCodes(t *testing.T) {
	g := &graph.Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4, 4, 3}, nil)
	y, _ := g.Add1("hswish", &graph.HardSwish{}, x)
	z, _ := g.Add1("relu6", &graph.Activation{Act: graph.ActReLU6}, y)
	g.Outputs = []int{z}
	b, err := Encode(g, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.OperatorCodes) != 2 || m.OperatorCodes[0].Builtin != HardSwish || m.OperatorCodes[1].Builtin != Relu6 {
		t.Fatalf("operator codes %v", m.OperatorCodes)
	}
	// HARD_SWISH is 117 and RELU6 21: both fit the deprecated i8 field, so it holds them too. Read
	// the raw fields back.
	d := newDecoder(b)
	mt, err := d.table(int64(d.rawU32(0)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := mt.tables(modelOperatorCodes, "operator_codes")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int32{117, 21} {
		ct, err := v.table(i)
		if err != nil {
			t.Fatal(err)
		}
		dep, _ := ct.i8(codeDeprecatedBuiltin, 0, "")
		code, _ := ct.i32(codeBuiltin, 0, "")
		if code != want || int32(dep) != min(want, 127) {
			t.Fatalf("code %d: builtin %d deprecated %d, want %d and %d", i, code, dep, want, min(want, 127))
		}
	}
}

// TestWriteRefuses: a graph with an op that has no TFLite form gives a one-line error naming the op,
// and a failed WriteFile leaves an existing file as it was.
func TestWriteRefuses(t *testing.T) {
	build := func(op graph.Op, extra ...int) *graph.Graph {
		g := &graph.Graph{}
		x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4, 4, 2}, nil)
		in := []int{x}
		if _, ok := op.(*graph.BatchNorm); ok {
			for _, n := range []string{"gamma", "beta", "mean", "var"} {
				c, _ := tensor.FromFloat32(tensor.Shape{2}, []float32{1, 1})
				in = append(in, g.AddConst(n, c))
			}
		}
		y, err := g.Add1("bad", op, in...)
		if err != nil {
			t.Fatal(err)
		}
		g.Outputs = []int{y}
		return g
	}
	for _, c := range []struct {
		g    *graph.Graph
		want string
	}{
		// A batch norm after the input (no convolution to fold into) stays.
		{build(&graph.BatchNorm{Epsilon: 1e-3}), "bad (BatchNorm)"},
		{build(&graph.AvgPool2D{KH: 3, KW: 3, StrideH: 1, StrideW: 1, Pads: graph.Pads{Top: 2, Left: 2, Bottom: 2, Right: 2}}), "neither SAME nor VALID"},
		{build(&graph.Activation{Act: graph.ActNone}), "bad (Activation)"},
	} {
		_, err := Encode(c.g, WriteOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line naming %q", err, c.want)
		}
	}
	// An 8-bit value without quantization parameters.
	g := &graph.Graph{}
	x := g.AddInput("codes", tensor.Uint8, tensor.Shape{1, 4}, nil)
	y, _ := g.Add1("logistic", &graph.Logistic{}, x)
	g.Outputs = []int{y}
	if _, err := Encode(g, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "(codes)") || !strings.Contains(err.Error(), "quantization") {
		t.Errorf("8-bit value without quantization: %v", err)
	}

	path := filepath.Join(t.TempDir(), "model.tflite")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, build(&graph.BatchNorm{Epsilon: 1e-3}), WriteOptions{}); err == nil {
		t.Fatal("WriteFile of a refused graph: no error")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Fatalf("after a failed write the file holds %q, %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("the failed write left %d files", len(entries))
	}
	// A write into a missing directory fails too, and WriteFile of a good graph replaces the file.
	g = build(&graph.Logistic{})
	if err := WriteFile(filepath.Join(path+".d", "x.tflite"), g, WriteOptions{}); err == nil {
		t.Fatal("write into a missing directory: no error")
	}
	if err := WriteFile(path, g, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Fatal(err)
	}
}

// rawRank1Dims returns the stored quantized_dimension of every rank-1 per-channel tensor of the main
// subgraph, read from the flatbuffer itself (Parse reads them as 0 whatever the file holds).
func rawRank1Dims(t *testing.T, b []byte) []int32 {
	t.Helper()
	d := newDecoder(b)
	mt, err := d.table(int64(d.rawU32(0)))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := mt.tables(modelSubgraphs, "subgraphs")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sv.table(0)
	if err != nil {
		t.Fatal(err)
	}
	tv, err := st.tables(subgraphTensors, "tensors")
	if err != nil {
		t.Fatal(err)
	}
	var dims []int32
	for i := 0; i < tv.n; i++ {
		tt, err := tv.table(i)
		if err != nil {
			t.Fatal(err)
		}
		shape, _ := tt.ints(tensorShape, "shape")
		qt, ok, err := tt.sub(tensorQuantization, "quantization")
		if err != nil || !ok || len(shape) != 1 {
			continue
		}
		scale, _ := qt.float32s(quantScale, "scale")
		if len(scale) < 2 {
			continue
		}
		dim, err := qt.i32(quantDimension, 0, "quantized_dimension")
		if err != nil {
			t.Fatal(err)
		}
		dims = append(dims, dim)
	}
	return dims
}

// TestWritePersonDetectBiasAxis: the person detector stores quantized_dimension 3 on its rank-1
// per-channel biases (which is why the TFLite interpreter refuses it); its re-export stores 0.
func TestWritePersonDetectBiasAxis(t *testing.T) {
	orig := readModel(t, "person_detect.tflite")
	before := rawRank1Dims(t, orig)
	threes := 0
	for _, d := range before {
		if d == 3 {
			threes++
		}
	}
	if threes == 0 {
		t.Fatalf("the original has no rank-1 tensor with quantized_dimension 3 (%v): the test checks nothing", before)
	}
	m, err := Parse(orig)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(g, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := rawRank1Dims(t, b)
	if len(after) != len(before) {
		t.Fatalf("%d rank-1 per-channel tensors written, the original has %d", len(after), len(before))
	}
	for i, d := range after {
		if d != 0 {
			t.Fatalf("rank-1 per-channel tensor %d written with quantized_dimension %d", i, d)
		}
	}
	t.Logf("%d rank-1 per-channel biases: %d stored quantized_dimension 3, all %d now 0", len(before), threes, len(after))
}

// opFixture builds a one-op graph (two for the post-process) of the op type opType; ok is false for an
// op type it does not know.
func opFixture(t *testing.T, opType string) (g *graph.Graph, ok bool) {
	t.Helper()
	g = &graph.Graph{Name: opType}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4, 4, 2}, nil)
	konst := func(name string, shape tensor.Shape) int {
		d := make([]float32, shape.Size())
		for i := range d {
			d[i] = float32(i%7) / 7
		}
		c, err := tensor.FromFloat32(shape, d)
		if err != nil {
			t.Fatal(err)
		}
		return g.AddConst(name, c)
	}
	var op graph.Op
	in := []int{x}
	switch opType {
	case "Conv2D":
		op, in = &graph.Conv2D{StrideH: 2, StrideW: 2, Pads: graph.Pads{Bottom: 1, Right: 1}, Act: graph.ActReLU6}, []int{x, konst("w", tensor.Shape{3, 3, 3, 2}), konst("b", tensor.Shape{3})}
	case "DepthwiseConv2D":
		op, in = &graph.DepthwiseConv2D{StrideH: 1, StrideW: 1, Multiplier: 2}, []int{x, konst("w", tensor.Shape{1, 3, 3, 4})}
	case "AvgPool2D":
		op = &graph.AvgPool2D{KH: 2, KW: 2, StrideH: 2, StrideW: 2}
	case "GlobalAvgPool":
		op = &graph.GlobalAvgPool{}
	case "FullyConnected":
		op, in = &graph.FullyConnected{}, []int{x, konst("w", tensor.Shape{5, 32})}
	case "Reshape":
		op = &graph.Reshape{Shape: []int{-1, 2}}
	case "Softmax":
		op = &graph.Softmax{Beta: 1}
	case "Concatenation":
		op, in = &graph.Concatenation{Axis: 3}, []int{x, x}
	case "Logistic":
		op = &graph.Logistic{}
	case "Activation":
		op = &graph.Activation{Act: graph.ActReLU6}
	case "BatchNorm":
		op, in = &graph.BatchNorm{Epsilon: 1e-3}, []int{x, konst("g", tensor.Shape{2}), konst("b", tensor.Shape{2}), konst("m", tensor.Shape{2}), konst("v", tensor.Shape{2})}
	case "Add":
		op, in = &graph.Add{}, []int{x, konst("c", tensor.Shape{1, 1, 1, 2})}
	case "Mul":
		op, in = &graph.Mul{Act: graph.ActReLU}, []int{x, x}
	case "Mean":
		op = &graph.Mean{Axes: []int{1, 2}, KeepDims: true}
	case "ResizeBilinear":
		op = &graph.ResizeBilinear{Height: 7, Width: 5, HalfPixelCenters: true}
	case "HardSwish":
		op = &graph.HardSwish{}
	case "Pad":
		op = &graph.Pad{Before: []int{0, 1, 0, 2}, After: []int{0, 0, 3, 0}}
	case "HardSigmoid":
		op = &graph.HardSigmoid{}
	case "ArgMax":
		y, err := graph.AddArgMax(g, "argmax", -1, x)
		if err != nil {
			t.Fatal(err)
		}
		g.Outputs = []int{y}
		return g, true
	case "Quantize", "Dequantize":
		q, err := g.Add1("quantize", &graph.Quantize{}, x)
		if err != nil {
			t.Fatal(err)
		}
		g.Values[q].DType, g.Values[q].Quant = tensor.Int8, tensor.PerTensor(0.05, -3)
		g.Outputs = []int{q}
		if opType == "Dequantize" {
			d, err := g.Add1("dequantize", &graph.Dequantize{}, q)
			if err != nil {
				t.Fatal(err)
			}
			g.Values[d].DType, g.Values[d].Quant = tensor.Float32, nil
			g.Outputs = []int{d}
		}
		return g, true
	case "DetectionPostProcess":
		scores := g.AddInput("scores", tensor.Float32, tensor.Shape{1, 3, 3}, nil)
		boxes := g.AddInput("boxes", tensor.Float32, tensor.Shape{1, 3, 4}, nil)
		o := detect.Options{MaxDetections: 2, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 2,
			ScoreThreshold: 1e-8, IoUThreshold: 0.6, YScale: 10, XScale: 10, HScale: 5, WScale: 5}
		outs, err := g.Add("post", &graph.DetectionPostProcess{Options: o}, boxes, scores, konst("anchors", tensor.Shape{3, 4}))
		if err != nil {
			t.Fatal(err)
		}
		g.Inputs = g.Inputs[1:]
		g.Outputs = outs
		return g, true
	default:
		return nil, false
	}
	y, err := g.Add1(opType, op, in...)
	if err != nil {
		t.Fatalf("%s: %v", opType, err)
	}
	g.Outputs = []int{y}
	return g, true
}

// TestExportColumnMatchesWriter holds the op table's export column to the writer: an op the column
// says is written is written (and, where the importer reads its operator, reads back as it was), and
// an op it refuses is refused with a one-line error naming the op.
func TestExportColumnMatchesWriter(t *testing.T) {
	written := 0
	for _, op := range graph.OpTypes() {
		opType := op.Type()
		g, ok := opFixture(t, opType)
		if !ok {
			t.Errorf("%s: no fixture in opFixture", opType)
			continue
		}
		refusal, _ := ExportRefusal(opType)
		_, err := Encode(g, WriteOptions{})
		switch {
		case refusal == "" && err != nil:
			t.Errorf("%s: the table says it is written as %s, Encode says %v", opType, ExportedAs(opType), err)
		case refusal != "" && err == nil:
			t.Errorf("%s: the table refuses it (%s), Encode writes it", opType, refusal)
		case err != nil && (!strings.Contains(err.Error(), "("+opType+")") || strings.Contains(err.Error(), "\n")):
			t.Errorf("%s: error %q is not one line naming the op", opType, err)
		}
		if err != nil {
			continue
		}
		written++
		from, _, _ := ImportedFrom(opType)
		if len(from) > 0 || opType == "GlobalAvgPool" {
			if _, err := roundTrip(g, WriteOptions{}); err != nil {
				t.Errorf("%s: round trip: %v", opType, err)
			}
		}
	}
	if written < 15 {
		t.Errorf("%d op types written, want at least 15", written)
	}
}
