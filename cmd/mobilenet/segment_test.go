package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSegmentCommand segments the Grace Hopper photo with the built-in DeepLab: --json gives one
// object with the photo's size and its classes (person the largest, shares summing to 1), -o writes
// the blended image, and bad input gives one-line errors.
func TestSegmentCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DeepLab at 513×513")
	}
	dir := t.TempDir()
	drawn := filepath.Join(dir, "out.png")
	code, out, errs := cli("segment", "--json", "-o", drawn, hopperPhoto)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Image   string `json:"image"`
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		Classes []struct {
			Label string  `json:"label"`
			Index int     `json:"index"`
			Share float64 `json:"share"`
		} `json:"classes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sum := 0.0
	for _, c := range res.Classes {
		sum += c.Share
	}
	if res.Image != hopperPhoto || res.Width != 517 || res.Height != 606 || len(res.Classes) == 0 ||
		res.Classes[0].Label != "person" || res.Classes[0].Index != 15 || res.Classes[0].Share < 0.5 || sum < 0.999999 || sum > 1.000001 {
		t.Fatalf("result %+v (shares sum to %v)", res, sum)
	}
	if st, err := os.Stat(drawn); err != nil || st.Size() < 1000 {
		t.Fatalf("drawn image: %v", err)
	}
	// Text output, and a corrupt image among good ones: one line on stderr, exit 1.
	bad := filepath.Join(dir, "bad.jpg")
	if err := os.WriteFile(bad, []byte("\xff\xd8\xff not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli("segment", bad, hopperPhoto)
	if code != 1 || !strings.Contains(out, "person") || strings.Count(strings.TrimSpace(errs), "\n") != 1 || !strings.Contains(errs, "bad.jpg") {
		t.Errorf("a corrupt image: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// -o DIR with several images.
	if code, _, errs := cli("segment", "-o", dir, hopperPhoto, burgerPhoto); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "grace_hopper.segmentation.jpg")); err != nil {
		t.Fatal(err)
	}
}

// TestSegmentCommandErrors: usage errors, a model that does not segment, a corrupt image in --json.
func TestSegmentCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"segment"}, 2, "no image given"},
		{[]string{"segment", "-o", filepath.Join(dir, "x.gif"), hopperPhoto}, 2, ".png, .jpg"},
		{[]string{"segment", "-o", filepath.Join(dir, "x.png"), hopperPhoto, hopperPhoto}, 2, "existing directory"},
		{[]string{"segment", "--max-pixels", "0", hopperPhoto}, 2, "--max-pixels"},
		{[]string{"segment", "--model", builtinModel, hopperPhoto}, 1, "is not a segmentation model"},
		{[]string{"segment", "--model", filepath.Join(dir, "missing.tflite"), hopperPhoto}, 1, "missing.tflite"},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q; want %d and %q", c.args[1:], code, errs, c.code, c.want)
		}
	}
	bad := filepath.Join(dir, "bad.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\n truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli("segment", "--json", bad)
	sc := bufio.NewScanner(strings.NewReader(out))
	var res struct {
		Image, Error string
	}
	if code != 1 || !sc.Scan() || json.Unmarshal(sc.Bytes(), &res) != nil || res.Image != bad || res.Error == "" || strings.Contains(errs, "panic") {
		t.Errorf("corrupt image with --json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
