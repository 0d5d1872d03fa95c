package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchCommand(t *testing.T) {
	code, out, errs := cli("bench", "--alpha", "0.25", "--resolution", "32", "--runs", "5", "--warmup", "1", "--batch", "2", "--threads", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		MedianMS float64 `json:"median_ms"`
		P10MS    float64 `json:"p10_ms"`
		P90MS    float64 `json:"p90_ms"`
		ImgPerS  float64 `json:"img_per_s"`
		Threads  int     `json:"threads"`
		Batch    int     `json:"batch"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Batch != 2 || r.Threads != 2 || !(r.P10MS <= r.MedianMS && r.MedianMS <= r.P90MS) || r.ImgPerS <= 0 {
		t.Fatalf("%+v", r)
	}
	code, out, _ = cli("bench", "--alpha", "0.25", "--resolution", "32", "--runs", "3", "--warmup", "0", "--profile")
	if code != 0 || !strings.Contains(out, "Conv2d_13_pointwise") || !strings.Contains(out, "of the mult-adds") {
		t.Fatalf("profile: exit %d\n%s", code, out)
	}
	dump := filepath.Join(t.TempDir(), "out.bin")
	if code, _, errs := cli("bench", "--alpha", "0.25", "--resolution", "32", "--runs", "1", "--warmup", "0", "--dump", dump); code != 0 {
		t.Fatalf("dump: %s", errs)
	}
	if st, err := os.Stat(dump); err != nil || st.Size() != 4000 {
		t.Fatalf("dump: %v", err)
	}
	for _, args := range [][]string{
		{"bench", "--threads", "0"}, {"bench", "--batch", "0"}, {"bench", "--runs", "0"},
		{"bench", "--model", "x.tflite", "--alpha", "0.5"}, {"bench", "--alpha", "9"},
	} {
		if code, _, _ := cli(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestExportCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.onnx")
	code, _, errs := cli("export", "--format", "onnx", "--alpha", "0.25", "--resolution", "64", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) < 100000 || !strings.Contains(string(b), "GlobalAveragePool") {
		t.Fatalf("onnx file: %d bytes, %v", len(b), err)
	}
	if code, _, _ := cli("export", "--format", "bmp", "-o", out); code != 2 {
		t.Error("--format bmp accepted")
	}
	if code, _, _ := cli("export", "--alpha", "0.5"); code != 2 {
		t.Error("missing -o accepted")
	}
	// A quantized model is exported in QDQ form (formats/onnx/qdq.go).
	code, _, errs = cli("export", "--model", builtinModel, "-o", out)
	if b, err := os.ReadFile(out); code != 0 || err != nil || !strings.Contains(string(b), "QuantizeLinear") {
		t.Errorf("quantized export: exit %d %q, %v", code, errs, err)
	}
}
