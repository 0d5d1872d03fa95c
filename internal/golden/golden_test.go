package golden

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

const dir = "../../testdata/golden"

var photos = []string{"tfls_cats_and_dogs.jpg", "tfls_grace_hopper.jpg", "tfls_multi_objects.jpg", "coral_pets.jpg"}

// TestCommittedFiles loads every committed golden file and checks its case counts, its seed rule and,
// from the oracle's numbers themselves, that the outputs look like what each model computes.
func TestCommittedFiles(t *testing.T) {
	tests := []struct {
		model   string
		kind    string
		inputs  int
		seeded  int
		photos  []string
		outputs int
	}{
		{"mobilenet_v1_0.25_128_quant", KindUint8, 1, 24, nil, 1},
		{"mobilenet_v1_0.25_224_quant", KindUint8, 1, 24, nil, 1},
		{"mobilenet_v1_0.75_192_quant", KindUint8, 1, 24, nil, 1},
		{"mobilenet_v1_0.25_224_1_default_1", KindFloat32, 1, 24, nil, 1},
		{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata", KindUint8, 1, 24, photos, 4},
		{"ssd_mobilenet_v1_coco_quant_postprocess_head_layers", KindUint8, 12, 24, photos, 4},
		{"person_detect", KindInt8, 1, 24, []string{"tflm_person_96x96.bmp", "tflm_no_person_96x96.bmp"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			f, err := Load(filepath.Join(dir, tc.model+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if f.Model != tc.model || f.InputKind != tc.kind || len(f.Inputs) != tc.inputs {
				t.Fatalf("model %q kind %q inputs %d", f.Model, f.InputKind, len(f.Inputs))
			}
			if len(f.Cases) != tc.seeded+len(tc.photos) {
				t.Fatalf("%d cases, want %d", len(f.Cases), tc.seeded+len(tc.photos))
			}
			for k, c := range f.Cases {
				if len(c.Outputs) != tc.outputs {
					t.Errorf("case %d: %d outputs, want %d", k, len(c.Outputs), tc.outputs)
				}
				if k >= tc.seeded {
					if c.Image != tc.photos[k-tc.seeded] || len(c.Seeds) != 0 {
						t.Errorf("case %d: image %q seeds %v", k, c.Image, c.Seeds)
					}
					continue
				}
				for i, s := range c.Seeds {
					want := uint32(1000 + k)
					if tc.inputs > 1 {
						want = uint32(1000 + 16*k + i)
					}
					if s != want {
						t.Errorf("case %d input %d: seed %d, want %d", k, i, s, want)
					}
				}
			}
		})
	}
}

// TestClassifierOutputs checks the classifiers' outputs against what a softmax must be.
func TestClassifierOutputs(t *testing.T) {
	f, err := Load(filepath.Join(dir, "mobilenet_v1_0.25_224_1_default_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range f.Cases {
		sum := 0.0
		for _, v := range c.Outputs[0].Floats {
			sum += float64(v)
		}
		if err := approx.Within("|softmax sum − 1|", math.Abs(sum-1), 1e-5); err != nil {
			t.Errorf("float case %d: %v", k, err)
		}
	}
	f, err = Load(filepath.Join(dir, "mobilenet_v1_0.75_192_quant.json"))
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range f.Cases {
		sum := int32(0)
		for _, v := range c.Outputs[0].Ints {
			sum += v
		}
		// Codes have scale 1/256; on noise many small probabilities round to 0, so the sum falls short.
		if sum < 150 || sum > 270 {
			t.Errorf("uint8 case %d: softmax codes sum to %d", k, sum)
		}
	}
}

// TestDetectorPhotos checks the stored photo inputs and the best detection on two photos, whose
// content is known: Grace Hopper (a person, class 0) and two dogs (class 17).
func TestDetectorPhotos(t *testing.T) {
	f, err := Load(filepath.Join(dir, "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float32{"tfls_grace_hopper.jpg": 0, "coral_pets.jpg": 17}
	for _, c := range f.Cases {
		cls, ok := want[c.Image]
		if !ok {
			continue
		}
		in, err := c.Inputs()
		if err != nil || len(in) != 1 || len(in[0]) != 300*300*3 {
			t.Fatalf("%s: inputs %d, %v", c.Image, len(in), err)
		}
		if got := c.Outputs[1].Floats[0]; got != cls || c.Outputs[2].Floats[0] < 0.5 {
			t.Errorf("%s: top detection class %v score %v, want class %v above 0.5", c.Image, got, c.Outputs[2].Floats[0], cls)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	head := `{"model":"m","input_kind":"uint8","inputs":[{"name":"x","shape":[1,2],"dtype":"int32"}],"cases":[`
	out := `"outputs":[{"name":"y","shape":[2],"dtype":"float32","data":[0.1,0.2]}]`
	tests := []struct {
		name, json, want string
	}{
		{"ok", head + `{"seed":5,"seeds":[5],` + out + `}]}`, ""},
		{"photo ok", head + `{"image":"a.jpg","input_b64":["AAE="],` + out + `}]}`, ""},
		{"bad kind", strings.Replace(head, "uint8", "int4", 1) + `]}`, "unknown input_kind"},
		{"seed count", head + `{"seed":5,"seeds":[5,6],` + out + `}]}`, "2 seeds for 1 inputs"},
		{"seed mismatch", head + `{"seed":5,"seeds":[6],` + out + `}]}`, "1 seeds for 1 inputs (seed 5)"},
		{"short input", head + `{"image":"a.jpg","input_b64":["AA=="],` + out + `}]}`, "input 0 has 1 bytes, want 2"},
		{"bad base64", head + `{"image":"a.jpg","input_b64":["!!"],` + out + `}]}`, "input 0: illegal base64"},
		{"data length", head + `{"seed":5,"seeds":[5],"outputs":[{"name":"y","shape":[3],"dtype":"int32","data":[1,2]}]}]}`, `output "y" has 2 values for shape [3]`},
		{"dtype", head + `{"seed":5,"seeds":[5],"outputs":[{"name":"y","shape":[2],"dtype":"uint8","data":[1,2]}]}]}`, `unknown dtype "uint8"`},
		{"no outputs", head + `{"seed":5,"seeds":[5],"outputs":[]}]}`, "case 0: no outputs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "g.json")
			if err := os.WriteFile(p, []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(p)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want == "":
				if got := f.Cases[0].Outputs[0].Floats; !slices.Equal(got, []float32{0.1, 0.2}) {
					t.Errorf("floats %v", got)
				}
			case err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "golden: "):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFloatRoundTrip checks that writing and reading keeps every float32 bit pattern, including
// values whose shortest decimal differs from their float64 widening.
func TestFloatRoundTrip(t *testing.T) {
	vals := []float32{0.1, 1.0 / 3, math.SmallestNonzeroFloat32, math.MaxFloat32, math.Float32frombits(1 << 31), 16777217, 0.80078125}
	o := Output{Name: "v", Shape: []int{len(vals)}, DType: "float32", Floats: vals}
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `0.1,0.33333334,1e-45,`) {
		t.Errorf("not the shortest float32 decimals: %s", b)
	}
	var back Output
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if math.Float32bits(back.Floats[i]) != math.Float32bits(v) {
			t.Errorf("value %d: %v came back as %v", i, v, back.Floats[i])
		}
	}
}
