package mobilenet

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/vision"
)

var builtinSegmenter struct {
	once sync.Once
	m    *Model
	err  error
}

// DefaultSegmenter returns the built-in segmentation model: DeepLab V3 on MobileNet V2 (depth multiplier
// 0.5), uint8, 513×513, with PASCAL VOC's 21 classes as its labels (WithLabels overrides them). With no
// options it returns one shared model.
func DefaultSegmenter(opts ...Option) (*Model, error) {
	load := func() (*Model, error) {
		all := append([]Option{WithLabels(PascalVOCLabels())}, opts...)
		return LoadBytes(assets.DefaultSegmenterName, assets.DefaultSegmenter, all...)
	}
	if len(opts) > 0 {
		return load()
	}
	b := &builtinSegmenter
	b.once.Do(func() { b.m, b.err = load() })
	return b.m, b.err
}

// PascalVOCLabels returns the 21 PASCAL VOC segmentation classes, "background" first.
func PascalVOCLabels() []string {
	text := strings.ReplaceAll(assets.PascalVOCLabels, "\r\n", "\n")
	// The file ends with a blank line and a note on the ignore label, which is not a class.
	if i := strings.Index(text, "\n\n"); i >= 0 {
		text = text[:i]
	}
	return parseLabels([]byte(text))
}

// Segmentation is the class of every pixel of an image, as a segmentation model computes it: the mask
// at the model's output size, which stands for the whole image (scaled by nearest neighbour).
type Segmentation struct {
	vision.Mask
	// ImageWidth and ImageHeight are the size of the image the mask covers.
	ImageWidth, ImageHeight int
	// Labels names the classes, index by index.
	Labels []string
}

// ClassShare is one class present in a segmentation and the share of the image's pixels it covers.
type ClassShare struct {
	Label string  `json:"label"`
	Index int     `json:"index"`
	Share float64 `json:"share"`
}

// Shares returns the classes present in the image, largest share first (ties by class index), with
// the fraction of the image's pixels each covers; the shares sum to 1.
func (s *Segmentation) Shares() ([]ClassShare, error) {
	counts, err := s.Counts(s.ImageWidth, s.ImageHeight)
	if err != nil {
		return nil, err
	}
	total := float64(s.ImageWidth) * float64(s.ImageHeight)
	shares := make([]ClassShare, 0, len(counts))
	for c, n := range counts {
		shares = append(shares, ClassShare{Label: s.label(int(c)), Index: int(c), Share: float64(n) / total})
	}
	sort.Slice(shares, func(i, j int) bool {
		if shares[i].Share != shares[j].Share {
			return shares[i].Share > shares[j].Share
		}
		return shares[i].Index < shares[j].Index
	})
	return shares, nil
}

func (s *Segmentation) label(c int) string {
	if c >= 0 && c < len(s.Labels) {
		return s.Labels[c]
	}
	return fmt.Sprint(c)
}

// DrawSegmentation returns a copy of img with the segmentation's classes blended over it in PASCAL
// VOC's palette (vision.SegmentColor, 55 % colour; background pixels are left as they are) and a
// legend in the top-left corner naming the classes present, largest first.
func DrawSegmentation(img image.Image, s *Segmentation) (*image.RGBA, error) {
	dst, err := vision.BlendMask(img, &s.Mask, 0.55)
	if err != nil {
		return nil, err
	}
	shares, err := s.Shares()
	if err != nil {
		return nil, err
	}
	var legend []vision.LegendEntry
	for _, c := range shares {
		if c.Index != 0 {
			legend = append(legend, vision.LegendEntry{Class: c.Index, Label: c.Label})
		}
	}
	vision.DrawLegend(dst, legend)
	return dst, nil
}

// segmentOutput returns the model's per-pixel class output ([1, H, W] int64 or int32 from an ArgMax
// over the channels) and the number of classes (the ArgMax input's channels), or ok = false.
func (m *Model) segmentOutput() (out *graph.Value, classes int, ok bool) {
	if len(m.g.Inputs) != 1 || len(m.g.Outputs) != 1 {
		return nil, 0, false
	}
	in := m.Input().Shape
	if len(in) != 4 || in[3] != 1 && in[3] != 3 {
		return nil, 0, false
	}
	id := m.g.Outputs[0]
	out = m.g.Values[id]
	if len(out.Shape) != 3 || out.Shape[0] != 1 || out.DType != tensor.Int64 && out.DType != tensor.Int32 {
		return nil, 0, false
	}
	for _, n := range m.g.Nodes {
		if a, isArgMax := n.Op.(*graph.ArgMax); isArgMax && len(n.Outputs) == 1 && n.Outputs[0] == id {
			x := m.g.Values[n.Inputs[0]].Shape
			if len(x) == 4 && (a.Axis == 3 || a.Axis == -1) {
				return out, x[3], true
			}
		}
	}
	return nil, 0, false
}

// IsSegmenter reports whether the model segments images: one image input (NHWC, one or three
// channels) and one output, the class of every pixel ([1, H, W] integers from an ArgMax over the
// channels), as DeepLab's TFLite models have.
func (m *Model) IsSegmenter() bool {
	_, _, ok := m.segmentOutput()
	return ok
}

// segmentLabels returns the model's labels when they name every class, else PASCAL VOC's for a
// 21-class model, else nil (classes are then shown by number).
func (m *Model) segmentLabels(classes int) []string {
	if len(m.labels) >= classes {
		return m.labels
	}
	if voc := PascalVOCLabels(); classes == len(voc) {
		return voc
	}
	return nil
}

// Segment computes the class of every pixel of img: the image is resized to the model's input (the
// whole image, as Preprocess does), and the model's class map stands for the image at its own size.
func (m *Model) Segment(img image.Image) (*Segmentation, error) {
	return m.SegmentContext(context.Background(), img)
}

// SegmentContext is Segment that gives up between two layers once ctx is done, with an error wrapping
// ctx.Err().
func (m *Model) SegmentContext(ctx context.Context, img image.Image) (*Segmentation, error) {
	outV, classes, ok := m.segmentOutput()
	if !ok {
		return nil, fmt.Errorf("%s is not a segmentation model (one image input, one [1, H, W] class output from an ARG_MAX)", m.name)
	}
	b := img.Bounds()
	if b.Dx() < 1 || b.Dy() < 1 {
		return nil, fmt.Errorf("the image has no pixels")
	}
	x, err := m.Preprocess(img)
	if err != nil {
		return nil, err
	}
	outs, err := m.RunContext(ctx, x)
	if err != nil {
		return nil, err
	}
	o := outs[0]
	s := &Segmentation{Mask: vision.Mask{Width: outV.Shape[2], Height: outV.Shape[1]},
		ImageWidth: b.Dx(), ImageHeight: b.Dy(), Labels: m.segmentLabels(classes)}
	s.Classes = make([]int32, o.Len())
	for i := range s.Classes {
		if o.DType == tensor.Int64 {
			s.Classes[i] = int32(o.I64[i])
		} else {
			s.Classes[i] = o.I32[i]
		}
	}
	return s, nil
}

// SegmentReader decodes an image (refused before decoding when its header claims more pixels than the
// limit) and segments it; it returns the decoded image too, for drawing.
func (m *Model) SegmentReader(r io.Reader) (image.Image, *Segmentation, error) {
	img, _, err := m.cfg.limits.Decode(r)
	if err != nil {
		return nil, nil, err
	}
	s, err := m.Segment(img)
	return img, s, err
}

// SegmentFile segments the image in a file.
func (m *Model) SegmentFile(path string) (image.Image, *Segmentation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	img, s, err := m.SegmentReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, s, nil
}
