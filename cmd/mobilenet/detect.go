package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/vision"
)

// detectResult is one image's entry in detect --json.
type detectResult struct {
	Image      string                `json:"image"`
	Detections []mobilenet.Detection `json:"detections"`
	Error      string                `json:"error,omitempty"`
}

func init() {
	c := &command{name: "detect", summary: "find objects in images with SSD MobileNet (the built-in COCO detector by default)",
		usage: "[--model M.tflite|DET.safetensors] [--labels FILE] [--threshold T] [--max N] [--rounding R] [--max-pixels N] [--json] [--coco-json OUT.json] [-o OUT] IMAGE|DIR ..."}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "a .tflite SSD detector with TFLite_Detection_PostProcess (default: the built-in COCO SSD MobileNet V1 uint8)")
		labelsPath := fs.String("labels", "", "label file, line i naming class i (default: the model's own, else COCO)")
		threshold := fs.Float64("threshold", 0.5, "keep detections scoring at least this, in [0, 1]")
		maxDet := fs.Int("max", 0, "keep at most this many detections per image (0: all the model gives)")
		rounding := roundingFlag(fs)
		maxPixels := fs.Int64("max-pixels", mobilenet.DefaultMaxPixels, "refuse images whose header claims more pixels, before decoding")
		asJSON := fs.Bool("json", false, "print a JSON array of {image, detections}")
		out := fs.String("o", "", "write the image with the boxes drawn: a .png or .jpg file for one image, or an existing directory")
		cocoJSON := fs.String("coco-json", "", "also write every detection in COCO's result format, for coco-eval (image_id: the number ending the file name, as COCO names its images; category_id: the label map's id, class + 1; use --threshold 0 to evaluate)")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() == 0:
			return usagef("no image given")
		case !(*threshold >= 0 && *threshold <= 1):
			return usagef("--threshold %g out of range: want 0 to 1", *threshold)
		case *maxDet < 0 || *maxDet > 100000:
			return usagef("--max %d out of range: want 0 to 100000", *maxDet)
		case *maxPixels < 1:
			return usagef("--max-pixels %d: want at least 1", *maxPixels)
		}
		r, err := parseRounding(*rounding)
		if err != nil {
			return err
		}
		paths, err := expandImages(fs.Args())
		if err != nil {
			return err
		}
		outDir, err := drawTarget(*out, len(paths))
		if err != nil {
			return err
		}
		opts := []mobilenet.Option{mobilenet.WithRounding(r), mobilenet.WithThreshold(*threshold),
			mobilenet.WithMaxDetections(*maxDet), mobilenet.WithMaxPixels(*maxPixels)}
		m, err := loadModel(*model, *labelsPath, mobilenet.DefaultDetector, opts)
		if err != nil {
			return err
		}
		if !m.IsDetector() {
			return fmt.Errorf("%s is not a detector (it has no TFLite_Detection_PostProcess op)", m.Name())
		}
		results := make([]detectResult, len(paths))
		failed := 0
		for i, p := range paths {
			results[i] = detectResult{Image: p}
			img, dets, err := m.DetectFile(p)
			if err == nil && *out != "" {
				dst := *out
				if outDir != "" {
					dst = filepath.Join(outDir, drawnName(p))
				}
				err = vision.SaveImage(dst, mobilenet.Draw(img, dets))
			}
			if err != nil {
				results[i].Error = err.Error()
				failed++
				fmt.Fprintf(stderr, "mobilenet detect: %s\n", oneLine(err.Error()))
				continue
			}
			results[i].Detections = dets
			if results[i].Detections == nil {
				results[i].Detections = []mobilenet.Detection{}
			}
		}
		if *cocoJSON != "" {
			if err := writeCOCOResults(*cocoJSON, results); err != nil {
				return err
			}
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(results); err != nil {
				return err
			}
		} else {
			for _, res := range results {
				if res.Error != "" {
					continue
				}
				fmt.Fprintf(stdout, "%s: %d detections\n", res.Image, len(res.Detections))
				for _, d := range res.Detections {
					fmt.Fprintf(stdout, "  %.3f  %-14s (%2d)  x %.0f-%.0f  y %.0f-%.0f\n", d.Score, d.Label, d.Class, d.Box.XMin, d.Box.XMax, d.Box.YMin, d.Box.YMax)
				}
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d images failed", failed, len(results))
		}
		return nil
	}
	register(c)
}

// drawnName names the drawn copy of an image: the same base name, as PNG unless it was a JPEG.
func drawnName(path string) string {
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	switch strings.ToLower(ext) {
	case ".jpg", ".jpeg":
		return stem + ".detections.jpg"
	}
	return stem + ".detections.png"
}

// cocoResult is one detection in COCO's result format.
type cocoResult struct {
	ImageID    int        `json:"image_id"`
	CategoryID int        `json:"category_id"`
	BBox       [4]float64 `json:"bbox"`
	Score      float64    `json:"score"`
}

// imageID returns the number that ends a file name's stem (COCO_val2014_000000000042.jpg → 42), or an
// error when there is none.
func imageID(path string) (int, error) {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	i := len(stem)
	for i > 0 && stem[i-1] >= '0' && stem[i-1] <= '9' {
		i--
	}
	if i == len(stem) || len(stem)-i > 12 {
		return 0, fmt.Errorf("--coco-json: %s: the file name does not end in an image id", path)
	}
	n := 0
	for _, c := range stem[i:] {
		n = 10*n + int(c-'0')
	}
	return n, nil
}

// writeCOCOResults writes the detections of results as a COCO result file, atomically.
func writeCOCOResults(path string, results []detectResult) error {
	out := []cocoResult{}
	for _, r := range results {
		if r.Error != "" {
			continue
		}
		id, err := imageID(r.Image)
		if err != nil {
			return err
		}
		for _, d := range r.Detections {
			out = append(out, cocoResult{ImageID: id, CategoryID: d.Class + 1, Score: float64(d.Score),
				BBox: [4]float64{float64(d.Box.XMin), float64(d.Box.YMin), float64(d.Box.XMax - d.Box.XMin), float64(d.Box.YMax - d.Box.YMin)}})
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error { return json.NewEncoder(w).Encode(out) })
}

// drawTarget checks the -o of a command that draws on n images: "" (draw nothing), an existing
// directory (returned: one drawn file per image in it) or, for one image, a .png or .jpg file.
func drawTarget(out string, n int) (dir string, err error) {
	if out == "" {
		return "", nil
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return out, nil
	}
	if n > 1 {
		return "", usagef("-o %s: with several images, -o must be an existing directory", out)
	}
	if ext := strings.ToLower(filepath.Ext(out)); ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
		return "", usagef("-o %s: want a .png, .jpg or .jpeg file, or a directory", out)
	}
	return "", nil
}
