package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mobilenet-go/mobilenet/detect/eval"
)

// cocoEvalJSON is the --json output of coco-eval: pycocotools' 12 box stats, in its order.
type cocoEvalJSON struct {
	AP       float64 `json:"ap"`
	AP50     float64 `json:"ap50"`
	AP75     float64 `json:"ap75"`
	APSmall  float64 `json:"ap_small"`
	APMedium float64 `json:"ap_medium"`
	APLarge  float64 `json:"ap_large"`
	AR1      float64 `json:"ar1"`
	AR10     float64 `json:"ar10"`
	AR100    float64 `json:"ar100"`
	ARSmall  float64 `json:"ar_small"`
	ARMedium float64 `json:"ar_medium"`
	ARLarge  float64 `json:"ar_large"`
}

func init() {
	c := &command{name: "coco-eval", summary: "score COCO detection results against ground truth, as pycocotools does",
		usage: "--gt GT.json --dt DETECTIONS.json [--json]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		gtPath := fs.String("gt", "", "COCO ground-truth (instances) JSON file (required)")
		dtPath := fs.String("dt", "", "COCO results JSON file: [{image_id, category_id, bbox, score}, …] (required)")
		asJSON := fs.Bool("json", false, "print one JSON object of the 12 stats instead of pycocotools' lines")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *gtPath == "" || *dtPath == "":
			return usagef("--gt and --dt are required")
		}
		ds, err := readCOCOFile(*gtPath, eval.ReadGroundTruth)
		if err != nil {
			return err
		}
		dt, err := readCOCOFile(*dtPath, eval.ReadResults)
		if err != nil {
			return err
		}
		res, err := ds.Evaluate(dt)
		if err != nil {
			return fmt.Errorf("--dt %s: %w", *dtPath, err)
		}
		if res.LeftOut > 0 {
			fmt.Fprintf(stderr, "mobilenet coco-eval: %d detections of categories not in the ground truth left out, as pycocotools does\n", res.LeftOut)
		}
		if !*asJSON {
			_, err := io.WriteString(stdout, res.Summary())
			return err
		}
		s := res.Stats
		return json.NewEncoder(stdout).Encode(cocoEvalJSON{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]})
	}
	register(c)
}

// readCOCOFile opens path and reads it with read.
func readCOCOFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
