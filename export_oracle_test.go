package mobilenet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// The goldens in testdata/golden/export are the TFLite interpreter's outputs on files this project
// wrote (formats/tflite.Encode): the shared models re-exported, and a built MobileNet V1 (batch norms
// folded, global pooling written as AVERAGE_POOL_2D). Each file records the SHA-256 of the exported
// bytes the oracle ran, so a change of the writer's output shows as a failing test until the goldens
// are regenerated with
//
//	MOBILENET_ORACLE=DIR go test -run TestExportOracle -count=1 .
//
// where DIR holds shared/oracle with its packages installed (as scripts/goldens.sh installs it:
// cp -r ../shared/oracle DIR && cd DIR && npm install --ignore-scripts --no-audit --no-fund).

const exportGoldenDir = "testdata/golden/export"

// exportSpec is one exported model the oracle ran.
type exportSpec struct {
	name   string // the shared model re-exported, or builtExport
	cases  int    // seeded cases (the first of the model's golden file)
	photos bool   // also the golden file's photo cases (person detector only: its images are small)
	// ownOriginal: testdata/golden has no file for the model, so the oracle's outputs on the original
	// are kept here too (NAME.original.json), on seeds 1000+k.
	ownOriginal bool
}

// builtExport names the exported built network: MobileNet V1 α 0.25 at 128, seed 1, float.
const builtExport = "built_mobilenet_v1_0.25_128_seed1.tflite"

// builtSSD names the exported built detector: SSD MobileNet V1 α 0.25 at 300, 3 classes, seed 1, float,
// with its batch norms (folded on export) and the post-process.
const builtSSD = "built_ssd_mobilenet_v1_0.25_300_3classes_seed1.tflite"

// built reports whether the spec exports a built network rather than a shared file.
func built(name string) bool { return name == builtExport || name == builtSSD }

var exportSpecs = []exportSpec{
	{"mobilenet_v1_0.25_224_1_default_1.tflite", 8, false, false},
	{"mobilenet_v1_0.25_128_quant.tflite", 8, false, false},
	{"mobilenet_v1_0.25_224_quant.tflite", 8, false, false},
	{"mobilenet_v1_0.75_192_quant.tflite", 8, false, false},
	{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite", 6, false, false},
	{"ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite", 6, false, false},
	{"person_detect.tflite", 8, true, false},
	{"mobilenet_v2_1.0_224_inat_bird_quant.tflite", 6, false, true},
	{"tf2_mobilenet_v2_1.0_224_ptq.tflite", 6, false, true},
	{builtExport, 8, false, false},
	{builtSSD, 4, false, false},
}

// exportGraph returns the graph a spec exports.
func exportGraph(t *testing.T, name string) *graph.Graph {
	t.Helper()
	switch name {
	case builtExport:
		g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 128, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return g
	case builtSSD:
		g, err := ssd.Build(ssd.Config{Alpha: 0.25, Resolution: 300, Classes: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g, err := ReadGraph(shared.Path(t, "models/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// exportCases returns the cases a spec runs: those of the model's own golden file (seeds, or photo
// inputs), or seeds 1000+k for the built network.
func exportCases(t *testing.T, s exportSpec) []golden.Case {
	t.Helper()
	if built(s.name) || s.ownOriginal {
		cs := make([]golden.Case, s.cases)
		for k := range cs {
			cs[k] = golden.Case{Seed: uint32(1000 + k), Seeds: []uint32{uint32(1000 + k)}}
		}
		return cs
	}
	var cs []golden.Case
	for _, c := range loadGolden(t, s.name).Cases {
		if (c.Image == "" && len(cs) < s.cases) || (c.Image != "" && s.photos) {
			c.Outputs = nil
			cs = append(cs, c)
		}
	}
	return cs
}

// caseInputs builds the input tensors of a case for graph g.
func caseInputs(t *testing.T, g *graph.Graph, c golden.Case) []*tensor.Tensor {
	t.Helper()
	raw, err := c.Inputs()
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]*tensor.Tensor, len(g.Inputs))
	for i, id := range g.Inputs {
		v := g.Values[id]
		x := &tensor.Tensor{Shape: v.Shape.Clone(), DType: v.DType, Quant: v.Quant}
		n := v.Shape.Size()
		switch {
		case raw != nil:
			y, err := tensor.FromBytes(v.DType, v.Shape, raw[i])
			if err != nil {
				t.Fatal(err)
			}
			x.F32, x.U8, x.I8 = y.F32, y.U8, y.I8
		case v.DType == tensor.Float32:
			x.F32 = lcg.Float32s(c.Seeds[i], n)
		case v.DType == tensor.Uint8:
			x.U8 = lcg.Uint8s(c.Seeds[i], n)
		case v.DType == tensor.Int8:
			x.I8 = lcg.Int8s(c.Seeds[i], n)
		default:
			t.Fatalf("input %d: %v", i, v.DType)
		}
		xs[i] = x
	}
	return xs
}

func inputKind(dt tensor.DType) string {
	switch dt {
	case tensor.Uint8:
		return golden.KindUint8
	case tensor.Int8:
		return golden.KindInt8
	}
	return golden.KindFloat32
}

// TestExportOracle checks files this project wrote against the TFLite interpreter's outputs on them:
//   - each official 8-bit model re-exported gives, in the interpreter, exactly the outputs it gives on
//     the original (testdata/golden), and exactly this project's outputs on the original;
//   - the float model re-exported, and a built network exported, give outputs within 1e-5 of this
//     project's;
//   - person_detect.tflite re-exported (rank-1 biases now with quantized_dimension 0, which the
//     interpreter accepts) gives this project's outputs on the original, example images included.
func TestExportOracle(t *testing.T) {
	oracle := os.Getenv("MOBILENET_ORACLE")
	for _, s := range exportSpecs {
		t.Run(s.name, func(t *testing.T) {
			g := exportGraph(t, s.name)
			b, err := tflite.Encode(g, tflite.WriteOptions{Description: "export oracle test: " + s.name})
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			digest := hex.EncodeToString(sum[:])
			path := filepath.Join(exportGoldenDir, strings.TrimSuffix(s.name, ".tflite")+".json")
			cases := exportCases(t, s)
			origPath := strings.TrimSuffix(path, ".json") + ".original.json"
			if oracle != "" {
				writeExportGolden(t, oracle, path, "tflite.Encode's export of "+s.name, s, g, b, digest, cases)
				if s.ownOriginal {
					orig := shared.ReadFile(t, "models/"+s.name)
					sum := sha256.Sum256(orig)
					writeExportGolden(t, oracle, origPath, "the original "+s.name, s, g, orig, hex.EncodeToString(sum[:]), cases)
				}
			}
			gf, err := golden.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(gf.Notes, "sha256 "+digest) {
				t.Fatalf("the exported file (sha256 %s) is not the one the oracle ran (%s): regenerate the goldens (see export_oracle_test.go)", digest, gf.Notes)
			}
			if len(gf.Cases) != len(cases) {
				t.Fatalf("%d golden cases, want %d", len(gf.Cases), len(cases))
			}
			if s.ownOriginal {
				og, err := golden.Load(origPath)
				if err != nil {
					t.Fatal(err)
				}
				orig := sha256.Sum256(shared.ReadFile(t, "models/"+s.name))
				if !strings.Contains(og.Notes, "sha256 "+hex.EncodeToString(orig[:])) {
					t.Fatalf("%s was made from another file than ../shared/models/%s", origPath, s.name)
				}
				if len(og.Cases) != len(gf.Cases) {
					t.Fatalf("%d cases on the original, %d on the export", len(og.Cases), len(gf.Cases))
				}
				for k := range gf.Cases {
					if err := sameOutputs(gf.Cases[k].Outputs, og.Cases[k].Outputs); err != nil {
						t.Fatalf("case %d: the oracle on the export vs on the original: %v", k, err)
					}
				}
				t.Logf("%d cases: the oracle gives the export exactly the original's outputs", len(gf.Cases))
				return
			}
			checkExportGolden(t, s, gf)
		})
	}
}

// checkExportGolden compares the oracle's outputs on an exported file with its outputs on the original
// and with this project's outputs on the original (or on the built graph).
func checkExportGolden(t *testing.T, s exportSpec, gf *golden.File) {
	var orig *golden.File
	var m *Model
	if built(s.name) {
		g := graph.Fold(exportGraph(t, s.name))
		var err error
		if m, err = newModel(s.name, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	} else {
		orig = loadGolden(t, s.name)
		m = loadShared(t, s.name)
	}
	worst := 0.0
	for k, c := range gf.Cases {
		if orig != nil {
			// The same case of the original's golden file (for the person detector, made on a copy
			// whose rank-1 biases have quantized_dimension 0): the interpreter gives the same outputs.
			matched := false
			for _, o := range orig.Cases {
				if o.Seed == c.Seed && o.Image == c.Image && slices.Equal(o.Seeds, c.Seeds) {
					matched = true
					if err := sameOutputs(c.Outputs, o.Outputs); err != nil {
						t.Fatalf("case %d (seed %d %s): the oracle on the export vs on the original: %v", k, c.Seed, c.Image, err)
					}
				}
			}
			if !matched {
				t.Fatalf("case %d (seed %d %s) is not in the original's golden file", k, c.Seed, c.Image)
			}
		}
		outs, err := m.Run(caseInputs(t, m.Graph(), c)...)
		if err != nil {
			t.Fatal(err)
		}
		if len(outs) != len(c.Outputs) {
			t.Fatalf("case %d: %d outputs, the oracle %d", k, len(outs), len(c.Outputs))
		}
		for i, o := range outs {
			want := c.Outputs[i]
			switch o.DType {
			case tensor.Uint8:
				err = approx.Codes(o.U8, want.Ints, 0)
			case tensor.Int8:
				err = approx.Codes(o.I8, want.Ints, 0)
			case tensor.Float32:
				if len(outs) == 4 { // detections: compare the valid rows, as detect_oracle_test does
					var d float64
					d, err = detectionsClose(outs, c.Outputs)
					worst = max(worst, d)
					break
				}
				d, _, e := approx.MaxAbsDiff(o.F32, want.Floats)
				worst, err = max(worst, d), e
				if err == nil {
					err = approx.Within("max |project − oracle|", d, 1e-5)
				}
			default:
				err = fmt.Errorf("output type %v", o.DType)
			}
			if err != nil {
				t.Fatalf("case %d (seed %d %s) output %d: this project vs the oracle on the export: %v", k, c.Seed, c.Image, i, err)
			}
		}
	}
	t.Logf("%d cases: the oracle on the export equals this project's outputs (8-bit codes identical; float max difference %.3g, at most 1e-5 for classifiers and 1e-4 for detections)", len(gf.Cases), worst)
}

// detectionsClose compares this project's detections with the oracle's as detect_oracle_test does
// (count and classes equal, boxes and scores within 1e-4) and returns the largest box or score
// difference.
func detectionsClose(outs []*tensor.Tensor, want []golden.Output) (float64, error) {
	count := int(want[3].Floats[0])
	if got := int(outs[3].F32[0]); got != count || count <= 0 {
		return 0, fmt.Errorf("%d detections, the oracle %d", got, count)
	}
	if len(outs[1].F32) < count || len(outs[2].F32) < count || len(outs[0].F32) < 4*count {
		return 0, fmt.Errorf("outputs hold fewer than %d detections", count)
	}
	if err := approx.Close(outs[1].F32[:count], want[1].Floats[:count], 0, 0); err != nil {
		return 0, fmt.Errorf("classes: %v", err)
	}
	worst := 0.0
	for _, p := range []struct {
		what      string
		got, want []float32
	}{{"scores", outs[2].F32[:count], want[2].Floats[:count]}, {"boxes", outs[0].F32[:4*count], want[0].Floats[:4*count]}} {
		d, _, err := approx.MaxAbsDiff(p.got, p.want)
		if err == nil {
			err = approx.Within("max |project − oracle| of the "+p.what, d, 1e-4)
		}
		if err != nil {
			return 0, err
		}
		worst = max(worst, d)
	}
	return worst, nil
}

// sameOutputs requires two oracle results to be identical: codes equal, floats equal bit for bit.
func sameOutputs(a, b []golden.Output) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d outputs vs %d", len(a), len(b))
	}
	for i := range a {
		var err error
		switch {
		case a[i].DType != b[i].DType:
			err = fmt.Errorf("dtype %s vs %s", a[i].DType, b[i].DType)
		case a[i].DType == "int32":
			err = approx.Codes(a[i].Ints, b[i].Ints, 0)
		default:
			err = approx.Close(a[i].Floats, b[i].Floats, 0, 0)
		}
		if err != nil {
			return fmt.Errorf("output %d: %v", i, err)
		}
	}
	return nil
}

// oracleOut is one output as tflite_run.js prints it (NaN and infinities as null).
type oracleOut struct {
	Name  string     `json:"name"`
	Shape []int      `json:"shape"`
	DType string     `json:"dtype"`
	Data  []*float64 `json:"data"`
}

// writeExportGolden runs the oracle (tflite_run.js in dir) on the model bytes b (what describes them)
// for every case and writes the golden file.
func writeExportGolden(t *testing.T, dir, path, what string, s exportSpec, g *graph.Graph, b []byte, digest string, cases []golden.Case) {
	tmp := t.TempDir()
	model := filepath.Join(tmp, s.name)
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in0 := g.Values[g.Inputs[0]]
	f := golden.File{
		Model:     s.name,
		Generator: "MOBILENET_ORACLE=DIR go test -run TestExportOracle -count=1 . (export_oracle_test.go)",
		Oracle:    "tfjs-tflite 0.0.1-alpha.10 (XNNPACK)",
		SeedRule:  "as in testdata/golden (README.md): seed 1000+k; multi-input models as in their own golden file",
		InputKind: inputKind(in0.DType),
		Notes:     fmt.Sprintf("outputs of the TFLite interpreter on %s, sha256 %s (%d bytes)", what, digest, len(b)),
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	outs := make([][]golden.Output, len(cases))
	errs := make([]error, len(cases))
	var inputs []golden.Tensor
	for k := range cases {
		xs := caseInputs(t, g, cases[k])
		files := make([]string, len(xs))
		for i, x := range xs {
			files[i] = filepath.Join(tmp, fmt.Sprintf("case%d_in%d.bin", k, i))
			if err := os.WriteFile(files[i], x.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			args := append([]string{filepath.Join(dir, "tflite_run.js"), model}, files...)
			if in0.DType == tensor.Int8 {
				args = append(args, "--int8")
			}
			cmd := exec.Command("node", args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
				errs[k] = fmt.Errorf("oracle: %v: %s", err, lines[len(lines)-1])
				return
			}
			var res struct {
				Inputs  []golden.Tensor `json:"inputs"`
				Outputs []oracleOut     `json:"outputs"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				errs[k] = err
				return
			}
			mu.Lock()
			inputs = res.Inputs
			mu.Unlock()
			for _, o := range res.Outputs {
				g, err := toGoldenOutput(o)
				if err != nil {
					errs[k] = err
					return
				}
				outs[k] = append(outs[k], g)
			}
		}()
	}
	wg.Wait()
	for k := range cases {
		if errs[k] != nil {
			t.Fatalf("case %d: %v", k, errs[k])
		}
		c := cases[k]
		c.Outputs = outs[k]
		f.Cases = append(f.Cases, c)
	}
	f.Inputs = inputs
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, marshalGolden(t, &f), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d cases", path, len(f.Cases))
}

// toGoldenOutput converts an oracle output, checking that int32 data are integers and float32 data
// float32 numbers.
func toGoldenOutput(o oracleOut) (golden.Output, error) {
	g := golden.Output{Name: o.Name, Shape: o.Shape, DType: o.DType}
	if n := golden.Elems(o.Shape); n != len(o.Data) {
		return g, fmt.Errorf("output %q: %d values for shape %v", o.Name, len(o.Data), o.Shape)
	}
	for i, p := range o.Data {
		if p == nil {
			return g, fmt.Errorf("output %q value %d is not finite", o.Name, i)
		}
		v := *p
		switch o.DType {
		case "int32":
			if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
				return g, fmt.Errorf("output %q value %d = %v is not an int32", o.Name, i, v)
			}
			g.Ints = append(g.Ints, int32(v))
		case "float32":
			if float64(float32(v)) != v {
				return g, fmt.Errorf("output %q value %d = %v is not a float32", o.Name, i, v)
			}
			g.Floats = append(g.Floats, float32(v))
		default:
			return g, fmt.Errorf("output %q: dtype %q", o.Name, o.DType)
		}
	}
	return g, nil
}

// marshalGolden writes a golden file as testdata/golden's are: the header fields, then one case per
// line.
func marshalGolden(t *testing.T, f *golden.File) []byte {
	head := *f
	head.Cases = nil
	hb, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	hb = bytes.TrimSuffix(bytes.TrimSpace(hb), []byte("}"))
	hb = bytes.TrimSuffix(bytes.TrimSpace(hb), []byte(`"cases": null`))
	var out bytes.Buffer
	out.Write(hb)
	out.WriteString("\"cases\": [\n")
	for k, c := range f.Cases {
		cb, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(cb)
		if k < len(f.Cases)-1 {
			out.WriteString(",")
		}
		out.WriteString("\n")
	}
	out.WriteString("]}\n")
	return out.Bytes()
}
