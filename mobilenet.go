// Package mobilenet classifies images with MobileNet, in pure Go.
//
// Load opens a TensorFlow Lite model (float, uint8 or int8 per-channel), Default returns the built-in
// MobileNet V1 0.75/192 uint8 classifier, and Classify gives the top predictions for an image:
//
//	m, err := mobilenet.Default()
//	...
//	preds, err := m.Classify(img, 5)
//	fmt.Println(preds[0].Label, preds[0].Score)
//
// A Model is safe for concurrent use. The packages below this one (graph, models/mobilenetv1,
// formats/tflite, vision, kernels) are the building blocks for other uses.
package mobilenet

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/vision"
)

// Rounding selects the arithmetic of 8-bit models: XNNPACK (the default, what TFLite computes on a CPU)
// or Reference (TFLite's reference kernels and TFLite Micro).
type Rounding = qmath.Rounding

// The two arithmetics of 8-bit models.
const (
	XNNPACK   = qmath.XNNPACK
	Reference = qmath.Reference
)

// DefaultMaxPixels is the largest image, in pixels, that Classify decodes unless told otherwise.
const DefaultMaxPixels = 100_000_000

// Option changes how Load prepares a model.
type Option func(*config)

type config struct {
	rounding      Rounding
	labels        []string
	crop          float64
	limits        vision.Limits
	threshold     float64
	maxDetections int
}

// WithRounding chooses the arithmetic of 8-bit models.
func WithRounding(r Rounding) Option { return func(c *config) { c.rounding = r } }

// WithLabels gives the class names, overriding those embedded in the model.
func WithLabels(labels []string) Option { return func(c *config) { c.labels = labels } }

// WithCrop keeps the central fraction f of the image before resizing (0.875 is the Inception
// evaluation crop); 0 or 1 keeps the whole image.
func WithCrop(f float64) Option { return func(c *config) { c.crop = f } }

// WithThreshold keeps the detections scoring at least t (default 0.5).
func WithThreshold(t float64) Option { return func(c *config) { c.threshold = t } }

// WithMaxDetections keeps at most n detections per image (0: all the model gives).
func WithMaxDetections(n int) Option { return func(c *config) { c.maxDetections = n } }

// WithMaxPixels refuses images whose header claims more than n pixels, before decoding them.
func WithMaxPixels(n int64) Option { return func(c *config) { c.limits.MaxPixels = n } }

// WithMaxProgressivePixels refuses progressive JPEGs whose header claims more than n pixels, before
// decoding them (default vision.DefaultMaxProgressivePixels): Go's decoder holds every DCT coefficient
// of a progressive image, up to 12 bytes a pixel.
func WithMaxProgressivePixels(n int64) Option {
	return func(c *config) { c.limits.MaxProgressivePixels = n }
}

// Model is a loaded model ready to classify images.
type Model struct {
	name   string
	g      *graph.Graph
	tfl    *tflite.Model
	labels []string
	cfg    config
	progs  programs
}

// programs keeps a Model's compiled programs (batch 1) for reuse: as many as callers have run at
// once, for the Model's life. A sync.Pool would drop them at every garbage collection, and the next
// call would pay for a compilation.
type programs struct {
	mu   sync.Mutex
	free []*graph.Program
}

// get returns a free program, or nil when every program is in use.
func (ps *programs) get() *graph.Program {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := len(ps.free)
	if n == 0 {
		return nil
	}
	p := ps.free[n-1]
	ps.free = ps.free[:n-1]
	return p
}

// put gives a program back.
func (ps *programs) put(p *graph.Program) {
	ps.mu.Lock()
	ps.free = append(ps.free, p)
	ps.mu.Unlock()
}

// Prediction is one class of a classification result.
type Prediction struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Load reads a model file: a .tflite model, or a checkpoint (.safetensors, see formats/checkpoint) of
// any builder's network, training checkpoints included, whose labels it carries.
func Load(path string, opts ...Option) (*Model, error) {
	g, tm, labels, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	if tm == nil {
		g = graph.Fold(g)
	}
	if labels != nil {
		opts = append([]Option{WithLabels(labels)}, opts...)
	}
	return newModel(filenameBase(path), g, tm, opts)
}

// ReadGraph reads the network of a model file without preparing it to run: a .tflite model's graph, or
// a checkpoint's (.safetensors, any builder's, training checkpoints included) in its training form,
// whose batch norm parameters a cost report counts (graph.Fold gives its inference form).
func ReadGraph(path string) (*graph.Graph, error) {
	g, _, _, err := readModelFile(path)
	return g, err
}

// readModelFile reads a model file, choosing its reader by its name: a checkpoint (.safetensors) gives
// its network in training form and its labels (nil when it has none); any other file is read as a
// .tflite model, which is returned with its graph.
func readModelFile(path string) (*graph.Graph, *tflite.Model, []string, error) {
	if strings.HasSuffix(path, ".safetensors") {
		ck, err := checkpoint.Load(path, checkpoint.MaxBytes, checkpoint.OptimizerPrefix)
		if err != nil {
			return nil, nil, nil, err
		}
		return ck.Graph, nil, ck.Labels, nil
	}
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := m.Graph()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, m, nil, nil
}

// LoadBytes reads a .tflite model held in memory; name is used in messages.
func LoadBytes(name string, b []byte, opts ...Option) (*Model, error) {
	m, err := tflite.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	g, err := m.Graph()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return newModel(name, g, m, opts)
}

// builtin is a model built into the binary, loaded once when first asked for without options.
type builtin struct {
	name string
	data []byte
	once sync.Once
	m    *Model
	err  error
}

// load returns the shared model, or a new one when options change it.
func (b *builtin) load(opts []Option) (*Model, error) {
	if len(opts) > 0 {
		return LoadBytes(b.name, b.data, opts...)
	}
	b.once.Do(func() { b.m, b.err = LoadBytes(b.name, b.data) })
	return b.m, b.err
}

var builtinClassifier = &builtin{name: assets.DefaultClassifierName, data: assets.DefaultClassifier}

// Default returns the built-in classifier, MobileNet V1 0.75/192 uint8 with the ImageNet labels.
// With no options it returns one shared model.
func Default(opts ...Option) (*Model, error) { return builtinClassifier.load(opts) }

// newModel prepares a graph for use; tm is the .tflite file it came from, or nil.
func newModel(name string, g *graph.Graph, tm *tflite.Model, opts []Option) (*Model, error) {
	cfg := config{rounding: XNNPACK, limits: vision.Limits{MaxPixels: DefaultMaxPixels}, threshold: 0.5}
	for _, o := range opts {
		o(&cfg)
	}
	m := &Model{name: name, g: g, tfl: tm, cfg: cfg}
	// Compile once now, so that a model that cannot run is refused at load time.
	p, err := m.compile()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m.progs.put(p)
	m.labels = cfg.labels
	if m.labels == nil {
		classes := m.classes()
		pp := postProcess(g)
		if pp != nil {
			classes = pp.Options.NumClasses
		}
		m.labels = embeddedLabels(tm, classes)
		if m.labels == nil && pp != nil && classes == len(COCOLabels()) {
			m.labels = COCOLabels()
		}
	}
	return m, nil
}

func (m *Model) compile() (*graph.Program, error) {
	return graph.Compile(m.g, graph.Options{Batch: 1, Rounding: m.cfg.rounding})
}

// Name returns the model's file name.
func (m *Model) Name() string { return m.name }

// Graph returns the model's graph (shared: do not modify it).
func (m *Model) Graph() *graph.Graph { return m.g }

// TFLite returns the parsed .tflite file the model came from, or nil for a trained checkpoint.
func (m *Model) TFLite() *tflite.Model { return m.tfl }

// Labels returns the class names, index by index.
func (m *Model) Labels() []string { return m.labels }

// Input returns the model's first input: its type, shape (batch 1) and quantization.
func (m *Model) Input() *graph.Value { return m.g.Values[m.g.Inputs[0]] }

// IsClassifier reports whether the model classifies images: one image input (NHWC, one or three
// channels) and one output, a vector of class scores ([classes] or [1, classes]).
func (m *Model) IsClassifier() bool {
	if len(m.g.Inputs) != 1 || len(m.g.Outputs) != 1 {
		return false
	}
	in, out := m.Input().Shape, m.g.Values[m.g.Outputs[0]].Shape
	if len(in) != 4 || in[3] != 1 && in[3] != 3 {
		return false
	}
	return len(out) == 1 || len(out) == 2 && out[0] == 1
}

// ScoresAreProbabilities reports whether the first output is computed by a softmax or a logistic
// (possibly through reshapes): whether Classify's scores are probabilities rather than raw activations
// such as logits.
func (m *Model) ScoresAreProbabilities() bool {
	id := m.g.Outputs[0]
	for i := len(m.g.Nodes) - 1; i >= 0; i-- {
		n := m.g.Nodes[i]
		if !slices.Contains(n.Outputs, id) {
			continue
		}
		switch n.Op.(type) {
		case *graph.Softmax, *graph.Logistic:
			return true
		case *graph.Reshape, *graph.Quantize, *graph.Dequantize:
			id = n.Inputs[0]
		default:
			return false
		}
	}
	return false
}

// classes returns the length of the first output's last dimension.
func (m *Model) classes() int {
	s := m.g.Values[m.g.Outputs[0]].Shape
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

// Run executes the model on raw input tensors (one per model input, batch 1) and returns copies of
// every output tensor.
func (m *Model) Run(inputs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	return m.RunContext(context.Background(), inputs...)
}

// RunContext is Run that gives up between two layers once ctx is done, with an error wrapping
// ctx.Err().
func (m *Model) RunContext(ctx context.Context, inputs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	p, err := m.program()
	if err != nil {
		return nil, err
	}
	defer m.progs.put(p)
	outs, err := p.RunContext(ctx, inputs...)
	if err != nil {
		return nil, err
	}
	copies := make([]*tensor.Tensor, len(outs))
	for i, o := range outs {
		c, err := tensor.New(o.DType, o.Shape)
		if err != nil {
			return nil, err
		}
		c.Quant = o.Quant
		if err := c.CopyFrom(o); err != nil {
			return nil, err
		}
		copies[i] = c
	}
	return copies, nil
}

func (m *Model) program() (*graph.Program, error) {
	if p := m.progs.get(); p != nil {
		return p, nil
	}
	return m.compile()
}

// Preprocess turns an image into the model's input tensor: central crop (when configured), bilinear
// resize to the input size (TFLite's label_image: align_corners and half_pixel_centers false), then the
// input's normalisation: float (x − 127.5)/127.5, uint8 raw, int8 x − 128; one-channel models take the
// ITU-R 601 luma. It converts only the pixels the resize reads (vision.ResizeImage): its memory is
// that of the input tensor, whatever the size of img.
func (m *Model) Preprocess(img image.Image) (*tensor.Tensor, error) {
	in := m.Input()
	if len(in.Shape) != 4 {
		return nil, fmt.Errorf("%s: input shape %v is not an image (NHWC)", m.name, in.Shape)
	}
	_, h, w, c := in.Shape.NHWC()
	crop := m.cfg.crop
	if !(crop > 0 && crop < 1) {
		crop = 0
	}
	px, err := vision.ResizeImage(img, h, w, c, crop)
	if err != nil {
		return nil, err
	}
	t := &tensor.Tensor{Shape: in.Shape.Clone(), DType: in.DType, Quant: in.Quant}
	switch in.DType {
	case tensor.Float32:
		t.F32 = px.Float32(127.5, 127.5)
	case tensor.Uint8:
		t.U8 = px.Uint8()
	case tensor.Int8:
		t.I8 = px.Int8()
	default:
		return nil, fmt.Errorf("%s: cannot feed an image to a %v input", m.name, in.DType)
	}
	return t, nil
}

// Classify returns the k most probable classes of img, best first. Scores are the model's outputs
// dequantized (code × scale for 8-bit models). When they are probabilities (ScoresAreProbabilities),
// classes of score 0 are left out after the first, so fewer than k may come back. It refuses a model
// that is not a classifier (IsClassifier).
func (m *Model) Classify(img image.Image, k int) ([]Prediction, error) {
	return m.ClassifyContext(context.Background(), img, k)
}

// ClassifyContext is Classify that gives up between two layers once ctx is done, with an error
// wrapping ctx.Err().
func (m *Model) ClassifyContext(ctx context.Context, img image.Image, k int) ([]Prediction, error) {
	if !m.IsClassifier() {
		return nil, m.notClassifier()
	}
	x, err := m.Preprocess(img)
	if err != nil {
		return nil, err
	}
	outs, err := m.RunContext(ctx, x)
	if err != nil {
		return nil, err
	}
	return m.top(outs[0], k), nil
}

// ClassifyReader decodes an image (JPEG, PNG, GIF, BMP or WebP; refused before decoding when its
// header claims more pixels than the limits) and classifies it.
func (m *Model) ClassifyReader(r io.Reader, k int) ([]Prediction, error) {
	img, _, err := m.cfg.limits.Decode(r)
	if err != nil {
		return nil, err
	}
	return m.Classify(img, k)
}

// ClassifyFile classifies the image in a file.
func (m *Model) ClassifyFile(path string, k int) ([]Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := m.ClassifyReader(f, k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func (m *Model) top(out *tensor.Tensor, k int) []Prediction {
	scores := out.Floats()
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	probabilities := m.ScoresAreProbabilities()
	var preds []Prediction
	for _, j := range idx[:max(0, min(k, len(idx)))] {
		if probabilities && len(preds) > 0 && !(scores[j] > 0) {
			break
		}
		preds = append(preds, Prediction{Index: j, Label: m.label(j), Score: scores[j]})
	}
	return preds
}

// notClassifier is the error of classifying with a model that is not a classifier.
func (m *Model) notClassifier() error {
	in := m.Input().Shape
	out := m.g.Values[m.g.Outputs[0]].Shape
	if m.IsDetector() {
		return fmt.Errorf("%s is a detector, not a classifier (use Detect)", m.name)
	}
	return fmt.Errorf("%s is not a classifier: %d inputs (the first %v) and %d outputs (the first %v); want one image input and one output of class scores",
		m.name, len(m.g.Inputs), in, len(m.g.Outputs), out)
}

func (m *Model) label(i int) string {
	if i < len(m.labels) {
		return m.labels[i]
	}
	return strconv.Itoa(i)
}

// ReadLabels reads a label file: one class name per line, blank trailing lines ignored; lines of the form
// "N name" where N counts from 0 (the iNaturalist bird labels) give the names alone.
func ReadLabels(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	labels := parseLabels(b)
	if len(labels) == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	return labels, nil
}

func parseLabels(b []byte) []string {
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return stripIndexes(lines)
}

// ImageNetLabels returns the built-in ImageNet labels for a model with the given number of classes:
// 1001 with "background" first, or 1000 without it; nil for other counts.
func ImageNetLabels(classes int) []string {
	all := parseLabels([]byte(assets.ImageNetLabels))
	switch classes {
	case len(all):
		return all
	case len(all) - 1:
		return all[1:]
	}
	return nil
}

// embeddedLabels returns the labels packed in the model's associated files (the .txt file with one
// line per class), else the built-in ImageNet list when the class count fits, else nil.
func embeddedLabels(tm *tflite.Model, classes int) []string {
	if tm == nil {
		return ImageNetLabels(classes)
	}
	if files, err := tm.AssociatedFiles(); err == nil {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if l := parseLabels(files[n]); strings.HasSuffix(n, ".txt") && len(l) == classes {
				return l
			}
		}
	}
	return ImageNetLabels(classes)
}

func filenameBase(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
