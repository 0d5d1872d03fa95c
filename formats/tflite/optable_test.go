package tflite

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
)

// importFixture is a minimal operator of one TFLite kind: float32 input tensors of the given shapes,
// one output tensor, and the options the importer needs.
type importFixture struct {
	in      [][]int
	out     []int
	options any
	custom  []byte
	ints    map[int][]int32 // inputs that are int32 constants, by input index
	outType TensorType      // the output tensor's type (FLOAT32 when zero)
	inType  TensorType      // the input tensors' type (FLOAT32 when zero)
	quant   *Quantization   // every tensor's quantization, when set
}

// convert runs the importer's conversion of a one-operator model holding f as an operator of kind code.
func (f importFixture) convert(code OperatorCode) (graph.Op, error) {
	op := Operator{Outputs: []int{len(f.in)}, Options: f.options, CustomOptions: f.custom}
	sg := Subgraph{Name: "main", Tensors: make([]Tensor, len(f.in)+1)}
	for i, s := range f.in {
		sg.Tensors[i] = Tensor{Name: "in", Shape: s, Type: f.inType, Quant: f.quant}
		op.Inputs = append(op.Inputs, i)
	}
	sg.Tensors[len(f.in)] = Tensor{Name: "out", Shape: f.out, Type: f.outType, Quant: f.quant}
	sg.Operators = []Operator{op}
	m := &Model{OperatorCodes: []OperatorCode{code}, Subgraphs: []Subgraph{sg}, Buffers: [][]byte{nil}}
	for i, v := range f.ints {
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
		sg.Tensors[i].Type, sg.Tensors[i].Buffer = Int32, len(m.Buffers)
		m.Buffers = append(m.Buffers, b)
	}
	return m.convert(&m.Subgraphs[0], &m.Subgraphs[0].Operators[0], code)
}

// importFixtures holds a minimal operator of every kind the import table lists.
func importFixtures(t *testing.T) map[OperatorCode]importFixture {
	postProcess, err := os.ReadFile("../flexbuf/testdata/coco_postprocess_options.flexbuf")
	if err != nil {
		t.Fatal(err)
	}
	return map[OperatorCode]importFixture{
		{Builtin: Conv2D}: {in: [][]int{{1, 4, 4, 2}, {3, 1, 1, 2}}, out: []int{1, 4, 4, 3},
			options: &Conv2DOptions{Padding: Valid, StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1}},
		{Builtin: DepthwiseConv2D}: {in: [][]int{{1, 4, 4, 2}, {1, 3, 3, 2}}, out: []int{1, 2, 2, 2},
			options: &DepthwiseConv2DOptions{Padding: Valid, StrideW: 1, StrideH: 1, DepthMultiplier: 1, DilationW: 1, DilationH: 1}},
		{Builtin: AveragePool2D}: {in: [][]int{{1, 4, 4, 2}}, out: []int{1, 1, 1, 2},
			options: &Pool2DOptions{Padding: Valid, StrideW: 1, StrideH: 1, FilterW: 4, FilterH: 4}},
		{Builtin: FullyConnected}: {in: [][]int{{1, 2}, {3, 2}}, out: []int{1, 3}, options: &FullyConnectedOptions{}},
		{Builtin: Reshape}:        {in: [][]int{{1, 1, 1, 2}}, out: []int{1, 2}, options: &ReshapeOptions{NewShape: []int{1, 2}}},
		{Builtin: Squeeze}:        {in: [][]int{{1, 1, 1, 2}}, out: []int{1, 2}, options: &SqueezeOptions{}},
		{Builtin: Softmax}:        {in: [][]int{{1, 3}}, out: []int{1, 3}, options: &SoftmaxOptions{Beta: 1}},
		{Builtin: Concatenation}:  {in: [][]int{{1, 2}, {1, 3}}, out: []int{1, 5}, options: &ConcatenationOptions{Axis: 1}},
		{Builtin: Logistic}:       {in: [][]int{{1, 3}}, out: []int{1, 3}},
		{Builtin: ResizeBilinear}: {in: [][]int{{1, 2, 2, 3}, {2}}, out: []int{1, 5, 4, 3},
			options: &ResizeBilinearOptions{AlignCorners: true}, ints: map[int][]int32{1: {5, 4}}},
		{Builtin: ArgMax}: {in: [][]int{{1, 2, 2, 3}, {}}, out: []int{1, 2, 2},
			options: &ArgMaxOptions{OutputType: Int64}, ints: map[int][]int32{1: {3}}, outType: Int64},
		{Builtin: Add}:       {in: [][]int{{1, 2, 2, 3}, {1, 2, 2, 3}}, out: []int{1, 2, 2, 3}, options: &AddOptions{}},
		{Builtin: Mul}:       {in: [][]int{{1, 2, 2, 3}, {1, 1, 1, 3}}, out: []int{1, 2, 2, 3}, options: &MulOptions{}},
		{Builtin: HardSwish}: {in: [][]int{{1, 2, 2, 3}}, out: []int{1, 2, 2, 3}},
		{Builtin: Mean}: {in: [][]int{{1, 2, 2, 3}, {2}}, out: []int{1, 1, 1, 3},
			options: &ReducerOptions{KeepDims: true}, ints: map[int][]int32{1: {1, 2}}},
		{Builtin: Quantize}: {in: [][]int{{1, 3}}, out: []int{1, 3}, outType: Uint8,
			quant: &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{3}}},
		{Builtin: Dequantize}: {in: [][]int{{1, 3}}, out: []int{1, 3}, inType: Int8,
			quant: &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{3}}},
		{Builtin: Relu}:  {in: [][]int{{1, 3}}, out: []int{1, 3}},
		{Builtin: Relu6}: {in: [][]int{{1, 3}}, out: []int{1, 3}},
		{Builtin: Pad}: {in: [][]int{{1, 2, 2, 3}, {4, 2}}, out: []int{1, 3, 4, 3},
			ints: map[int][]int32{1: {0, 0, 1, 0, 1, 1, 0, 0}}},
		{Builtin: Custom, Custom: "TFLite_Detection_PostProcess"}: {in: [][]int{{1, 4, 4}, {1, 4, 91}, {4, 4}},
			out: []int{1, 10, 4}, custom: postProcess},
	}
}

// TestImportTableMatchesImporter holds the import column of the op table to the importer: every graph
// op has a row with operators or a refusal (not both), every operator a row lists converts into that
// row's op type, and every other TFLite operator is refused by the importer as unsupported.
func TestImportTableMatchesImporter(t *testing.T) {
	fixtures := importFixtures(t)
	rows := map[string]bool{}
	claimed := map[OperatorCode]bool{}
	for _, op := range graph.OpTypes() {
		opType := op.Type()
		rows[opType] = true
		from, refusal, known := ImportedFrom(opType)
		if !known || (len(from) == 0) == (refusal == "") {
			t.Errorf("%s: known %v, operators %v, refusal %q; want operators or a refusal", opType, known, from, refusal)
			continue
		}
		for _, code := range from {
			claimed[code] = true
			f, ok := fixtures[code]
			if !ok {
				t.Errorf("%s: no test operator of kind %s", opType, code)
				continue
			}
			got, err := f.convert(code)
			if err != nil {
				t.Errorf("%s: %v", code, err)
			} else if got.Type() != opType {
				t.Errorf("%s imports as %s, want %s", code, got.Type(), opType)
			}
		}
	}
	for opType := range importTable {
		if !rows[opType] {
			t.Errorf("the table has a row for %s, which graph.OpTypes lacks", opType)
		}
	}
	others := []OperatorCode{{Builtin: Custom, Custom: "NotAnOperator"}}
	for b := range BuiltinOp(len(builtinNames)) {
		others = append(others, OperatorCode{Builtin: b})
	}
	plain := importFixture{in: [][]int{{1, 4, 4, 2}}, out: []int{1, 4, 4, 2}}
	for _, code := range others {
		if claimed[code] {
			continue
		}
		if _, err := plain.convert(code); err == nil || !strings.Contains(err.Error(), code.String()+" is not supported") {
			t.Errorf("the importer accepts %s (error %v), which the import table does not list", code, err)
		}
	}
}

// TestExportColumnKnowsEveryOp: every op has an export cell (written as an operator, or refused with a
// reason), and an op type no table lists is unknown. Whether the cells tell the truth is
// TestExportColumnMatchesWriter (write_test.go).
func TestExportColumnKnowsEveryOp(t *testing.T) {
	for _, op := range graph.OpTypes() {
		refusal, known := ExportRefusal(op.Type())
		if !known || (refusal == "") == (ExportedAs(op.Type()) == "") {
			t.Errorf("%s: known %v, refusal %q, written as %q", op.Type(), known, refusal, ExportedAs(op.Type()))
		}
	}
	if _, known := ExportRefusal("NoSuchOp"); known {
		t.Error("NoSuchOp is known")
	}
}
