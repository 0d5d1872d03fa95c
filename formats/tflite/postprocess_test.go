package tflite

import (
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
)

// cocoOptions are the options of the COCO detector's post-process.
var cocoOptions = detect.Options{
	MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 90,
	UseRegularNMS: false, ScoreThreshold: 1e-8, IoUThreshold: 0.6,
	YScale: 10, XScale: 10, HScale: 5, WScale: 5,
}

// flexMap lays out a FlexBuffer holding one map, every slot 8 bytes wide: int and int64 values as
// INT, float64 as FLOAT, bool as BOOL, string as STRING. Keys are sorted as the format
// requires.
func flexMap(entries map[string]any) []byte {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b []byte
	put := func(x uint64) {
		for i := 0; i < 8; i++ {
			b = append(b, byte(x>>(8*i)))
		}
	}
	align := func() {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
	}
	keyAt := make([]int, len(keys))
	for i, k := range keys {
		keyAt[i] = len(b)
		b = append(append(b, k...), 0)
	}
	strAt := map[string]int{}
	for _, k := range keys {
		if s, ok := entries[k].(string); ok {
			b = append(b, byte(len(s)))
			strAt[k] = len(b)
			b = append(append(b, s...), 0)
		}
	}
	align()
	put(uint64(len(keys)))
	kv := len(b)
	for i := range keys {
		put(uint64(len(b) - keyAt[i]))
	}
	put(uint64(len(b) - kv))
	put(8)
	put(uint64(len(keys)))
	data := len(b)
	types := make([]byte, len(keys))
	const w8 = 3 // log2 of the 8-byte width
	for i, k := range keys {
		switch v := entries[k].(type) {
		case int:
			put(uint64(v))
			types[i] = 1<<2 | w8
		case int64:
			put(uint64(v))
			types[i] = 1<<2 | w8
		case float64:
			put(math.Float64bits(v))
			types[i] = 3<<2 | w8
		case bool:
			x := uint64(0)
			if v {
				x = 1
			}
			put(x)
			types[i] = 26<<2 | w8
		case string:
			put(uint64(len(b) - strAt[k]))
			types[i] = 5 << 2
		default:
			panic("flexMap: unsupported value")
		}
	}
	b = append(b, types...)
	align()
	put(uint64(len(b) - data))
	return append(b, 9<<2|w8, 8)
}

// cocoEntries are the COCO detector's options (FACTS §5 export values).
func cocoEntries() map[string]any {
	return map[string]any{
		"max_detections": 10, "max_classes_per_detection": 1, "num_classes": 90,
		"nms_score_threshold": 1e-8, "nms_iou_threshold": 0.6,
		"y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0,
		"_output_quantized": true,
	}
}

func TestParsePostProcessOptionsRealModels(t *testing.T) {
	head := cocoOptions
	head.MaxDetections, head.ScoreThreshold = 20, 0.3
	for _, tc := range []struct {
		file string
		want detect.Options
	}{
		{"coco_postprocess_options.flexbuf", cocoOptions},
		{"head_postprocess_options.flexbuf", head},
	} {
		b, err := os.ReadFile("../flexbuf/testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePostProcessOptions(b)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v\nwant %+v", tc.file, got, err, tc.want)
		}
	}
	// The same straight from the models' operators, when the shared models are present.
	for name, want := range map[string]detect.Options{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite": cocoOptions, headModel: head} {
		m := parseModel(t, name)
		sg := &m.Subgraphs[0]
		found := 0
		for i := range sg.Operators {
			if c := m.Op(sg, i); c.Builtin == Custom && c.Custom == "TFLite_Detection_PostProcess" {
				found++
				if got, err := ParsePostProcessOptions(sg.Operators[i].CustomOptions); err != nil || got != want {
					t.Errorf("%s: %+v, %v", name, got, err)
				}
			}
		}
		if found != 1 {
			t.Errorf("%s: %d post-process operators", name, found)
		}
	}
}

func TestParsePostProcessOptionsBuilt(t *testing.T) {
	got, err := ParsePostProcessOptions(flexMap(cocoEntries()))
	if err != nil || got != cocoOptions {
		t.Fatalf("hand-built COCO options: %+v, %v", got, err)
	}
	e := cocoEntries()
	e["use_regular_nms"], e["detections_per_class"] = true, 7
	want := cocoOptions
	want.UseRegularNMS, want.DetectionsPerClass = true, 7
	if got, err := ParsePostProcessOptions(flexMap(e)); err != nil || got != want {
		t.Errorf("regular NMS options: %+v, %v", got, err)
	}
	// An INT where a number is expected is converted, as flexbuffers' AsFloat does.
	e = cocoEntries()
	e["y_scale"] = 10
	if got, err := ParsePostProcessOptions(flexMap(e)); err != nil || got != cocoOptions {
		t.Errorf("integer y_scale: %+v, %v", got, err)
	}
}

func TestParsePostProcessOptionsErrors(t *testing.T) {
	with := func(key string, v any) []byte {
		e := cocoEntries()
		if v == nil {
			delete(e, key)
		} else {
			e[key] = v
		}
		return flexMap(e)
	}
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "too short"},
		{"not a map", []byte{0x07, 0x04, 0x01}, "is INT, not a map"},
		{"truncated", flexMap(cocoEntries())[:50], ""},
		{"absurd max_detections 1<<40", with("max_detections", int64(1)<<40), `"max_detections": 1099511627776 does not fit in int32`},
		{"absurd max_detections -1", with("max_detections", -1), "max_detections = -1 is outside [1, 10000]"},
		{"max_detections 0", with("max_detections", 0), "max_detections = 0 is outside"},
		{"max_detections 20000", with("max_detections", 20000), "max_detections = 20000 is outside"},
		{"num_classes 0", with("num_classes", 0), "num_classes = 0 is outside"},
		{"classes per detection above classes", with("max_classes_per_detection", 91), "max_classes_per_detection = 91 is outside [1, num_classes = 90]"},
		{"classes per detection 0", with("max_classes_per_detection", 0), "max_classes_per_detection = 0"},
		{"IoU threshold 0", with("nms_iou_threshold", 0.0), "nms_iou_threshold = 0 is not in (0, 1]"},
		{"IoU threshold 1.5", with("nms_iou_threshold", 1.5), "nms_iou_threshold = 1.5"},
		{"IoU threshold NaN", with("nms_iou_threshold", math.NaN()), "nms_iou_threshold = NaN"},
		{"score threshold NaN", with("nms_score_threshold", math.NaN()), "nms_score_threshold = NaN"},
		{"score threshold negative", with("nms_score_threshold", -0.1), "nms_score_threshold = -0.1"},
		{"score threshold above 1", with("nms_score_threshold", 2.0), "nms_score_threshold = 2"},
		{"scale 0", with("h_scale", 0.0), "h_scale = 0 is not finite and > 0"},
		{"scale negative", with("x_scale", -10.0), "x_scale = -10"},
		{"scale infinite", with("w_scale", math.Inf(1)), "w_scale = +Inf"},
		{"scale overflowing float32", with("y_scale", 1e300), "y_scale = +Inf"},
		{"missing max_detections", with("max_detections", nil), `missing required key "max_detections"`},
		{"missing num_classes", with("num_classes", nil), `missing required key "num_classes"`},
		{"missing max_classes_per_detection", with("max_classes_per_detection", nil), `missing required key "max_classes_per_detection"`},
		{"missing nms_score_threshold", with("nms_score_threshold", nil), `missing required key "nms_score_threshold"`},
		{"missing nms_iou_threshold", with("nms_iou_threshold", nil), `missing required key "nms_iou_threshold"`},
		{"missing h_scale", with("h_scale", nil), `missing required key "h_scale"`},
		{"float max_detections", with("max_detections", 10.0), `key "max_detections": flexbuf: value at`},
		{"string num_classes", with("num_classes", "90"), `key "num_classes": flexbuf: value at`},
		{"string IoU threshold", with("nms_iou_threshold", "0.6"), `key "nms_iou_threshold"`},
		{"float use_regular_nms", with("use_regular_nms", 1.0), `key "use_regular_nms"`},
		{"string detections_per_class", with("detections_per_class", "x"), `key "detections_per_class"`},
	}
	for _, tc := range tests {
		_, err := ParsePostProcessOptions(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "post-process options: ") {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.msg)
		}
	}
	// detections_per_class matters only with regular NMS.
	e := cocoEntries()
	e["detections_per_class"] = 0
	if _, err := ParsePostProcessOptions(flexMap(e)); err != nil {
		t.Errorf("detections_per_class 0 with fast NMS: %v", err)
	}
	e["use_regular_nms"] = true
	if _, err := ParsePostProcessOptions(flexMap(e)); err == nil || !strings.Contains(err.Error(), "detections_per_class = 0 is outside") {
		t.Errorf("detections_per_class 0 with regular NMS: %v", err)
	}
}

// FuzzParsePostProcessOptions feeds arbitrary bytes to ParsePostProcessOptions: it must return options
// that pass Validate, or an error, and never panic.
func FuzzParsePostProcessOptions(f *testing.F) {
	for _, file := range []string{"coco_postprocess_options.flexbuf", "head_postprocess_options.flexbuf"} {
		b, err := os.ReadFile("../flexbuf/testdata/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(flexMap(cocoEntries()))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParsePostProcessOptions(b)
		if err == nil {
			if verr := o.Validate(); verr != nil {
				t.Fatalf("ParsePostProcessOptions accepted options that fail Validate: %v", verr)
			}
		}
	})
}
