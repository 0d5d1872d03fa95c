package eval

import (
	"strings"
	"testing"
)

const smallGT = `{"info": {"year": 2014}, "images": [{"id": 3, "width": 640}, {"id": 1}],
 "annotations": [
  {"id": 1, "image_id": 3, "category_id": 18, "bbox": [1, 2, 30, 40], "area": 900.5, "iscrowd": 0, "segmentation": [[1, 2, 3, 4]]},
  {"id": 2, "image_id": 1, "category_id": 2, "bbox": [0, 0, 10, 20], "iscrowd": 1, "ignore": 0}
 ],
 "categories": [{"id": 2, "name": "bicycle"}, {"id": 18, "name": "dog", "supercategory": "animal"}]}`

func TestReadGroundTruth(t *testing.T) {
	ds, err := ReadGroundTruth(strings.NewReader(smallGT))
	if err != nil {
		t.Fatal(err)
	}
	want := Dataset{
		Images:     []int{3, 1},
		Categories: []Category{{2, "bicycle"}, {18, "dog"}},
		Annotations: []GroundTruth{
			{Image: 3, Category: 18, Box: Box{1, 2, 30, 40}, Area: 900.5},
			{Image: 1, Category: 2, Box: Box{0, 0, 10, 20}, Area: 200, Crowd: true},
		},
	}
	if !equalDatasets(ds, &want) {
		t.Errorf("read %+v\nwant %+v", *ds, want)
	}
}

func equalDatasets(a, b *Dataset) bool {
	if len(a.Images) != len(b.Images) || len(a.Categories) != len(b.Categories) || len(a.Annotations) != len(b.Annotations) {
		return false
	}
	for i := range a.Images {
		if a.Images[i] != b.Images[i] {
			return false
		}
	}
	for i := range a.Categories {
		if a.Categories[i] != b.Categories[i] {
			return false
		}
	}
	for i := range a.Annotations {
		if a.Annotations[i] != b.Annotations[i] {
			return false
		}
	}
	return true
}

func TestReadResults(t *testing.T) {
	dt, err := ReadResults(strings.NewReader(` [{"image_id": 3, "category_id": 18, "bbox": [1.5, 2, 3, 4], "score": 0.25, "extra": [1]},
	  {"image_id": 1, "category_id": 2, "bbox": [0, 0, 0, 0], "score": -1e-3}] `))
	if err != nil {
		t.Fatal(err)
	}
	want := []Detection{{3, 18, Box{1.5, 2, 3, 4}, 0.25}, {1, 2, Box{}, -1e-3}}
	if len(dt) != 2 || dt[0] != want[0] || dt[1] != want[1] {
		t.Errorf("read %v, want %v", dt, want)
	}
	dt, err = ReadResults(strings.NewReader(`[]`))
	if err != nil || len(dt) != 0 {
		t.Errorf("empty list: %v, %v", dt, err)
	}
}

// TestReadErrors: every refusal is one line that says what and where.
func TestReadErrors(t *testing.T) {
	gt := func(images, anns, cats string) string {
		return `{"images": ` + images + `, "annotations": ` + anns + `, "categories": ` + cats + `}`
	}
	okCats := `[{"id": 1, "name": "a"}]`
	okImages := `[{"id": 1}]`
	ann := func(fields string) string { return `[{"image_id": 1, "category_id": 1, ` + fields + `}]` }
	gtCases := []struct{ in, want string }{
		{``, "unexpected end"},
		{`[]`, `want an object, got "["`},
		{`{"images": []`, "unexpected end"},
		{`{"images": [], "images": [], "annotations": [], "categories": []}`, `key "images" appears twice`},
		{`{"images": [], "categories": []}`, `no "annotations" array`},
		{gt(`{}`, `[]`, okCats), "images to be an array"},
		{gt(`[{"name": 1}]`, `[]`, okCats), "images[0]: no id"},
		{gt(`[{"id": 1.5}]`, `[]`, okCats), "images[0]: json: cannot unmarshal number 1.5"},
		{gt(`[{"id": 1}, {"id": 1}]`, `[]`, okCats), "image id 1 appears twice"},
		{gt(okImages, `[]`, `[{"id": 1}, {"id": 1}]`), "category id 1 appears twice"},
		{gt(okImages, ann(`"bbox": [1, 2, 3]`), okCats), "annotations[0]: bbox has 3 numbers, want 4"},
		{gt(okImages, ann(`"bbox": [1, 2, -3, 4]`), okCats), "annotations[0]: box [1 2 -3 4] has a negative size"},
		{gt(okImages, ann(`"bbox": [1, 2, 3, 1e999]`), okCats), "annotations[0]: json: cannot unmarshal number 1e999"},
		{gt(okImages, ann(`"bbox": [1, 2, 3, 4], "area": -2`), okCats), "annotations[0]: area -2 is not"},
		{gt(okImages, `[{"image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]}]`, okCats), "annotations[0]: image_id 2 is not in images"},
		{gt(okImages, `[{"image_id": 1, "category_id": 9, "bbox": [1, 2, 3, 4]}]`, okCats), "annotations[0]: category_id 9 is not in categories"},
		{gt(okImages, `[{"category_id": 1, "bbox": [1, 2, 3, 4]}]`, okCats), "annotations[0]: no image_id"},
		{gt(okImages, `[]`, okCats) + `{}`, `data after the end: "{"`},
		{`{"images": [NaN]}`, "invalid character 'N'"},
	}
	for _, c := range gtCases {
		_, err := ReadGroundTruth(strings.NewReader(c.in))
		checkErr(t, c.in, err, "ground truth: ", c.want)
	}
	rCases := []struct{ in, want string }{
		{`{}`, `want results to be an array, got "{"`},
		{`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]`, "results[0]: no score"},
		{`[{"image_id": 1, "category_id": 1, "score": 1}]`, "results[0]: bbox has 0 numbers"},
		{`[{"image_id": 1, "bbox": [1, 2, 3, 4], "score": 1}]`, "results[0]: no category_id"},
		{`[{"image_id": "1", "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1}]`, "results[0]: json: cannot unmarshal string"},
		{`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN}]`, "invalid character 'N'"},
		{`[] []`, `data after the end: "["`},
		{`[1, 2`, "results[0]: json: cannot unmarshal number"},
		{`[`, "unexpected end"},
	}
	for _, c := range rCases {
		_, err := ReadResults(strings.NewReader(c.in))
		checkErr(t, c.in, err, "results: ", c.want)
	}
}

// checkErr requires err to start with prefix and contain want, on one line.
func checkErr(t *testing.T, in string, err error, prefix, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %q", in, want)
		return
	}
	t.Log(err)
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q, want %q…%q", in, err, prefix, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("%s: error %q spans lines", in, err)
	}
}

func TestReadLimits(t *testing.T) {
	defer func(b int64, i, c, a, r int) {
		maxFileBytes, maxImages, maxCategories, maxAnnotations, maxResults = b, i, c, a, r
	}(maxFileBytes, maxImages, maxCategories, maxAnnotations, maxResults)
	maxImages, maxCategories, maxAnnotations, maxResults = 1, 1, 1, 1
	cases := []struct {
		in, want string
		results  bool
	}{
		{`{"images": [{"id": 1}, {"id": 2}]`, "images: more than 1 entries", false},
		{`{"categories": [{"id": 1}, {"id": 2}]`, "categories: more than 1 entries", false},
		{`{"annotations": [{"image_id": 1, "category_id": 1, "bbox": [0,0,1,1]}, {}]`, "annotations: more than 1 entries", false},
		{`[{"image_id": 1, "category_id": 1, "bbox": [0,0,1,1], "score": 1}, {}]`, "results: more than 1 entries", true},
	}
	for _, c := range cases {
		var err error
		if c.results {
			_, err = ReadResults(strings.NewReader(c.in))
		} else {
			_, err = ReadGroundTruth(strings.NewReader(c.in))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
	maxImages, maxCategories, maxAnnotations = 10, 10, 10
	maxFileBytes = int64(len(smallGT))
	if _, err := ReadGroundTruth(strings.NewReader(smallGT)); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
	maxFileBytes--
	if _, err := ReadGroundTruth(strings.NewReader(smallGT)); err == nil || !strings.Contains(err.Error(), "file too large") {
		t.Errorf("a file one byte over the limit: error %v, want file too large", err)
	}
}

func TestDatasetEvaluate(t *testing.T) {
	ds, err := ReadGroundTruth(strings.NewReader(smallGT))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ds.Evaluate([]Detection{det(7, 18, 1, 2, 30, 40, 1)})
	if err == nil || !strings.Contains(err.Error(), "image 7") {
		t.Errorf("a detection of an unknown image: error %v", err)
	}
	r, err := ds.Evaluate([]Detection{det(3, 18, 1, 2, 30, 40, 1), det(3, 99, 1, 2, 30, 40, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if r.LeftOut != 1 || len(r.PerCategory) != 2 || r.PerCategory[2].AP != -1 {
		t.Errorf("LeftOut %d, PerCategory %v; want 1 left out (category 99), categories 2 (−1) and 18", r.LeftOut, r.PerCategory)
	}
	empty := &Dataset{}
	r, err = empty.Evaluate(nil)
	if err != nil || r.Stats[0] != -1 {
		t.Errorf("empty dataset: %v, %v", r, err)
	}
}
