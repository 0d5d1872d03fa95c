// Package checkpoint saves and loads the weights of any builder's network as a safetensors file.
//
// A checkpoint holds every float32 constant of the network's training form (weights, biases, batch norm
// parameters and moving statistics, anchors), under the constant's name, plus any extra tensors of the
// caller (a training run's optimizer state), and string metadata:
//
//	format   mobilenet-go-checkpoint-2
//	builder  mobilenet_v1 | ssd_mobilenet_v1 | mobilenet_v2 | mobilenet_v3_large | mobilenet_v3_small
//	config   the builder's configuration as JSON (mobilenetv1.Config, ssd.Config), every default explicit
//	labels   optional: the class names, a JSON list of strings, one per class
//
// and whatever other keys the caller adds (a training run's position). Load rebuilds the network from
// builder and config and fills every constant from the file, bit for bit. It refuses what it cannot
// rebuild with a one-line error: an unknown format or builder, a builder not available in this version,
// a configuration with an unknown field or a value out of range, a missing or unknown tensor, a tensor
// of another shape, a weight that is NaN or infinite (Save refuses to write those too). It counts the
// floats the configuration allocates before building, and refuses a configuration that needs more than
// the file holds.
//
// Files of format mobilenet-go-checkpoint-1 (written by the training code before this package, MobileNet
// V1 only, its configuration in the keys alpha, resolution, channels, classes, full_conv and min_depth)
// load as builder mobilenet_v1.
package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// The format names recorded in the metadata key "format".
const (
	Format   = "mobilenet-go-checkpoint-2" // what Save writes
	FormatV1 = "mobilenet-go-checkpoint-1" // the training code's first format, still read
)

// Metadata keys with a meaning to this package; Save refuses format, builder and config from the caller.
const (
	KeyFormat  = "format"
	KeyBuilder = "builder"
	KeyConfig  = "config"
	KeyLabels  = "labels"
)

// OptimizerPrefix starts the names of a training run's optimizer state tensors
// ("optimizer/<parameter>/<slot>"). A caller that only wants the network passes it to Load so that
// such tensors are accepted (and returned in File.Extra) rather than refused as unknown.
const OptimizerPrefix = "optimizer/"

// MaxBytes is a sensible bound on the size of a checkpoint to read (2 GiB).
const MaxBytes = 2 << 30

// File is a checkpoint read back.
type File struct {
	Graph    *graph.Graph      // the network, training form, every constant from the file
	Format   string            // Format or FormatV1
	Builder  string            // the builder's name, e.g. MobileNetV1
	Config   json.RawMessage   // the builder's configuration, every field explicit
	Labels   []string          // class names, one per class; nil when the file has none
	Metadata map[string]string // all the metadata, as in the file
	// Extra holds the tensors whose names start with one of the prefixes given to Load, in file order.
	// Their Data share memory with the bytes read.
	Extra []safetensors.Tensor
}

// Save writes g's float32 constants, the extra tensors (nil for none) and the metadata to path,
// atomically (a temporary file, synced, then renamed). builder names how to rebuild g and config is that
// builder's configuration (mobilenetv1.Config for MobileNetV1, ssd.Config for SSDMobileNetV1, or its
// JSON as json.RawMessage); its defaults are recorded explicitly. g's constants must be those the
// builder makes for config (names and shapes). meta (nil for none) may not set format, builder or
// config; labels, if set, must be a JSON list of one string per class. Extra tensors must not share a
// name with a constant; Load refuses them unless their names start with a prefix it is given.
func Save(path string, g *graph.Graph, builder string, config any, meta map[string]string, extra []safetensors.Tensor) error {
	ts, md, err := encode(g, builder, config, meta, extra)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return safetensors.Write(w, ts, md) })
}

// Write writes what Save writes to w, not atomically.
func Write(w io.Writer, g *graph.Graph, builder string, config any, meta map[string]string, extra []safetensors.Tensor) error {
	ts, md, err := encode(g, builder, config, meta, extra)
	if err != nil {
		return err
	}
	return safetensors.Write(w, ts, md)
}

// encode checks g against the builder and returns the tensors and the metadata to write.
func encode(g *graph.Graph, builder string, config any, meta map[string]string, extra []safetensors.Tensor) ([]safetensors.Tensor, map[string]string, error) {
	if g == nil {
		return nil, nil, fmt.Errorf("checkpoint: no graph to save")
	}
	b, err := lookup(builder)
	if err != nil {
		return nil, nil, err
	}
	raw, ref, err := b.canonical(config)
	if err != nil {
		return nil, nil, err
	}
	p, err := b.plan(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: the recorded configuration would not load: %v", err)
	}
	md := map[string]string{}
	for k, v := range meta {
		if k == KeyFormat || k == KeyBuilder || k == KeyConfig {
			return nil, nil, fmt.Errorf("checkpoint: metadata key %q is reserved", k)
		}
		md[k] = v
	}
	if v, ok := md[KeyLabels]; ok {
		if _, err := parseLabels(v, p.classes); err != nil {
			return nil, nil, err
		}
	}
	md[KeyFormat], md[KeyBuilder], md[KeyConfig] = Format, builder, string(raw)

	want := map[string]*graph.Value{}
	for _, v := range ref.Values {
		if v.Const() {
			want[v.Name] = v
		}
	}
	var ts []safetensors.Tensor
	for _, v := range g.Values {
		if !v.Const() {
			continue
		}
		w := want[v.Name]
		switch {
		case w == nil:
			return nil, nil, fmt.Errorf("checkpoint: constant %q is not part of %s with this configuration", v.Name, builder)
		case v.Data.DType != tensor.Float32:
			return nil, nil, fmt.Errorf("checkpoint: constant %q is %v; checkpoints hold float32", v.Name, v.Data.DType)
		case !v.Shape.Equal(w.Shape) || len(v.Data.F32) != w.Shape.Size():
			return nil, nil, fmt.Errorf("checkpoint: constant %q has shape %v, %s with this configuration makes %v", v.Name, v.Shape, builder, w.Shape)
		}
		if err := finite(v.Name, v.Data.F32); err != nil {
			return nil, nil, err
		}
		delete(want, v.Name)
		ts = append(ts, safetensors.FromFloat32(v.Name, v.Shape, v.Data.F32))
	}
	for _, v := range ref.Values {
		if v.Const() && want[v.Name] != nil {
			return nil, nil, fmt.Errorf("checkpoint: the graph lacks constant %q of %s", v.Name, builder)
		}
	}
	return append(ts, extra...), md, nil
}

// Load reads the checkpoint at path (refusing a file larger than maxBytes; ≤ 0: no limit besides
// memory) and rebuilds its network. Tensors whose names start with one of extraPrefixes are returned in
// File.Extra; any other tensor must be a constant of the network.
func Load(path string, maxBytes int64, extraPrefixes ...string) (*File, error) {
	sf, err := safetensors.ReadFile(path, maxBytes)
	if err != nil {
		return nil, err
	}
	f, err := decode(sf, extraPrefixes)
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, path)
	}
	return f, nil
}

// Read is Load for a checkpoint held in memory. The extra tensors share memory with data.
func Read(data []byte, extraPrefixes ...string) (*File, error) {
	sf, err := safetensors.Read(data)
	if err != nil {
		return nil, err
	}
	return decode(sf, extraPrefixes)
}

// decode rebuilds the network of a parsed safetensors file.
func decode(sf *safetensors.File, extraPrefixes []string) (*File, error) {
	md := sf.Metadata
	f := &File{Metadata: md, Format: md[KeyFormat]}
	var raw []byte
	switch f.Format {
	case Format:
		var ok bool
		if f.Builder, ok = md[KeyBuilder]; !ok {
			return nil, fmt.Errorf("checkpoint: metadata lacks %q", KeyBuilder)
		}
		c, ok := md[KeyConfig]
		if !ok {
			return nil, fmt.Errorf("checkpoint: metadata lacks %q", KeyConfig)
		}
		raw = []byte(c)
	case FormatV1:
		var err error
		if raw, err = configV1(md); err != nil {
			return nil, err
		}
		f.Builder = MobileNetV1
	case "":
		if md == nil {
			return nil, fmt.Errorf("checkpoint: the file has no metadata: not a mobilenet-go checkpoint")
		}
		return nil, fmt.Errorf("checkpoint: metadata lacks %q: not a mobilenet-go checkpoint", KeyFormat)
	default:
		return nil, fmt.Errorf("checkpoint: format %s is not supported (this version reads %s and %s)", quote(f.Format), Format, FormatV1)
	}
	b, err := lookup(f.Builder)
	if err != nil {
		return nil, err
	}
	p, err := b.plan(raw)
	if err != nil {
		return nil, err
	}
	if f.Config, err = json.Marshal(p.config); err != nil {
		return nil, fmt.Errorf("checkpoint: %s config: %v", f.Builder, err)
	}

	// The build allocates p.floats: refuse a configuration larger than the file before building.
	var model []*safetensors.Tensor
	var held int64
	for i := range sf.Tensors {
		t := &sf.Tensors[i]
		if hasPrefix(t.Name, extraPrefixes) {
			f.Extra = append(f.Extra, *t)
			continue
		}
		if t.DType != "F32" {
			return nil, fmt.Errorf("checkpoint: tensor %s is %s, want F32", quote(t.Name), t.DType)
		}
		model = append(model, t)
		held += int64(len(t.Data)) / 4
	}
	if p.floats > held {
		return nil, fmt.Errorf("checkpoint: the file holds %d floats, %s with this configuration needs %d: a tensor is missing or the configuration is not the file's", held, f.Builder, p.floats)
	}
	if v, ok := md[KeyLabels]; ok {
		if f.Labels, err = parseLabels(v, p.classes); err != nil {
			return nil, err
		}
	}

	g, err := p.build()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %v", f.Builder, err)
	}
	consts := map[string]*graph.Value{}
	for _, v := range g.Values {
		if v.Const() {
			consts[v.Name] = v
		}
	}
	filled := map[string]bool{}
	for _, t := range model {
		v := consts[t.Name]
		if v == nil {
			return nil, fmt.Errorf("checkpoint: tensor %s is not part of %s", quote(t.Name), g.Name)
		}
		if !v.Shape.Equal(tensor.Shape(t.Shape)) || v.Data.DType != tensor.Float32 || 4*len(v.Data.F32) != len(t.Data) {
			return nil, fmt.Errorf("checkpoint: tensor %q has shape %v, %s wants %v", t.Name, t.Shape, g.Name, v.Shape)
		}
		dst := v.Data.F32
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		if err := finite(t.Name, dst); err != nil {
			return nil, err
		}
		filled[t.Name] = true
	}
	for _, v := range g.Values {
		if v.Const() && !filled[v.Name] {
			return nil, fmt.Errorf("checkpoint: tensor %q of %s is missing", v.Name, g.Name)
		}
	}
	f.Graph = g
	return f, nil
}

// finite refuses a weight tensor holding NaN or ±Inf: a network that diverged, which would only give
// NaN scores.
func finite(name string, vals []float32) error {
	for i, x := range vals {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("checkpoint: tensor %s holds %v at index %d: the weights are not finite (the run diverged)", quote(name), x, i)
		}
	}
	return nil
}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// parseLabels reads the labels metadata: a JSON list of one string per class.
func parseLabels(v string, classes int) ([]string, error) {
	var labels []string
	if err := json.Unmarshal([]byte(v), &labels); err != nil {
		return nil, fmt.Errorf("checkpoint: metadata %q is not a JSON list of strings: %v", KeyLabels, err)
	}
	if len(labels) != classes {
		return nil, fmt.Errorf("checkpoint: %d labels for %d classes", len(labels), classes)
	}
	return labels, nil
}

// quote quotes a string from a file for a message, shortened to keep the message to one short line.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}
