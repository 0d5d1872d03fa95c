package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect/eval"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestDetectCOCOJSON: detect --coco-json writes a COCO result file that coco-eval's reader takes, with
// the image id from the file name and COCO's label map ids.
func TestDetectCOCOJSON(t *testing.T) {
	src := shared.ReadFile(t, "images/tfls_cats_and_dogs.jpg")
	dir := t.TempDir()
	img := filepath.Join(dir, "COCO_val2014_000000000139.jpg")
	if err := os.WriteFile(img, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dt.json")
	if code, _, errs := cli("detect", "--threshold", "0.3", "--coco-json", out, img); code != 0 {
		t.Fatalf("detect: %s", errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dets, err := eval.ReadResults(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) == 0 {
		t.Fatal("no detections written")
	}
	pets := 0
	for _, d := range dets {
		if d.Image != 139 || d.Category < 1 || d.Category > 90 || !(d.Score >= 0.3) || !(d.Box.W > 0 && d.Box.H > 0) {
			t.Errorf("detection %+v: want image 139, a COCO label map id, score ≥ 0.3, a box", d)
		}
		if d.Category == 17 || d.Category == 18 { // COCO's cat and dog
			pets++
		}
	}
	if pets == 0 {
		t.Errorf("no cat or dog among %+v", dets)
	}
	plain := filepath.Join(dir, "pets.jpg")
	if err := os.WriteFile(plain, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli("detect", "--coco-json", out, plain); code == 0 {
		t.Error("an image without an id in its name was accepted")
	} else {
		t.Logf("refused: %s", errs)
	}
}
