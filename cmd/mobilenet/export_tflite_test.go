package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestExportTFLiteCommand re-exports the built-in uint8 model with `export --format tflite`: the file
// reads back with the same operators, carries the 1001 labels (TFLite metadata and its zip) and
// classifies a seeded input with exactly the original's output codes. A built float network exports
// too, and an export without -o that would overwrite its input is refused.
func TestExportTFLiteCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.tflite")
	code, stdout, errs := cli("export", "--format", "tflite", "--model", builtinModel, "-o", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	m, err := tflite.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	files, err := m.AssociatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(files[tflite.LabelsFile]), "\n"); n != 1001 {
		t.Fatalf("%s holds %d lines, want 1001", tflite.LabelsFile, n)
	}
	orig, err := mobilenet.Load(builtinModel)
	if err != nil {
		t.Fatal(err)
	}
	exported, err := mobilenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := exported.Labels(), orig.Labels(); len(got) != len(want) || got[1] != want[1] {
		t.Fatalf("labels read back: %d, want %d", len(got), len(want))
	}
	in := orig.Input()
	x := &tensor.Tensor{Shape: in.Shape, DType: in.DType, Quant: in.Quant, U8: make([]uint8, in.Shape.Size())}
	for i := range x.U8 {
		x.U8[i] = uint8(i * 7)
	}
	a, err := orig.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := exported.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := approx.Codes(b[0].U8, a[0].U8, 0); err != nil {
		t.Fatalf("exported model vs original: %v", err)
	}

	built := filepath.Join(dir, "built.tflite")
	if code, _, errs := cli("export", "--format", "tflite", "--alpha", "0.25", "--resolution", "64", "-o", built); code != 0 {
		t.Fatalf("built network: exit %d: %s", code, errs)
	}
	if _, err := mobilenet.Load(built); err != nil {
		t.Fatal(err)
	}

	// Without -o the output is the input's base name in the current directory: the input itself here.
	t.Chdir(dir)
	if code, _, errs := cli("export", "--format", "tflite", "--model", "m.tflite"); code != 2 || !strings.Contains(errs, "-o is required") {
		t.Fatalf("export over its own input: exit %d %q", code, errs)
	}
}
