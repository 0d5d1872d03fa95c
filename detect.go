package mobilenet

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/vision"
)

// Detection is one object found in an image.
type Detection struct {
	Label string  `json:"label"`
	Class int     `json:"class"` // 0-based index into the label map, as the model outputs it (COCO: 0 = person)
	Score float64 `json:"score"`
	Box   Box     `json:"box"`
}

// Box is a rectangle in pixels of the original image.
type Box struct {
	XMin float64 `json:"x_min"`
	YMin float64 `json:"y_min"`
	XMax float64 `json:"x_max"`
	YMax float64 `json:"y_max"`
}

var builtinDetector = &builtin{name: assets.DefaultDetectorName, data: assets.DefaultDetector}

// DefaultDetector returns the built-in object detector, the COCO SSD MobileNet V1 uint8 model with the
// COCO labels. With no options it returns one shared model.
func DefaultDetector(opts ...Option) (*Model, error) { return builtinDetector.load(opts) }

// COCOLabels returns the built-in COCO label map (90 entries; "???" where COCO has no class).
func COCOLabels() []string { return parseLabels([]byte(assets.COCOLabels)) }

// postProcess returns the model's detection post-process op, or nil for a model that is not a detector.
func postProcess(g *graph.Graph) *graph.DetectionPostProcess {
	for _, n := range g.Nodes {
		if d, ok := n.Op.(*graph.DetectionPostProcess); ok {
			return d
		}
	}
	return nil
}

// IsDetector reports whether the model ends in an SSD detection post-process (boxes, classes, scores,
// count).
func (m *Model) IsDetector() bool { return postProcess(m.g) != nil && len(m.g.Outputs) == 4 }

// Detect finds objects in img: the detections scoring at least the threshold (WithThreshold, 0.5 by
// default), best first, at most WithMaxDetections of them, with boxes in pixels of img.
func (m *Model) Detect(img image.Image) ([]Detection, error) {
	return m.DetectContext(context.Background(), img)
}

// DetectContext is Detect that gives up between two layers once ctx is done, with an error wrapping
// ctx.Err().
func (m *Model) DetectContext(ctx context.Context, img image.Image) ([]Detection, error) {
	if !m.IsDetector() {
		return nil, fmt.Errorf("%s is not a detector (it has no TFLite_Detection_PostProcess op)", m.name)
	}
	x, err := m.Preprocess(img)
	if err != nil {
		return nil, err
	}
	outs, err := m.RunContext(ctx, x)
	if err != nil {
		return nil, err
	}
	boxes, classes, scores, count := outs[0].F32, outs[1].F32, outs[2].F32, int(outs[3].F32[0])
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	at := func(v float32, size float64) float64 { return min(max(float64(v), 0), 1) * size }
	var dets []Detection
	for i := 0; i < min(count, len(scores)); i++ {
		if float64(scores[i]) < m.cfg.threshold {
			continue
		}
		c := int(classes[i])
		dets = append(dets, Detection{Label: m.label(c), Class: c, Score: float64(scores[i]),
			Box: Box{XMin: at(boxes[4*i+1], w), YMin: at(boxes[4*i], h), XMax: at(boxes[4*i+3], w), YMax: at(boxes[4*i+2], h)}})
		if m.cfg.maxDetections > 0 && len(dets) == m.cfg.maxDetections {
			break
		}
	}
	return dets, nil
}

// DetectReader decodes an image (refused before decoding when its header claims more pixels than the
// limit) and detects objects in it; it returns the decoded image too, for drawing.
func (m *Model) DetectReader(r io.Reader) (image.Image, []Detection, error) {
	img, _, err := m.cfg.limits.Decode(r)
	if err != nil {
		return nil, nil, err
	}
	dets, err := m.Detect(img)
	return img, dets, err
}

// DetectFile detects objects in the image in a file.
func (m *Model) DetectFile(path string) (image.Image, []Detection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	img, dets, err := m.DetectReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, dets, nil
}

// Draw returns a copy of img with the detections drawn: a box and a "label score" tag per detection,
// coloured by class, sized to be legible at any image size.
func Draw(img image.Image, dets []Detection) *image.RGBA {
	boxes := make([]vision.Box, len(dets))
	for i, d := range dets {
		boxes[i] = vision.Box{XMin: d.Box.XMin, YMin: d.Box.YMin, XMax: d.Box.XMax, YMax: d.Box.YMax,
			Class: d.Class, Label: d.Label, Score: d.Score}
	}
	return vision.DrawBoxes(img, boxes)
}
