package detdata

import (
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// raccoon returns the path of the shared raccoon data set, skipping the test when it is absent
// unless MOBILENET_REQUIRE_SHARED=1.
func raccoon(t testing.TB) string {
	t.Helper()
	return shared.Path(t, "datasets/raccoon")
}

func mustLoad(t testing.TB, path string, opt Options) *Set {
	t.Helper()
	s, err := Load(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRaccoon loads the VOC folder and the two CSV files of the raccoon set: every one of the 217
// boxes loads (VOC's 1-based inclusive corners are valid pixel corners), the CSV split has 160 and
// 40 images, and each image's boxes are the same in both formats.
func TestRaccoon(t *testing.T) {
	dir := raccoon(t)
	voc := mustLoad(t, dir, Options{})
	if images, boxes := voc.Count(); images != 200 || boxes != 217 || voc.Skipped != 0 {
		t.Fatalf("VOC: %v; want 200 images, 217 boxes, none skipped", voc)
	}
	if len(voc.Classes) != 1 || voc.Classes[0] != "raccoon" {
		t.Fatalf("VOC classes %q", voc.Classes)
	}
	byName := map[string]Sample{}
	for _, s := range voc.Samples {
		byName[filepath.Base(s.Path)] = s
	}
	total := 0
	for _, c := range []struct {
		file          string
		images, boxes int
	}{{"train_labels.csv", 160, 173}, {"test_labels.csv", 40, 44}} {
		s := mustLoad(t, filepath.Join(dir, "data", c.file), Options{})
		if images, boxes := s.Count(); images != c.images || boxes != c.boxes || s.Skipped != 0 {
			t.Fatalf("%s: %v; want %d images, %d boxes", c.file, s, c.images, c.boxes)
		}
		for _, sm := range s.Samples {
			v, ok := byName[filepath.Base(sm.Path)]
			if !ok {
				t.Fatalf("%s: %s is not in the VOC folder", c.file, sm.Path)
			}
			if v.Width != sm.Width || v.Height != sm.Height || !sameBoxes(v.Boxes, sm.Boxes) {
				t.Fatalf("%s: %s: CSV %d×%d %v, VOC %d×%d %v", c.file, sm.Path, sm.Width, sm.Height, sm.Boxes, v.Width, v.Height, v.Boxes)
			}
			delete(byName, filepath.Base(sm.Path))
		}
		total += c.images
	}
	if total != 200 || len(byName) != 0 {
		t.Fatalf("the CSV files leave out %d VOC images", len(byName))
	}
}

// sameBoxes reports whether a and b hold the same boxes, in any order.
func sameBoxes(a, b []Box) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && x == y {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}
