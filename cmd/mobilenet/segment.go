package main

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/vision"
)

// segmentResult is one image's line in segment --json.
type segmentResult struct {
	Image   string                 `json:"image"`
	Width   int                    `json:"width,omitempty"`
	Height  int                    `json:"height,omitempty"`
	Classes []mobilenet.ClassShare `json:"classes,omitempty"`
	Error   string                 `json:"error,omitempty"`
}

func init() {
	c := &command{name: "segment", summary: "label every pixel of images with DeepLab V3 (the built-in PASCAL VOC model by default)",
		usage: "[--model M.tflite] [--labels FILE] [--rounding R] [--max-pixels N] [--json] [-o OUT.png] IMAGE|DIR ..."}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "a .tflite segmentation model ending in ARG_MAX (default: the built-in DeepLab V3 MobileNet V2 0.5 uint8, PASCAL VOC)")
		labelsPath := fs.String("labels", "", "label file, line i naming class i (default: the model's own, else PASCAL VOC for 21 classes)")
		rounding := roundingFlag(fs)
		maxPixels := fs.Int64("max-pixels", mobilenet.DefaultMaxPixels, "refuse images whose header claims more pixels, before decoding")
		asJSON := fs.Bool("json", false, "print one JSON object per image: {image, width, height, classes: [{label, index, share}]}")
		out := fs.String("o", "", "write the image with the classes blended over it: a .png or .jpg file for one image, or an existing directory")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() == 0:
			return usagef("no image given")
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
		opts := []mobilenet.Option{mobilenet.WithRounding(r), mobilenet.WithMaxPixels(*maxPixels)}
		m, err := loadModel(*model, *labelsPath, mobilenet.DefaultSegmenter, opts)
		if err != nil {
			return err
		}
		if !m.IsSegmenter() {
			return fmt.Errorf("%s is not a segmentation model (one image input and one [1, H, W] class output from an ARG_MAX)", m.Name())
		}
		failed := 0
		enc := json.NewEncoder(stdout)
		for _, p := range paths {
			res := segmentResult{Image: p}
			img, s, err := m.SegmentFile(p)
			if err == nil {
				res.Width, res.Height = s.ImageWidth, s.ImageHeight
				res.Classes, err = s.Shares()
			}
			if err == nil && *out != "" {
				dst := *out
				if outDir != "" {
					dst = filepath.Join(outDir, segmentedName(p))
				}
				err = saveSegmentation(dst, img, s)
			}
			if err != nil {
				failed++
				fmt.Fprintf(stderr, "mobilenet segment: %s\n", oneLine(err.Error()))
				res = segmentResult{Image: p, Error: oneLine(err.Error())}
			}
			switch {
			case *asJSON:
				if err := enc.Encode(res); err != nil {
					return err
				}
			case res.Error == "":
				fmt.Fprintf(stdout, "%s: %d×%d, %d classes\n", p, res.Width, res.Height, len(res.Classes))
				for _, c := range res.Classes {
					fmt.Fprintf(stdout, "  %6.2f%%  %-12s (%d)\n", 100*c.Share, c.Label, c.Index)
				}
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d images failed", failed, len(paths))
		}
		return nil
	}
	register(c)
}

// saveSegmentation writes the image with its segmentation blended over it.
func saveSegmentation(path string, img image.Image, s *mobilenet.Segmentation) error {
	drawn, err := mobilenet.DrawSegmentation(img, s)
	if err != nil {
		return err
	}
	return vision.SaveImage(path, drawn)
}

// segmentedName names the drawn copy of an image: the same base name, as PNG unless it was a JPEG.
func segmentedName(path string) string {
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	switch strings.ToLower(ext) {
	case ".jpg", ".jpeg":
		return stem + ".segmentation.jpg"
	}
	return stem + ".segmentation.png"
}
