package flexbuf_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// The two TFLite_Detection_PostProcess option blobs in testdata are the custom options of
// the CUSTOM operator of these shared models; TestOptionFilesMatchModels re-extracts them
// with the tflite reader when the models are present.
var optionFiles = map[string]string{
	"coco_postprocess_options.flexbuf": "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite",
	"head_postprocess_options.flexbuf": "ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite",
}

func readOptions(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOptionFilesMatchModels(t *testing.T) {
	for file, model := range optionFiles {
		m, err := tflite.ReadFile(shared.Path(t, "models/"+model))
		if err != nil {
			t.Fatal(err)
		}
		sg := &m.Subgraphs[0]
		var found []byte
		for i, op := range sg.Operators {
			if c := m.Op(sg, i); c.Builtin == tflite.Custom && c.Custom == "TFLite_Detection_PostProcess" {
				found = op.CustomOptions
			}
		}
		if !bytes.Equal(found, readOptions(t, file)) {
			t.Errorf("%s: custom options of %s differ from testdata (%d vs %d bytes)", file, model, len(found), len(readOptions(t, file)))
		}
	}
}

// dump prints every entry of a map as "key TYPE value", sorted by key.
func dump(t *testing.T, b []byte) map[string]string {
	t.Helper()
	root, err := flexbuf.Root(b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := root.Map()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := m.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("keys not sorted: %q", keys)
	}
	out := map[string]string{}
	for _, k := range keys {
		v, ok, err := m.Get(k)
		if !ok || err != nil {
			t.Fatalf("Get(%q) = %v, %v", k, ok, err)
		}
		var s string
		switch v.Type() {
		case flexbuf.TypeFloat:
			f, err := v.Float()
			if err != nil {
				t.Fatal(err)
			}
			s = fmt.Sprint(float32(f))
		case flexbuf.TypeBool:
			x, err := v.Bool()
			if err != nil {
				t.Fatal(err)
			}
			s = fmt.Sprint(x)
		default:
			x, err := v.Int()
			if err != nil {
				t.Fatal(err)
			}
			s = fmt.Sprint(x)
		}
		out[k] = v.Type().String() + " " + s
		t.Logf("%-45s %s", k, out[k])
	}
	return out
}

func TestRealOptions(t *testing.T) {
	common := map[string]string{
		"max_classes_per_detection": "INT 1",
		"num_classes":               "INT 90",
		"nms_iou_threshold":         "FLOAT 0.6",
		"y_scale":                   "FLOAT 10",
		"x_scale":                   "FLOAT 10",
		"h_scale":                   "FLOAT 5",
		"w_scale":                   "FLOAT 5",
		"_output_quantized":         "BOOL true",
	}
	tests := []struct {
		file  string
		extra map[string]string
	}{
		// FACTS §5 export values: 10 detections, score threshold 1e-8, no detections_per_class
		// and no use_regular_nms keys (the op's defaults apply).
		{"coco_postprocess_options.flexbuf", map[string]string{
			"max_detections":      "INT 10",
			"nms_score_threshold": "FLOAT 1e-08",
		}},
		// The head export: 20 detections, score threshold 0.3, explicit defaults.
		{"head_postprocess_options.flexbuf", map[string]string{
			"max_detections":                             "INT 20",
			"nms_score_threshold":                        "FLOAT 0.3",
			"detections_per_class":                       "INT 100",
			"use_regular_nms":                            "BOOL false",
			"_support_output_type_float_in_quantized_op": "BOOL true",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got := dump(t, readOptions(t, tc.file))
			want := map[string]string{}
			for k, v := range common {
				want[k] = v
			}
			for k, v := range tc.extra {
				want[k] = v
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d keys, want %d: %v", len(got), len(want), got)
			}
		})
	}
}

// walk reads everything reachable from b, nesting at most depth maps deep, and returns
// the first error. It must never panic.
func walk(b []byte) error {
	v, err := flexbuf.Root(b)
	if err != nil {
		return err
	}
	return walkValue(v, 4)
}

func walkValue(v flexbuf.Value, depth int) error {
	_, errI := v.Int()
	_, errF := v.Float()
	_, errB := v.Bool()
	_, errT := v.Text()
	_ = v.Type().String()
	if v.Type() != flexbuf.TypeMap || depth == 0 {
		return firstErr(v.Type(), errI, errF, errB, errT)
	}
	m, err := v.Map()
	if err != nil {
		return err
	}
	keys, err := m.Keys()
	if err != nil {
		return err
	}
	for i, k := range keys {
		x, ok, err := m.Get(k)
		if err != nil {
			return err
		}
		_, y, err := m.At(i)
		if err != nil {
			return err
		}
		// With sorted, distinct keys Get finds entry i itself.
		if ok && sort.StringsAreSorted(keys) && !slices.Contains(keys[:i], k) && !same(x, y) {
			return fmt.Errorf("Get(%q) and At(%d) differ", k, i)
		}
		if err := walkValue(y, depth-1); err != nil {
			return err
		}
	}
	return nil
}

// same reports whether two values have the same type and read the same.
func same(x, y flexbuf.Value) bool {
	fx, ex := x.Float()
	fy, ey := y.Float()
	return x.Type() == y.Type() && (ex == nil) == (ey == nil) && (fx == fy || fx != fx && fy != fy)
}

// firstErr returns nil if any typed read of a scalar succeeded (a value need only answer
// the questions its type allows), else the integer read's error.
func firstErr(t flexbuf.Type, errs ...error) error {
	if t == flexbuf.TypeNull {
		return nil
	}
	for _, e := range errs {
		if e == nil {
			return nil
		}
	}
	return errs[0]
}

// TestTruncatedOptions cuts the real options at every length, from the end and from the
// start: every prefix or suffix must give an error or a readable buffer, never a panic.
func TestTruncatedOptions(t *testing.T) {
	for file := range optionFiles {
		b := readOptions(t, file)
		for n := 0; n < len(b); n++ {
			if err := walk(slices.Clone(b[:n])); err == nil && n < 3 {
				t.Errorf("%s: prefix of %d bytes accepted", file, n)
			}
			_ = walk(slices.Clone(b[n:]))
		}
		// Without its last byte the root width becomes the packed type 0x26 = 38.
		if err := walk(b[:len(b)-1]); err == nil || !strings.Contains(err.Error(), "root byte width 38") {
			t.Errorf("%s: one byte short: %v", file, err)
		}
	}
}

// TestMutatedOptions sets each byte of the real options in turn to values that break widths,
// offsets, sizes and types: small numbers, sign and range edges, and neighbours of the byte.
func TestMutatedOptions(t *testing.T) {
	for file := range optionFiles {
		b := readOptions(t, file)
		c := slices.Clone(b)
		errs := 0
		for i := range c {
			for _, x := range []byte{0, 1, 2, 3, 4, 5, 8, 9, 0x24, 0x7f, 0x80, 0xfe, 0xff, b[i] + 1, b[i] - 1, b[i] ^ 0x80} {
				c[i] = x
				if walk(c) != nil {
					errs++
				}
			}
			c[i] = b[i]
		}
		if errs == 0 {
			t.Errorf("%s: no mutation gave an error", file)
		}
		t.Logf("%s: %d of %d single-byte mutations rejected", file, errs, len(c)*16)
	}
}
