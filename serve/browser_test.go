package serve

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// chromium returns the path of a Chromium or Chrome binary: $CHROMIUM, else the first of the usual
// names on PATH; "" when there is none.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser loads the page in headless Chromium, uploads a photo and finds on the page the top 5
// of /v1/classify, the objects of /v1/detect and their boxes drawn on the canvas. With
// SERVE_SCREENSHOT=FILE.png it saves a screenshot of the page there.
func TestBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		if os.Getenv("MOBILENET_REQUIRE_BROWSER") != "" {
			t.Fatal("MOBILENET_REQUIRE_BROWSER is set but no chromium binary is on PATH, nor $CHROMIUM")
		}
		t.Skip("no chromium binary on PATH (apt-get install chromium), nor $CHROMIUM")
	}
	cls, err := mobilenet.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, ts := start(t, Config{Classifier: cls, Detector: detector(t), Timeout: 2 * time.Minute})
	photoPath, err := filepath.Abs(shared.Path(t, "images/coral_pets.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	jpeg := photo(t, "coral_pets.jpg")
	wantPreds, err := cls.ClassifyReader(bytes.NewReader(jpeg), 5)
	if err != nil {
		t.Fatal(err)
	}
	_, wantDets, err := detector(t).DetectReader(bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}
	if len(wantDets) == 0 {
		t.Fatal("the detector finds nothing in coral_pets.jpg")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(960, 700),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	err = chromedp.Do(bctx,
		chromedp.EmulateViewport(960, 600),
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`label.button`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{photoPath}),
		chromedp.Poll[chromedp.Void](`document.body.dataset.state === "done" || document.body.dataset.state === "error"`,
			chromedp.WithPollingTimeout(90*time.Second)),
	)
	if err != nil {
		t.Fatal(err)
	}
	eval := func(expr string, v any) {
		t.Helper()
		var err error
		switch v := v.(type) {
		case *string:
			*v, err = chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		case *[]string:
			*v, err = chromedp.Run(bctx, chromedp.Evaluate[[]string](expr))
		case *[]int:
			*v, err = chromedp.Run(bctx, chromedp.Evaluate[[]int](expr))
		}
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}
	var state, status string
	var preds, dets []string
	var boxPixel []int
	first := wantDets[0]
	eval(`document.body.dataset.state`, &state)
	eval(`document.getElementById("status").textContent`, &status)
	eval(`[...document.querySelectorAll("#predictions li b")].map(b => b.textContent)`, &preds)
	eval(`[...document.querySelectorAll("#detections li b")].map(b => b.textContent)`, &dets)
	// The pixel in the middle of the first box's left edge, on the canvas.
	eval(fmt.Sprintf(`(() => {
		const c = document.getElementById("canvas"), s = c.width / %d;
		const x = Math.round(%g * s), y = Math.round(%g * s);
		return [...c.getContext("2d").getImageData(x, y, 1, 1).data].slice(0, 3);
	})()`, cfg.Width, first.Box.XMin, (first.Box.YMin+first.Box.YMax)/2), &boxPixel)
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if state != "done" {
		t.Fatalf("page state %q: %s", state, status)
	}
	if len(preds) != 5 {
		t.Fatalf("page shows %d predictions %q, want 5", len(preds), preds)
	}
	for i, p := range wantPreds {
		if preds[i] != p.Label {
			t.Errorf("prediction %d: page %q, API %q", i, preds[i], p.Label)
		}
	}
	if len(dets) != len(wantDets) {
		t.Fatalf("page shows %d detections %q, want %d", len(dets), dets, len(wantDets))
	}
	for i, d := range wantDets {
		if dets[i] != d.Label {
			t.Errorf("detection %d: page %q, API %q", i, dets[i], d.Label)
		}
	}
	// The palette colour of the first detection's class, as the page draws its box.
	palette := [][3]int{{0xe6, 0x19, 0x4b}, {0x3c, 0xb4, 0x4b}, {0x43, 0x63, 0xd8}, {0xf5, 0x82, 0x31}, {0x91, 0x1e, 0xb4},
		{0x42, 0xd4, 0xf4}, {0xf0, 0x32, 0xe6}, {0x9a, 0x63, 0x24}, {0x46, 0x99, 0x90}, {0x80, 0x00, 0x00}}
	want := palette[first.Class%len(palette)]
	if len(boxPixel) != 3 || boxPixel[0] != want[0] || boxPixel[1] != want[1] || boxPixel[2] != want[2] {
		t.Errorf("canvas pixel on the first box's edge %v, want the class colour %v", boxPixel, want)
	}
	if out := os.Getenv("SERVE_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", out, len(shot))
	}
	if !strings.HasPrefix(string(shot), "\x89PNG") {
		t.Error("the screenshot is not a PNG")
	}
}
