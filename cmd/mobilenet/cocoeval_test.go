package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// cocoStatKeys are the keys of coco-eval --json, in pycocotools' order.
var cocoStatKeys = []string{"ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large"}

// writeFiles writes name → content into a temporary folder and returns its path.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cocoJSON parses coco-eval --json output, checking that its keys are exactly the 12 stats,
// and returns the values in pycocotools' order.
func cocoJSON(t *testing.T, out string) []float64 {
	t.Helper()
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(cocoStatKeys))) {
		t.Fatalf("--json keys %v, want %v", keys, cocoStatKeys)
	}
	var v []float64
	for _, k := range cocoStatKeys {
		v = append(v, m[k])
	}
	return v
}

func TestCocoEvalFixture(t *testing.T) {
	gt := shared.Path(t, "datasets/coco-eval/instances_val2014_100.json")
	dt := shared.Path(t, "datasets/coco-eval/instances_val2014_fakebbox100_results.json")
	code, out, errs := cli("coco-eval", "--gt", gt, "--dt", dt)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// pycocotools' printout (the fixture's file), in today's pycocotools layout: its title
	// column is 18 wide, where the 2015 printout's was 17.
	want := ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505
 Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.697
 Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.573
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.586
 Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.519
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.501
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.594
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.595
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.640
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.566
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564
`
	if out != want || errs != "" {
		t.Errorf("output:\n%s\nwant\n%s\nstderr %q", out, want, errs)
	}
	code, out, errs = cli("coco-eval", "--gt", gt, "--dt", dt, "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	// The fixture README's 16-digit figures.
	reference := []float64{0.5045806987249628, 0.6969727247299577, 0.5729816669904824, 0.5856257209410443,
		0.5193996948036719, 0.5013978986347466, 0.38681277964578054, 0.5936795762842003,
		0.595352982877607, 0.6398109626113442, 0.5664205978994309, 0.5642905982905982}
	approx.Require(t, "--json stats", cocoJSON(t, out), reference, 1e-9, 0)
}

func TestCocoEvalSmall(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gt.json": `{"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 5, "name": "cat"}],
			"annotations": [{"image_id": 1, "category_id": 5, "bbox": [0, 0, 100, 100], "area": 10000, "iscrowd": 0}]}`,
		"dt.json": `[{"image_id": 1, "category_id": 5, "bbox": [0, 0, 100, 100], "score": 0.9},
			{"image_id": 2, "category_id": 9, "bbox": [0, 0, 10, 10], "score": 0.9}]`,
	})
	code, out, errs := cli("coco-eval", "--json", "--gt", filepath.Join(dir, "gt.json"), "--dt", filepath.Join(dir, "dt.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	one := 1 / (1 + 2.220446049250313e-16)
	approx.Require(t, "stats", cocoJSON(t, out), []float64{one, one, one, -1, -1, one, 1, 1, 1, -1, -1, 1}, 1e-12, 0)
	if !strings.Contains(errs, "1 detections of categories not in the ground truth left out") || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q, want one line about the detection left out", errs)
	}
}

// TestCocoEvalErrors: wrong command lines exit 2, unreadable or wrong files 1, each with one
// line on stderr and nothing on stdout.
func TestCocoEvalErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gt.json":     `{"images": [{"id": 1}], "categories": [{"id": 5}], "annotations": []}`,
		"dt.json":     `[{"image_id": 1, "category_id": 5, "bbox": [0, 0, 1, 1], "score": 1}]`,
		"other.json":  `[{"image_id": 7, "category_id": 5, "bbox": [0, 0, 1, 1], "score": 1}]`,
		"broken.json": `[{"image_id": 1, "category_id": 5, "bbox": [0, 0, 1], "score": 1}]`,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--gt", p("gt.json")}, 2, "--gt and --dt are required"},
		{[]string{"--gt", p("gt.json"), "--dt", p("dt.json"), "extra"}, 2, `takes no arguments, got "extra"`},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"--gt", p("missing.json"), "--dt", p("dt.json")}, 1, "no such file"},
		{[]string{"--gt", p("dt.json"), "--dt", p("dt.json")}, 1, `ground truth: want an object, got "["`},
		{[]string{"--gt", p("gt.json"), "--dt", p("broken.json")}, 1, "results[0]: bbox has 3 numbers, want 4"},
		{[]string{"--gt", p("gt.json"), "--dt", p("other.json")}, 1, "results do not correspond to the ground truth: detection 0 is of image 7"},
	}
	for _, c := range cases {
		code, out, errs := cli(append([]string{"coco-eval"}, c.args...)...)
		if code != c.code || !strings.HasPrefix(errs, "mobilenet coco-eval: ") || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", c.args, code, errs, c.code, c.want)
		}
		if c.code == 1 && out != "" {
			t.Errorf("%v: stdout %q, want nothing", c.args, out)
		}
	}
}
