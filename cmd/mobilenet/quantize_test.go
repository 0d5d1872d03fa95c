package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestQuantizeCommand: the float V1 0.25/224 quantized on two photos (fewer than --samples: the count
// is printed) gives an int8 .tflite that classify runs; bad command lines and bad data are one-line
// errors that leave no output file.
func TestQuantizeCommand(t *testing.T) {
	model := shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite")
	images := shared.Path(t, "images")
	dir := t.TempDir()
	calib := filepath.Join(dir, "calib")
	if err := os.Mkdir(calib, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tfls_cat.jpg", "tfls_dogs.jpg"} {
		b, err := os.ReadFile(filepath.Join(images, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(calib, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "q.tflite")
	code, stdout, stderr := cli("quantize", "--model", model, "--data", calib, "--samples", "10", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "has 2 images, fewer than --samples 10") || !strings.Contains(stdout, "wrote "+out+" (int8, weights per channel)") {
		t.Errorf("output:\n%s", stdout)
	}
	code, stdout, stderr = cli("classify", "--model", out, filepath.Join(images, "tfls_cat.jpg"))
	if code != 0 || !strings.Contains(stdout, "(") {
		t.Fatalf("classify with the 8-bit model: exit %d: %s%s", code, stdout, stderr)
	}
	// Quantizing an 8-bit model is refused.
	code, _, stderr = cli("quantize", "--model", out, "--data", calib, "-o", filepath.Join(dir, "again.tflite"))
	if code != 1 || !strings.Contains(stderr, "already an 8-bit model") {
		t.Errorf("8-bit model: exit %d: %s", code, stderr)
	}

	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.tflite")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", model, "--data", calib}, 2, "--model, --data and -o are required"},
		{[]string{"--model", model, "--data", calib, "-o", filepath.Join(dir, "q.onnx")}, 2, "written as .tflite only"},
		{[]string{"--model", model, "--data", calib, "--scheme", "int4", "-o", bad}, 2, `--scheme "int4"`},
		{[]string{"--model", model, "--data", calib, "--range", "kl", "-o", bad}, 2, `--range "kl"`},
		{[]string{"--model", model, "--data", calib, "--scheme", "uint8", "--per-channel=true", "-o", bad}, 2, "per tensor"},
		{[]string{"--model", model, "--data", empty, "-o", bad}, 1, "holds no calibration images"},
		{[]string{"--model", model, "--data", shared.Path(t, "datasets/fashion-mnist"), "-o", bad}, 1, "the calibration images have 1 channels, the model takes 3"},
	} {
		code, _, stderr := cli(append([]string{"quantize"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", c.args, code, stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s", bad)
	}
}
