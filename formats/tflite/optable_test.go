package tflite

import (
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
}

// convert runs the importer's conversion of a one-operator model holding f as an operator of kind code.
func (f importFixture) convert(code OperatorCode) (graph.Op, error) {
	op := Operator{Outputs: []int{len(f.in)}, Options: f.options, CustomOptions: f.custom}
	sg := Subgraph{Name: "main", Tensors: make([]Tensor, len(f.in)+1)}
	for i, s := range f.in {
		sg.Tensors[i] = Tensor{Name: "in", Shape: s}
		op.Inputs = append(op.Inputs, i)
	}
	sg.Tensors[len(f.in)] = Tensor{Name: "out", Shape: f.out}
	sg.Operators = []Operator{op}
	m := &Model{OperatorCodes: []OperatorCode{code}, Subgraphs: []Subgraph{sg}}
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

// TestExportColumnRefusesEveryOp: with no .tflite writer, every op the table lists is refused, and an op
// type it does not list is unknown.
func TestExportColumnRefusesEveryOp(t *testing.T) {
	for _, op := range graph.OpTypes() {
		if refusal, known := ExportRefusal(op.Type()); !known || refusal == "" {
			t.Errorf("%s: known %v, refusal %q", op.Type(), known, refusal)
		}
	}
	if _, known := ExportRefusal("NoSuchOp"); known {
		t.Error("NoSuchOp is known")
	}
}
