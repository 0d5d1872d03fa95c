package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// Files of the repository the tests use: the built-in classifier's .tflite file and two photos.
const (
	builtinModel = "../../internal/assets/mobilenet_v1_0.75_192_quant.tflite"
	burgerPhoto  = "../../testdata/images/burger.jpg"
	hopperPhoto  = "../../testdata/images/grace_hopper.jpg"
)

func TestRunJSONEqualsOracle(t *testing.T) {
	model := builtinModel
	gf, err := golden.Load("../../testdata/golden/mobilenet_v1_0.75_192_quant.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.bin")
	c := gf.Cases[3]
	if err := os.WriteFile(in, lcg.Uint8s(c.Seed, 192*192*3), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli("run", "--model", model, "--input", in, "--json", "--out", filepath.Join(dir, "new"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Inputs []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			DType string `json:"dtype"`
		} `json:"inputs"`
		Outputs []struct {
			Name  string    `json:"name"`
			Shape []int     `json:"shape"`
			DType string    `json:"dtype"`
			Data  []float64 `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Inputs[0].Name != gf.Inputs[0].Name || doc.Inputs[0].DType != "uint8" || len(doc.Outputs) != 1 {
		t.Fatalf("structure %+v", doc)
	}
	o := doc.Outputs[0]
	if o.Name != c.Outputs[0].Name || o.DType != "uint8" || len(o.Data) != 1001 {
		t.Fatalf("output %s %s %d", o.Name, o.DType, len(o.Data))
	}
	for i, v := range o.Data {
		if int32(v) != c.Outputs[0].Ints[i] {
			t.Fatalf("code %d: %v, oracle %d", i, v, c.Outputs[0].Ints[i])
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "new", "output_0.bin"))
	if err != nil || len(raw) != 1001 || int32(raw[7]) != c.Outputs[0].Ints[7] {
		t.Fatalf("--out: %d bytes, %v", len(raw), err)
	}
	// The readable summary.
	code, out, _ = cli("run", "--model", model, "--input", in)
	if code != 0 || !strings.Contains(out, "MobilenetV1/Predictions/Reshape_1: uint8 [1 1001]") {
		t.Fatalf("summary: %d %q", code, out)
	}
	// Wrong input size, wrong count, bad rounding.
	small := filepath.Join(dir, "small.bin")
	os.WriteFile(small, []byte{1, 2, 3}, 0o644)
	// A directory where the output file goes.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "output_0.bin", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--model", model, "--input", small}, 1, "3 bytes"},
		{[]string{"run", "--model", model}, 2, "takes 1 inputs"},
		{[]string{"run", "--model", model, "--input", in, "--rounding", "banker"}, 2, "xnnpack or reference"},
		{[]string{"run", "--input", in}, 2, "--model is required"},
		{[]string{"run", "--model", small, "--input", in}, 1, "small.bin"},
		{[]string{"run", "--model", model, "--input", in, "--out", small}, 1, "--out: mkdir " + small + ": not a directory"},

		{[]string{"run", "--model", model, "--input", in, "--out", blocked}, 1, "writing " + filepath.Join(blocked, "output_0.bin") + ": "},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 || strings.Contains(errs, ".tmp") {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args[1:], code, errs, c.code, c.want)
		}
	}
}

func TestInspect(t *testing.T) {
	code, out, errs := cli("inspect", shared.Path(t, "models/mobilenet_v1_0.25_224_quant.tflite"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"operators used: AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D, RESHAPE, SOFTMAX", "scale 0.0078125 zp 128", "cost: 41", "associated files:"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q", want)
		}
	}
}

func TestClassifyCommand(t *testing.T) {
	dir := t.TempDir()
	burger, err := os.ReadFile(burgerPhoto)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a_burger.jpg"), burger, 0o644)
	os.WriteFile(filepath.Join(dir, "b_broken.jpg"), burger[:500], 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	code, out, errs := cli("classify", "--json", "--top", "2", dir)
	if code != 1 || !strings.Contains(errs, "b_broken.jpg") || !strings.Contains(errs, "1 of 2 images") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var res []struct {
		Image       string `json:"image"`
		Predictions []struct {
			Index int     `json:"index"`
			Label string  `json:"label"`
			Score float64 `json:"score"`
		} `json:"predictions"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	// The built-in model gives every class but the cheeseburger a score of 0: one prediction of two.
	if len(res) != 2 || len(res[0].Predictions) != 1 || res[0].Predictions[0].Label != "cheeseburger" || res[0].Predictions[0].Index != 934 || res[1].Error == "" {
		t.Fatalf("results %+v", res)
	}
	code, out, _ = cli("classify", filepath.Join(dir, "a_burger.jpg"))
	if code != 0 || !strings.Contains(out, "cheeseburger (934)") {
		t.Fatalf("text: %d %q", code, out)
	}
	for _, args := range [][]string{{"classify"}, {"classify", "--top", "0", "x.jpg"}, {"classify", "--crop", "1.5", "x.jpg"}, {"classify", "--threads", "0", "x.jpg"}} {
		if code, _, _ := cli(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := cli("classify", filepath.Join(dir, "missing.jpg")); code != 1 || !strings.Contains(errs, "missing.jpg") {
		t.Errorf("missing file: exit %d %q", code, errs)
	}
}

func TestDetectCommand(t *testing.T) {
	dir := t.TempDir()
	photo := hopperPhoto
	drawn := filepath.Join(dir, "out.png")
	code, out, errs := cli("detect", "--json", "--threshold", "0.5", "-o", drawn, photo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res []struct {
		Image      string `json:"image"`
		Detections []struct {
			Label string  `json:"label"`
			Class int     `json:"class"`
			Score float64 `json:"score"`
			Box   struct {
				XMin float64 `json:"x_min"`
				YMin float64 `json:"y_min"`
				XMax float64 `json:"x_max"`
				YMax float64 `json:"y_max"`
			} `json:"box"`
		} `json:"detections"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || len(res[0].Detections) == 0 || res[0].Detections[0].Label != "person" || res[0].Detections[0].Class != 0 || res[0].Detections[0].Box.XMax <= res[0].Detections[0].Box.XMin {
		t.Fatalf("results %+v", res)
	}
	if st, err := os.Stat(drawn); err != nil || st.Size() < 1000 {
		t.Fatalf("drawn image: %v", err)
	}
	// A directory of images with -o DIR.
	code, _, errs = cli("detect", "-o", dir, burgerPhoto, photo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "burger.detections.jpg")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"detect", "--threshold", "2", photo}, 2, "--threshold"},
		{[]string{"detect", "-o", filepath.Join(dir, "x.gif"), photo}, 2, ".png, .jpg"},
		{[]string{"detect", "-o", filepath.Join(dir, "x.png"), photo, photo}, 2, "existing directory"},
		{[]string{"detect", "--model", builtinModel, photo}, 1, "not a detector"},
		{[]string{"classify", "--model", "../../internal/assets/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite", photo}, 1, "is a detector, not a classifier: use 'mobilenet detect"},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q; want %d and %q", c.args[1:], code, errs, c.code, c.want)
		}
	}
}

func TestShortName(t *testing.T) {
	for _, c := range []struct {
		name  string
		width int
		want  string
	}{
		{"Conv2d_0", 10, "Conv2d_0"},
		{"MobilenetV1/MobilenetV1/Conv2d_1_depthwise/Relu6;MobilenetV1/MobilenetV1/Conv2d_1_depthwise/add_fold", 0,
			"MobilenetV1/MobilenetV1/Conv2d_1_depthwise/Relu6;MobilenetV1/MobilenetV1/Conv2d_1_depthwise/add_fold"},
		{"MobilenetV1/MobilenetV1/Conv2d_1_depthwise/Relu6;MobilenetV1/MobilenetV1/Conv2d_1_depthwise/add_fold", 30,
			"…/Conv2d_1_depthwise/Relu6;…"},
		{"MobilenetV1/Conv2d_10_depthwise/depthwise_weights/read", 44, "…/Conv2d_10_depthwise/depthwise_weights/read"},
		{"abcdefghijklmnopqrstuvwxyz", 10, "abc…uvwxyz"},
	} {
		got := shortName(c.name, c.width)
		if got != c.want || c.width > 0 && utf8.RuneCountInString(got) > c.width {
			t.Errorf("shortName(%q, %d) = %q, want %q", c.name, c.width, got, c.want)
		}
	}
}

// TestNamesFitTerminal: inspect, summary --model and bench --profile keep their tables within 120
// columns on a model with names of up to 270 characters; --wide prints them whole.
func TestNamesFitTerminal(t *testing.T) {
	const long = "MobilenetV1/MobilenetV1/Conv2d_0/Relu6;MobilenetV1/MobilenetV1/Conv2d_0/add_fold"
	for _, args := range [][]string{
		{"inspect", builtinModel},
		{"summary", "--model", builtinModel},
		{"bench", "--model", builtinModel, "--runs", "1", "--warmup", "0", "--threads", "1", "--profile"},
	} {
		code, out, errs := cli(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		for _, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > 120 && !strings.Contains(line, builtinModel) {
				t.Errorf("%v: a line of %d columns: %q", args, n, line)
			}
		}
		if strings.Contains(out, long) {
			t.Errorf("%v: a long name printed whole without --wide", args)
		}
		code, out, errs = cli(append(args, "--wide")...)
		if code != 0 || !strings.Contains(out, long) {
			t.Errorf("%v --wide: exit %d, no whole name (%s)", args, code, errs)
		}
	}
}
