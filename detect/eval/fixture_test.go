package eval

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// reference is the 12 bbox stats of pycocotools on the fixture, to 16 digits, as its README
// quotes them from faster_coco_eval's tests (which agree with pycocotools).
var reference = [12]float64{
	0.5045806987249628, 0.6969727247299577, 0.5729816669904824, 0.5856257209410443,
	0.5193996948036719, 0.5013978986347466, 0.38681277964578054, 0.5936795762842003,
	0.595352982877607, 0.6398109626113442, 0.5664205978994309, 0.5642905982905982,
}

// openShared opens a file of the COCO fixture (../shared/datasets/coco-eval, whose README.md gives
// pycocotools' printout for it), skipping the test when it is absent, or failing it when
// MOBILENET_REQUIRE_SHARED=1.
func openShared(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(shared.Path(t, "datasets/coco-eval/"+name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fixtureResult evaluates the fixture's fake detections against its ground truth.
func fixtureResult(t testing.TB) *Result {
	t.Helper()
	ds, err := ReadGroundTruth(openShared(t, "instances_val2014_100.json"))
	if err != nil {
		t.Fatal(err)
	}
	dt, err := ReadResults(openShared(t, "instances_val2014_fakebbox100_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Images) != 100 || len(ds.Annotations) != 839 || len(ds.Categories) != 80 || len(dt) != 734 {
		t.Fatalf("read %d images, %d annotations, %d categories, %d detections; the README says 100, 839, 80, 734",
			len(ds.Images), len(ds.Annotations), len(ds.Categories), len(dt))
	}
	r, err := ds.Evaluate(dt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// printedStats returns the 12 numbers of the type=bbox block of pycocotools' printout.
func printedStats(t *testing.T) []float64 {
	t.Helper()
	sc := bufio.NewScanner(openShared(t, "pycocotools_val2014_fake_eval_res.txt"))
	var got []float64
	inBox := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "type=") {
			inBox = line == "type=bbox"
			continue
		}
		if _, num, ok := strings.Cut(line, "] = "); ok && inBox {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				t.Fatalf("printout line %q: %v", line, err)
			}
			got = append(got, v)
		}
	}
	if len(got) != 12 {
		t.Fatalf("printout: %d bbox numbers, want 12", len(got))
	}
	return got
}

// TestCOCOFixture reproduces pycocotools' bbox stats on the shared fixture: its printout to
// 3 decimals and the README's 16-digit figures within 1e-9.
func TestCOCOFixture(t *testing.T) {
	r := fixtureResult(t)
	d, i, err := approx.MaxAbsDiff(r.Stats[:], reference[:])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats %v; max |Δ| vs the 16-digit figures %.3g (stat %d)", r.Stats, d, i)
	approx.Require(t, "stats vs the 16-digit figures", r.Stats[:], reference[:], 1e-9, 0)
	printed := printedStats(t)
	var rounded []float64
	for _, line := range strings.Split(strings.TrimSuffix(r.Summary(), "\n"), "\n") {
		_, num, _ := strings.Cut(line, "] = ")
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			t.Fatalf("summary line %q: %v", line, err)
		}
		rounded = append(rounded, v)
	}
	approx.Require(t, "summary vs pycocotools' printout", rounded, printed, 0, 0)
}
