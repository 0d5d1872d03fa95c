package serve

import (
	"bytes"
	"image/png"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet"
)

// TestBadInput sends each kind of bad request and checks its status, its JSON error and that the
// server still classifies afterwards.
func TestBadInput(t *testing.T) {
	_, ts := start(t, Config{MaxBody: 200_000, MaxPixels: 1_000_000})
	jpeg := photo(t, "tfls_grace_hopper.jpg")
	big := bytes.Repeat([]byte{0xff}, 300_000)
	noImage, noImageType := multipartBody(t, "photo", "x.jpg", jpeg)
	tooBig, tooBigType := multipartBody(t, "image", "big.jpg", big)
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        []byte
		status      int
		allow       string
		errHas      string
	}{
		{"not an image", "POST", "/v1/classify", "", []byte("hello, world"), 400, "", "unknown image format"},
		{"corrupt jpeg", "POST", "/v1/classify", "", jpeg[:2000], 400, "", "corrupt image"},
		{"corrupt png", "POST", "/v1/classify", "", pngHeader(64, 64), 400, "", "corrupt image"},
		{"empty body", "POST", "/v1/classify", "", nil, 400, "", "empty body"},
		{"multipart without image", "POST", "/v1/classify", noImageType, noImage.Bytes(), 400, "", `no field "image"`},
		{"body over the limit", "POST", "/v1/classify", "", big, 413, "", "over the limit of 200000 bytes"},
		{"multipart over the limit", "POST", "/v1/classify", tooBigType, tooBig.Bytes(), 413, "", "over the limit"},
		{"too many pixels", "POST", "/v1/classify", "", pngImage(t, 1001, 1000), 422, "", "too many pixels"},
		{"a gigapixel header", "POST", "/v1/classify", "", pngHeader(100_000, 100_000), 422, "", "too many pixels"},
		{"top not a number", "POST", "/v1/classify?top=x", "", jpeg, 400, "", "top"},
		{"top out of range", "POST", "/v1/classify?top=0", "", jpeg, 400, "", "from 1 to 1000"},
		{"draw not a bool", "POST", "/v1/detect?draw=yes", "", jpeg, 400, "", "draw"},
		{"GET classify", "GET", "/v1/classify", "", nil, 405, "POST", "not allowed"},
		{"PUT detect", "PUT", "/v1/detect", "", jpeg, 405, "POST", "not allowed"},
		{"POST models", "POST", "/v1/models", "", nil, 405, "GET, HEAD", "not allowed"},
		{"DELETE healthz", "DELETE", "/healthz", "", nil, 405, "GET, HEAD", "not allowed"},
		{"unknown route", "GET", "/v2/classify", "", nil, 404, "", "no route /v2/classify"},
		{"unknown route, POST", "POST", "/classify", "", jpeg, 404, "", "no route"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := do(t, c.method, ts.URL+c.path, c.contentType, bytes.NewReader(c.body))
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			e := decodeJSON[errorBody](t, body)
			if !strings.Contains(e.Error, c.errHas) {
				t.Errorf("error %q lacks %q", e.Error, c.errHas)
			}
			if got := res.Header.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
		})
	}
	// The server still serves after all of that.
	res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(jpeg))
	if res.StatusCode != 200 {
		t.Fatalf("after the bad requests: %d %s", res.StatusCode, body)
	}
}

// TestClassify checks that a raw body and a multipart upload give the library's own answer, in the
// shape of classify --json.
func TestClassify(t *testing.T) {
	_, ts := start(t, Config{})
	jpeg := photo(t, "tfls_burger.jpg")
	want, err := smallClassifier(t).ClassifyReader(bytes.NewReader(jpeg), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Even the 0.25/128 model is sure of the cheeseburger (ImageNet class 934 with background first).
	if want[0].Label != "cheeseburger" || want[0].Index != 934 || want[0].Score < 0.9 {
		t.Fatalf("library top-1 %+v, want cheeseburger (934) above 0.9", want[0])
	}
	form, formType := multipartBody(t, "image", "burger.jpg", jpeg)
	cases := []struct {
		name, contentType, image string
		body                     []byte
	}{
		{"raw", "image/jpeg", "body", jpeg},
		{"raw without a type", "", "body", jpeg},
		{"multipart", formType, "burger.jpg", form.Bytes()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := do(t, "POST", ts.URL+"/v1/classify?top=3", c.contentType, bytes.NewReader(c.body))
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			got := decodeJSON[ClassifyResult](t, body)
			if got.Image != c.image || !reflect.DeepEqual(got.Predictions, want) {
				t.Errorf("got %+v, want image %q and %+v", got, c.image, want)
			}
			// The very keys of classify --json.
			raw := decodeJSON[map[string]any](t, body)
			p := raw["predictions"].([]any)[0].(map[string]any)
			for _, k := range []string{"index", "label", "score"} {
				if _, ok := p[k]; !ok {
					t.Errorf("prediction lacks %q: %s", k, body)
				}
			}
		})
	}
	res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(jpeg))
	if got := decodeJSON[ClassifyResult](t, body); res.StatusCode != 200 || len(got.Predictions) != DefaultTop {
		t.Errorf("default top: %d predictions, status %d", len(got.Predictions), res.StatusCode)
	}
}

// TestDetect checks /v1/detect against the library, as JSON and drawn, with the built-in detector.
func TestDetect(t *testing.T) {
	d := detector(t)
	_, ts := start(t, Config{Detector: d, Concurrency: 2, Timeout: 5 * time.Minute})
	jpeg := photo(t, "tfls_cats_and_dogs.jpg")
	img, want, err := d.DetectReader(bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}
	cats := 0
	for _, x := range want {
		if x.Label == "cat" {
			cats++
		}
	}
	if cats < 2 {
		t.Fatalf("the library finds %d cats in cats_and_dogs, want at least 2: %+v", cats, want)
	}
	type answer struct {
		res  *http.Response
		body []byte
	}
	jsonc, drawc := make(chan answer), make(chan answer)
	go func() {
		res, body := do(t, "POST", ts.URL+"/v1/detect", "image/jpeg", bytes.NewReader(jpeg))
		jsonc <- answer{res, body}
	}()
	go func() {
		res, body := do(t, "POST", ts.URL+"/v1/detect?draw=1", "image/jpeg", bytes.NewReader(jpeg))
		drawc <- answer{res, body}
	}()
	a := <-jsonc
	if a.res.StatusCode != 200 {
		t.Fatalf("status %d: %s", a.res.StatusCode, a.body)
	}
	got := decodeJSON[DetectResult](t, a.body)
	if got.Image != "body" || !reflect.DeepEqual(got.Detections, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	a = <-drawc
	if a.res.StatusCode != 200 || a.res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("draw: status %d, type %q", a.res.StatusCode, a.res.Header.Get("Content-Type"))
	}
	drawn, err := png.Decode(bytes.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	if drawn.Bounds() != img.Bounds() {
		t.Errorf("drawn image %v, photo %v", drawn.Bounds(), img.Bounds())
	}
	// PNG is lossless: the answer is the library's drawing, pixel for pixel, and differs from the photo.
	ref, differ := mobilenet.Draw(img, want), 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r0, g0, b0, _ := drawn.At(x, y).RGBA()
			r1, g1, b1, _ := ref.At(x, y).RGBA()
			if r0 != r1 || g0 != g1 || b0 != b1 {
				t.Fatalf("pixel (%d, %d): got %d %d %d, want %d %d %d", x, y, r0, g0, b0, r1, g1, b1)
			}
			if r2, g2, b2, _ := img.At(x, y).RGBA(); r2>>8 != r0>>8 || g2>>8 != g0>>8 || b2>>8 != b0>>8 {
				differ++
			}
		}
	}
	if differ < 1000 {
		t.Errorf("only %d pixels differ from the photo: no boxes drawn?", differ)
	}
}

// TestNoDetector checks that /v1/detect answers 404 when no detector is loaded.
func TestNoDetector(t *testing.T) {
	_, ts := start(t, Config{})
	res, body := do(t, "POST", ts.URL+"/v1/detect", "", bytes.NewReader(photo(t, "tfls_cat.jpg")))
	if res.StatusCode != 404 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "no detector") {
		t.Errorf("status %d: %s", res.StatusCode, body)
	}
}
