package serve

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

var (
	smallOnce sync.Once
	small     *mobilenet.Model
	smallErr  error
)

// smallClassifier returns MobileNet V1 0.25/128 uint8, the fastest classifier at hand.
func smallClassifier(t testing.TB) *mobilenet.Model {
	t.Helper()
	path := shared.Path(t, "models/mobilenet_v1_0.25_128_quant.tflite")
	smallOnce.Do(func() { small, smallErr = mobilenet.Load(path) })
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return small
}

// detector returns the built-in COCO detector.
func detector(t testing.TB) *mobilenet.Model {
	t.Helper()
	d, err := mobilenet.DefaultDetector()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// start returns a Server for cfg (the small classifier when cfg has none) behind an httptest server;
// both are closed when the test ends.
func start(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.Classifier == nil {
		cfg.Classifier = smallClassifier(t)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts
}

// photo reads one of the shared photos.
func photo(t testing.TB, name string) []byte {
	t.Helper()
	return shared.ReadFile(t, "images/"+name)
}

// pngImage encodes a w×h gradient as PNG.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns the first bytes of a PNG that claims w×h pixels: the signature and a valid IHDR
// chunk, and nothing else.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// multipartBody returns a multipart/form-data body with one file field, and its content type.
func multipartBody(t testing.TB, field, filename string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// do sends a request and returns the response with its body read.
func do(t testing.TB, method, url, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// decodeJSON unmarshals b into a new T, failing the test when it is not valid.
func decodeJSON[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %q", err, b)
	}
	return v
}
