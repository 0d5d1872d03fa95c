package mobilenet

import (
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// The goldens in testdata/golden are the TFLite interpreter's outputs (XNNPACK delegate) on seeded
// random inputs; scripts/goldens.sh regenerates them. These tests run the same models on the same inputs.

// loadShared loads the model file name of ../shared/models (skipping the test when it is absent).
func loadShared(t *testing.T, name string, opts ...Option) *Model {
	t.Helper()
	m, err := Load(shared.Path(t, "models/"+name), opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return m
}

func loadGolden(t *testing.T, model string) *golden.File {
	t.Helper()
	f, err := golden.Load(filepath.Join("testdata/golden", model[:len(model)-len(".tflite")]+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// seededInput rebuilds the input of a seeded golden case.
func seededInput(m *Model, seed uint32) *tensor.Tensor {
	in := m.Input()
	t := &tensor.Tensor{Shape: in.Shape.Clone(), DType: in.DType, Quant: in.Quant}
	n := in.Shape.Size()
	switch in.DType {
	case tensor.Float32:
		t.F32 = lcg.Float32s(seed, n)
	case tensor.Uint8:
		t.U8 = lcg.Uint8s(seed, n)
	case tensor.Int8:
		t.I8 = lcg.Int8s(seed, n)
	}
	return t
}

var quantClassifiers = []string{"mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.25_224_quant.tflite", "mobilenet_v1_0.75_192_quant.tflite"}

// TestQuantizedEqualsOracle: in the default (XNNPACK) rounding, every output code of every golden case
// equals the TFLite interpreter's, and there are as many codes as the oracle gave.
func TestQuantizedEqualsOracle(t *testing.T) {
	for _, name := range quantClassifiers {
		m := loadShared(t, name)
		gf := loadGolden(t, name)
		if len(gf.Cases) < 20 {
			t.Fatalf("%s: only %d golden cases", name, len(gf.Cases))
		}
		for _, c := range gf.Cases {
			out, err := m.Run(seededInput(m, c.Seed))
			if err != nil {
				t.Fatal(err)
			}
			if err := approx.Codes(out[0].U8, c.Outputs[0].Ints, 0); err != nil {
				t.Fatalf("%s seed %d: against the oracle: %v", name, c.Seed, err)
			}
		}
	}
}

// TestReferenceRoundingAgreement: TFLite's reference kernels round differently; they must still agree
// with the oracle on at least 97 % of output codes, and never be more than 16 codes apart (one-code
// rounding differences compound through 28 layers: 2 to 9 codes at most, measured). Their exact
// rounding is checked against TFLite Micro's kernel tests in kernels/qref (TestTFLiteMicroVectors).
func TestReferenceRoundingAgreement(t *testing.T) {
	for _, name := range quantClassifiers {
		m := loadShared(t, name, WithRounding(Reference))
		gf := loadGolden(t, name)
		same, total, worst := 0, 0, 0
		for _, c := range gf.Cases[:8] {
			out, err := m.Run(seededInput(m, c.Seed))
			if err != nil {
				t.Fatal(err)
			}
			want := c.Outputs[0].Ints
			if len(out[0].U8) != len(want) || len(want) == 0 {
				t.Fatalf("%s seed %d: %d output codes, the oracle %d", name, c.Seed, len(out[0].U8), len(want))
			}
			for i, q := range out[0].U8 {
				d := int(q) - int(want[i])
				if d == 0 {
					same++
				}
				worst = max(worst, d, -d)
				total++
			}
		}
		if total == 0 {
			t.Fatalf("%s: no codes compared", name)
		}
		share := float64(same) / float64(total)
		t.Logf("%s: reference rounding agrees on %.2f %% of %d codes (max %d apart)", name, 100*share, total, worst)
		if share < 0.97 || worst > 16 {
			t.Errorf("%s: %.2f %% of codes agree (want at least 97 %%), max %d apart (want at most 16)", name, 100*share, worst)
		}
	}
}

// TestFloatEqualsOracle: the official float model's softmax equals the TFLite interpreter's within 1e-5
// on every golden case (a NaN or a short output fails).
func TestFloatEqualsOracle(t *testing.T) {
	const name = "mobilenet_v1_0.25_224_1_default_1.tflite"
	m := loadShared(t, name)
	gf := loadGolden(t, name)
	worst := 0.0
	for _, c := range gf.Cases {
		out, err := m.Run(seededInput(m, c.Seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := approx.Close(out[0].F32, c.Outputs[0].Floats, 1e-5, 0); err != nil {
			t.Fatalf("%s seed %d: against the oracle: %v", name, c.Seed, err)
		}
		d, _, _ := approx.MaxAbsDiff(out[0].F32, c.Outputs[0].Floats)
		worst = max(worst, d)
	}
	t.Logf("%s: max |diff| %.3g over %d cases (tolerance 1e-5)", name, worst, len(gf.Cases))
}
