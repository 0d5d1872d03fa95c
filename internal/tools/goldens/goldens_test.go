package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestReadGraph checks the head model's inputs against the oracle's own input descriptors, recorded in
// the committed golden file.
func TestReadGraph(t *testing.T) {
	b := shared.ReadFile(t, "models/"+headFile)
	g, err := readGraph(b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := golden.Load("../../../testdata/golden/ssd_mobilenet_v1_coco_quant_postprocess_head_layers.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != len(f.Inputs) || len(g.Outputs) != 4 {
		t.Fatalf("%d inputs %d outputs", len(g.Inputs), len(g.Outputs))
	}
	for i, in := range f.Inputs {
		tt := g.Tensors[g.Inputs[i]]
		if tt.Name != in.Name || !slices.Equal(tt.Shape, in.Shape) || tt.Type != 3 || !tt.Quant || tt.Scale <= 0 {
			t.Errorf("input %d: %+v, oracle says %+v", i, tt, in)
		}
	}
	if name := g.Tensors[g.Outputs[0]].Name; name != "TFLite_Detection_PostProcess" {
		t.Errorf("output 0 is %q", name)
	}
}

func TestWithOutputs(t *testing.T) {
	b := shared.ReadFile(t, "models/"+headFile)
	g, err := readGraph(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{4, 10, 38}
	nb, err := withOutputs(b, g, want)
	if err != nil {
		t.Fatal(err)
	}
	ng, err := readGraph(nb)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ng.Outputs, want) || !slices.Equal(ng.Inputs, g.Inputs) || len(ng.Tensors) != len(g.Tensors) {
		t.Errorf("outputs %v inputs %v, want outputs %v inputs %v", ng.Outputs, ng.Inputs, want, g.Inputs)
	}
	if _, err := withOutputs(b, g, []int{len(g.Tensors)}); err == nil {
		t.Error("out-of-range output accepted")
	}
}

func TestReadGraphErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "no TFL3 identifier"},
		{"root past end", []byte{0xff, 0, 0, 0, 'T', 'F', 'L', '3'}, "past the end"},
		{"vtable outside", []byte{8, 0, 0, 0, 'T', 'F', 'L', '3', 0x00, 0x10, 0, 0}, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := readGraph(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSample(t *testing.T) {
	tests := []struct {
		i, n, s int
		i0, i1  int
		f       float64
	}{
		{0, 300, 600, 0, 1, 0.5},     // (0.5)*2-0.5 = 0.5
		{1, 300, 600, 2, 3, 0.5},     // 1.5*2-0.5 = 2.5
		{0, 300, 150, 0, 1, 0},       // 0.25-0.5 < 0 clamps to 0
		{299, 300, 150, 149, 149, 0}, // 149.75-0.5 = 149.25 clamps to 149
		{2, 4, 3, 1, 2, 0.375},       // 2.5*0.75-0.5 = 1.375
	}
	for _, tc := range tests {
		i0, i1, f := sample(tc.i, tc.n, tc.s)
		if i0 != tc.i0 || i1 != tc.i1 || f != tc.f {
			t.Errorf("sample(%d, %d, %d) = %d, %d, %v; want %d, %d, %v", tc.i, tc.n, tc.s, i0, i1, f, tc.i0, tc.i1, tc.f)
		}
	}
}

func TestRequantize(t *testing.T) {
	det := &graph{Tensors: []tensorInfo{{Name: "p", Shape: []int{4}, Type: 3, Scale: 0.5, Zero: 100, Quant: true}}}
	head := &graph{Tensors: []tensorInfo{{Name: "p", Shape: []int{4}, Type: 3, Scale: 0.25, Zero: 10, Quant: true}}, Inputs: []int{0}}
	outs := []golden.Output{{Name: "p", Shape: []int{4}, DType: "int32", Ints: []int32{100, 101, 0, 255}}}
	got, err := requantize(outs, det, head)
	if err != nil {
		t.Fatal(err)
	}
	// real = 0.5(q-100); q' = real/0.25 + 10 = 2(q-100) + 10, clamped: 10, 12, -190→0, 320→255.
	if want := []byte{10, 12, 0, 255}; !slices.Equal(got[0], want) {
		t.Errorf("got %v, want %v", got[0], want)
	}
	outs[0].Name = "q"
	if _, err := requantize(outs, det, head); err == nil {
		t.Error("mismatched name accepted")
	}
}

func TestPhotoInput(t *testing.T) {
	b, err := photoInput(shared.Path(t, "images/"+photos[1]), 300, 300)
	if err != nil {
		t.Fatal(err)
	}
	f, err := golden.Load("../../../testdata/golden/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases {
		if c.Image == photos[1] {
			in, err := c.Inputs()
			if err != nil || !slices.Equal(in[0], b) {
				t.Errorf("regenerated %s input differs from the stored one (%v)", photos[1], err)
			}
			return
		}
	}
	t.Error("no case for", photos[1])
}

// TestWithRank1AxisZero: the person detector's copy differs from the original only in the
// quantized_dimension words of its 14 rank-1 tensors that store 3 (per-channel biases; 3 → 0), and a second
// pass changes nothing.
func TestWithRank1AxisZero(t *testing.T) {
	b := shared.ReadFile(t, "models/"+personFile)
	out, n, err := withRank1AxisZero(b)
	if err != nil {
		t.Fatal(err)
	}
	if n != 14 || len(out) != len(b) {
		t.Fatalf("%d tensors changed, %d bytes (was %d); want 14 and the same size", n, len(out), len(b))
	}
	diff := 0
	for i := range b {
		if out[i] != b[i] {
			diff++
			if b[i] != 3 || out[i] != 0 {
				t.Fatalf("byte %d: %d → %d, want 3 → 0", i, b[i], out[i])
			}
		}
	}
	if diff != n {
		t.Errorf("%d bytes differ, want %d (one per changed int32)", diff, n)
	}
	if _, again, err := withRank1AxisZero(out); err != nil || again != 0 {
		t.Errorf("second pass changed %d (%v)", again, err)
	}
	g1, err1 := readGraph(b)
	g2, err2 := readGraph(out)
	if err1 != nil || err2 != nil || !slices.EqualFunc(g1.Tensors, g2.Tensors, func(a, b tensorInfo) bool {
		return a.Name == b.Name && slices.Equal(a.Shape, b.Shape) && a.Type == b.Type && a.Scale == b.Scale && a.Zero == b.Zero
	}) {
		t.Errorf("the copy reads differently: %v %v", err1, err2)
	}
}
