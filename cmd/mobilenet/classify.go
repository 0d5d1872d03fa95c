package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/mobilenet-go/mobilenet"
)

// classifyResult is one image's entry in classify --json.
type classifyResult struct {
	Image       string                 `json:"image"`
	Predictions []mobilenet.Prediction `json:"predictions"`
	Error       string                 `json:"error,omitempty"`
}

// imageExts are the file name extensions a directory argument is searched for.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".webp": true}

func init() {
	c := &command{name: "classify", summary: "classify images with a MobileNet model (the built-in 0.75/192 uint8 model by default)",
		usage: "[--model M.tflite] [--labels FILE] [--top K] [--rounding R] [--threads N] [--crop F] [--max-pixels N] [--json] IMAGE|DIR ..."}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "a .tflite classifier (default: the built-in MobileNet V1 0.75/192 uint8)")
		labelsPath := fs.String("labels", "", "label file, one class per line (default: the model's own labels, else ImageNet)")
		top := fs.Int("top", 5, "how many classes to print per image, 1 to 1000 (fewer when the others score 0)")
		rounding := roundingFlag(fs)
		threads := fs.Int("threads", runtime.NumCPU(), "images classified at once")
		crop := fs.Float64("crop", 0, "keep the central fraction of the image before resizing, in (0, 1] (0.875 as in Inception's evaluation); 0 keeps all")
		maxPixels := fs.Int64("max-pixels", mobilenet.DefaultMaxPixels, "refuse images whose header claims more pixels, before decoding")
		asJSON := fs.Bool("json", false, "print a JSON array of {image, predictions}")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() == 0:
			return usagef("no image given")
		case *top < 1 || *top > 1000:
			return usagef("--top %d out of range: want 1 to 1000", *top)
		case *threads < 1 || *threads > 1024:
			return usagef("--threads %d out of range: want 1 to 1024", *threads)
		case *crop < 0 || *crop > 1:
			return usagef("--crop %g out of range: want a fraction in (0, 1], or 0 for none", *crop)
		case *maxPixels < 1:
			return usagef("--max-pixels %d: want at least 1", *maxPixels)
		}
		r, err := parseRounding(*rounding)
		if err != nil {
			return err
		}
		opts := []mobilenet.Option{mobilenet.WithRounding(r), mobilenet.WithCrop(*crop), mobilenet.WithMaxPixels(*maxPixels)}
		m, err := loadModel(*model, *labelsPath, mobilenet.Default, opts)
		if err != nil {
			return err
		}
		switch {
		case m.IsDetector():
			return fmt.Errorf("%s is a detector, not a classifier: use 'mobilenet detect --model %s'", *model, *model)
		case !m.IsClassifier():
			return fmt.Errorf("%s is not a classifier (one image input and one output of class scores): 'mobilenet run' prints its raw outputs", *model)
		case !m.ScoresAreProbabilities():
			fmt.Fprintf(stderr, "mobilenet classify: warning: %s does not end in a softmax: its scores are raw outputs, not probabilities\n", *model)
		}
		paths, err := expandImages(fs.Args())
		if err != nil {
			return err
		}
		results := classifyAll(m, paths, *top, *threads)
		failed := 0
		for _, res := range results {
			if res.Error != "" {
				failed++
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
				fmt.Fprintln(stdout, res.Image)
				for _, p := range res.Predictions {
					fmt.Fprintf(stdout, "  %.4f  %s (%d)\n", p.Score, p.Label, p.Index)
				}
			}
		}
		for _, res := range results {
			if res.Error != "" {
				fmt.Fprintf(stderr, "mobilenet classify: %s\n", oneLine(res.Error))
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d images could not be classified", failed, len(results))
		}
		return nil
	}
	register(c)
}

// expandImages replaces each directory argument by the image files in it (sorted; not recursive).
func expandImages(args []string) ([]string, error) {
	var paths []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			paths = append(paths, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
				found = append(found, filepath.Join(a, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no image files (%s)", a, "jpg, jpeg, png, gif, bmp, webp")
		}
		sort.Strings(found)
		paths = append(paths, found...)
	}
	return paths, nil
}

// classifyAll classifies the images with up to threads at once, keeping the order of paths.
func classifyAll(m *mobilenet.Model, paths []string, top, threads int) []classifyResult {
	results := make([]classifyResult, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(threads, len(paths)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				preds, err := m.ClassifyFile(paths[i], top)
				results[i] = classifyResult{Image: paths[i], Predictions: preds}
				if err != nil {
					results[i].Error = err.Error()
				}
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}
