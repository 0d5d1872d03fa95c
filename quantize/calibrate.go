// Package quantize turns a float network into an 8-bit one after training (post-training
// quantization), as TensorFlow Lite's converter does: it folds batch norm and activations into the
// convolutions (graph.Fold), runs calibration images through the float network while observers record
// the range of every activation, then builds the 8-bit graph of one of TFLite's two schemes (FACTS §9):
//
//   - Int8 (the default, TFLite's current scheme): activations asymmetric int8 per tensor; weights
//     symmetric int8 in [−127, 127], per output channel for convolutions (axis 0) and depthwise
//     convolutions (axis 3), per tensor for fully connected layers; int32 biases of scale s_x·s_w[c].
//   - Uint8 (the legacy scheme of the hosted MobileNet V1 files): everything asymmetric uint8 per tensor.
//
// Every range is widened to contain 0 and its zero point rounded and clamped, so that 0.0 is exact.
// Ops that pass values through (Reshape, pools, Concatenation as TFLite's converter treats it) keep
// their input's parameters; Softmax and Logistic have TFLite's fixed output parameters (scale 1/256).
// Like Google's files, the 8-bit graph takes the image's bytes directly: the float network's input
// (p − 127.5)/127.5 becomes uint8 p with scale 1/127.5 and zero point 128, or int8 p − 128 with scale
// 1/127.5 and zero point 0 (the same real values: each of the 256 bytes keeps its own code).
//
// The package sits above graph, the formats and train's data sets; it knows nothing of the command
// line or HTTP.
package quantize

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Scheme is an 8-bit quantization scheme.
type Scheme int

// The schemes.
const (
	Int8  Scheme = iota // int8 activations, symmetric int8 weights (per channel by default)
	Uint8               // uint8 everything, per tensor (legacy)
)

// String names the scheme as the command line does.
func (s Scheme) String() string {
	if s == Uint8 {
		return "uint8"
	}
	return "int8"
}

// Method is how an activation's range is chosen from what calibration saw.
type Method int

// The range methods.
const (
	MinMax     Method = iota // the smallest and largest values seen
	Percentile               // the central Options.Percentile % of the values seen
	MSE                      // the range that minimises the expected squared quantization error
)

// String names the method as the command line does.
func (m Method) String() string {
	switch m {
	case Percentile:
		return "percentile"
	case MSE:
		return "mse"
	}
	return "minmax"
}

// Options choose how a network is calibrated and quantized.
type Options struct {
	Scheme Scheme
	// PerTensor quantizes int8 convolution weights with one scale per tensor instead of one per
	// output channel. The uint8 scheme is always per tensor.
	PerTensor bool
	Range     Method
	// Percentile is the share of values, in percent, that the Percentile range keeps inside (the
	// rest is split between both tails); 0 means 99.99.
	Percentile float64
	// Threads splits each layer of the calibration runs; 0 means one per core.
	Threads int
	// Bins is the histogram resolution of the Percentile and MSE ranges; 0 means 2048.
	Bins int
	// Reference calibrates on the reference float kernels: slower, and the same ranges (so the same
	// file) on every amd64 CPU, whose fast kernels' last bits differ with the instruction set.
	Reference bool
}

func (o Options) percentile() float64 {
	if o.Percentile == 0 {
		return 99.99
	}
	return o.Percentile
}

func (o Options) bins() int {
	if o.Bins <= 0 {
		return 2048
	}
	return o.Bins
}

// Check refuses options out of range.
func (o Options) Check() error {
	switch {
	case o.Scheme != Int8 && o.Scheme != Uint8:
		return fmt.Errorf("quantize: unknown scheme %d", int(o.Scheme))
	case o.Range != MinMax && o.Range != Percentile && o.Range != MSE:
		return fmt.Errorf("quantize: unknown range method %d", int(o.Range))
	case o.Range == Percentile && !(o.percentile() > 50 && o.percentile() <= 100):
		return fmt.Errorf("quantize: percentile %g out of range (50, 100]", o.Percentile)
	case o.Bins > 1<<20:
		return fmt.Errorf("quantize: %d histogram bins, at most %d", o.Bins, 1<<20)
	}
	return nil
}

// Range is a closed interval of real values.
type Range struct{ Min, Max float64 }

// Calibration is what the calibration images showed: the range of every activation of the folded
// float network, by value id of Folded.
type Calibration struct {
	Folded *graph.Graph    // the float network with batch norm and activations folded (graph.Fold)
	Ranges map[int]Range   // activation value id → range chosen by the options' method
	Seen   map[int]Range   // activation value id → smallest and largest values seen
	Images int             // calibration images run
	Method Method          // how Ranges were chosen
	input  tensor.Shape    // the network's input at batch 1
	hists  map[int][]int64 // for Percentile and MSE: counts over Seen's range
}

// Input returns the network's input shape at batch 1 (NHWC): the size calibration images must have.
func (c *Calibration) Input() tensor.Shape { return c.input }

// InputShape checks that g is a network this package can calibrate (one float32 NHWC image input)
// and returns its height, width and channels.
func InputShape(g *graph.Graph) (h, w, c int, err error) {
	if len(g.Inputs) != 1 {
		return 0, 0, 0, fmt.Errorf("quantize: the model has %d inputs; calibration feeds one image", len(g.Inputs))
	}
	in := g.Values[g.Inputs[0]]
	if in.DType != tensor.Float32 {
		return 0, 0, 0, fmt.Errorf("quantize: the model's input %q is %v, not float32: it is already quantized", in.Name, in.DType)
	}
	if len(in.Shape) != 4 {
		return 0, 0, 0, fmt.Errorf("quantize: the model's input %q has shape %v, not an image (NHWC)", in.Name, in.Shape)
	}
	return in.Shape[1], in.Shape[2], in.Shape[3], nil
}

// Calibrate folds g (graph.Fold) and runs each image through it, observing every activation. An image
// is H·W·C bytes (HWC, 0..255) at the network's input size, fed as (p − 127.5)/127.5. It fails, in one
// line, for no images, an image of the wrong size, a non-finite activation (naming the value and the
// image) and a network the runtime cannot run.
func Calibrate(ctx context.Context, g *graph.Graph, images [][]uint8, opt Options) (*Calibration, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	h, w, c, err := InputShape(g)
	if err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("quantize: no calibration images")
	}
	per := h * w * c
	for i, im := range images {
		if len(im) != per {
			return nil, fmt.Errorf("quantize: calibration image %d has %d bytes, the model takes %d×%d×%d = %d", i, len(im), h, w, c, per)
		}
	}
	f := graph.Fold(g)
	prog, err := graph.Compile(f, graph.Options{Batch: 1, Threads: opt.Threads, Reference: opt.Reference})
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	ids := observed(f)
	cal := &Calibration{Folded: f, Ranges: map[int]Range{}, Seen: map[int]Range{}, Method: opt.Range, input: f.Values[f.Inputs[0]].Shape.Clone()}
	x, err := tensor.New(tensor.Float32, cal.input)
	if err != nil {
		return nil, err
	}
	// Pass 1: the smallest and largest value of each activation.
	lo, hi := map[int]float64{}, map[int]float64{}
	for _, id := range ids {
		lo[id], hi[id] = math.Inf(1), math.Inf(-1)
	}
	image := 0
	var bad error
	observe := func(id int, t *tensor.Tensor) {
		if bad != nil {
			return
		}
		l, u := lo[id], hi[id]
		for _, v := range t.F32 {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				bad = fmt.Errorf("quantize: calibration image %d makes %q %v (a non-finite activation): the float model is broken", image, cal.Folded.Values[id].Name, v)
				return
			}
			l, u = math.Min(l, f), math.Max(u, f)
		}
		lo[id], hi[id] = l, u
	}
	in := f.Inputs[0]
	for _, id := range ids {
		if id == in {
			continue
		}
		if err := prog.Observe(id, observe); err != nil {
			return nil, fmt.Errorf("quantize: %w", err)
		}
	}
	run := func() error {
		for image = range images {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("quantize: calibration stopped: %w", err)
			}
			fill(x.F32, images[image])
			observe(in, x)
			if _, err := prog.RunContext(ctx, x); err != nil {
				return fmt.Errorf("quantize: calibration image %d: %w", image, err)
			}
			if bad != nil {
				return bad
			}
		}
		return nil
	}
	if err := run(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		cal.Seen[id] = Range{lo[id], hi[id]}
	}
	cal.Images = len(images)
	if opt.Range == MinMax {
		cal.Ranges = cal.Seen
		return cal, nil
	}
	// Pass 2: a histogram of each activation over the range pass 1 found.
	bins := opt.bins()
	cal.hists = map[int][]int64{}
	for _, id := range ids {
		cal.hists[id] = make([]int64, bins)
	}
	prog, err = graph.Compile(f, graph.Options{Batch: 1, Threads: opt.Threads, Reference: opt.Reference})
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	observe = func(id int, t *tensor.Tensor) {
		r, hist := cal.Seen[id], cal.hists[id]
		width := r.Max - r.Min
		for _, v := range t.F32 {
			b := 0
			if width > 0 {
				b = min(int((float64(v)-r.Min)/width*float64(bins)), bins-1)
			}
			hist[max(b, 0)]++
		}
	}
	for _, id := range ids {
		if id == in {
			continue
		}
		if err := prog.Observe(id, observe); err != nil {
			return nil, fmt.Errorf("quantize: %w", err)
		}
	}
	if err := run(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if opt.Range == Percentile {
			cal.Ranges[id] = percentileRange(cal.Seen[id], cal.hists[id], opt.percentile())
		} else {
			cal.Ranges[id] = mseRange(cal.Seen[id], cal.hists[id], opt.Scheme)
		}
	}
	return cal, nil
}

// fill writes the float input of an image's bytes: (p − 127.5)/127.5.
func fill(dst []float32, px []uint8) {
	for i, p := range px {
		dst[i] = (float32(p) - 127.5) / 127.5
	}
}

// observed returns the activations of f that become 8-bit: the input and the float outputs of every
// node but the detection post-process (whose outputs stay float), in a fixed order.
func observed(f *graph.Graph) []int {
	ids := []int{f.Inputs[0]}
	for _, n := range f.Nodes {
		if _, ok := n.Op.(*graph.DetectionPostProcess); ok {
			continue
		}
		for _, id := range n.Outputs {
			if id >= 0 && f.Values[id].DType == tensor.Float32 {
				ids = append(ids, id)
			}
		}
	}
	sort.Ints(ids[1:])
	return ids
}

// binEdge returns the lower edge of bin b of a histogram of n bins over r.
func binEdge(r Range, n, b int) float64 { return r.Min + (r.Max-r.Min)*float64(b)/float64(n) }

// percentileRange returns the interval holding the central p % of the histogram's values: the edges
// past which (100 − p)/2 % of the values lie on each side.
func percentileRange(r Range, hist []int64, p float64) Range {
	var total int64
	for _, c := range hist {
		total += c
	}
	if total == 0 || r.Max <= r.Min {
		return r
	}
	tail := float64(total) * (100 - p) / 200
	n := len(hist)
	lo, hi := 0, n
	var acc int64
	for lo < n && float64(acc+hist[lo]) <= tail {
		acc += hist[lo]
		lo++
	}
	acc = 0
	for hi > lo+1 && float64(acc+hist[hi-1]) <= tail {
		acc += hist[hi-1]
		hi--
	}
	return Range{binEdge(r, n, lo), binEdge(r, n, hi)}
}

// mseRange returns the range that minimises the expected squared error of quantizing the histogram's
// values to the scheme's 256 codes: for each candidate, values inside cost Δ²/12 (Δ the step) and
// values outside the squared distance to the nearest end. Candidates shrink the seen range [lo, hi]
// towards 0 (keeping 0 inside, as quantization will) in 1/bins steps.
func mseRange(r Range, hist []int64, _ Scheme) Range {
	n := len(hist)
	if r.Max <= r.Min || n == 0 {
		return r
	}
	lo, hi := math.Min(r.Min, 0), math.Max(r.Max, 0)
	centre := func(b int) float64 { return r.Min + (r.Max-r.Min)*(float64(b)+0.5)/float64(n) }
	best, bestErr := r, math.Inf(1)
	for k := n; k >= 1; k-- {
		f := float64(k) / float64(n)
		a, b := lo*f, hi*f
		step := (b - a) / 255
		if step <= 0 {
			continue
		}
		var e float64
		for i, c := range hist {
			if c == 0 {
				continue
			}
			x := centre(i)
			switch {
			case x < a:
				e += float64(c) * (a - x) * (a - x)
			case x > b:
				e += float64(c) * (x - b) * (x - b)
			default:
				e += float64(c) * step * step / 12
			}
		}
		if e < bestErr {
			best, bestErr = Range{math.Max(a, r.Min), math.Min(b, r.Max)}, e
		}
	}
	return best
}
