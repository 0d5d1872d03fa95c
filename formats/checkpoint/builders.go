package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
)

// The builder names a checkpoint may record.
const (
	MobileNetV1      = "mobilenet_v1"       // models/mobilenetv1, config mobilenetv1.Config
	SSDMobileNetV1   = "ssd_mobilenet_v1"   // models/ssd, config ssd.Config
	MobileNetV2      = "mobilenet_v2"       // models/mobilenetv2, config mobilenetv2.Config
	MobileNetV3Large = "mobilenet_v3_large" // models/mobilenetv3 (BuildLarge), config mobilenetv3.Config
	MobileNetV3Small = "mobilenet_v3_small" // models/mobilenetv3 (BuildSmall), config mobilenetv3.Config
)

// MaxMinDepth bounds a recorded mobilenet_v1 MinDepth: the deepest layer α = 4 gives.
const MaxMinDepth = 4 * 1024

// plan is what a recorded configuration rebuilds: checked, not yet allocated.
type plan struct {
	config  any   // the decoded configuration
	floats  int64 // float32 values the build allocates for its constants
	classes int   // the number of class labels the network has
	build   func() (*graph.Graph, error)
}

// builder rebuilds one family of networks from its configuration.
type builder interface {
	// canonical turns a configuration given to Save into the JSON a checkpoint records (every default
	// explicit) and returns the graph it builds, whose constants the saved graph must match.
	canonical(config any) ([]byte, *graph.Graph, error)
	// plan decodes a recorded configuration strictly and checks it, allocating nothing large.
	plan(raw []byte) (*plan, error)
}

// family implements builder for a configuration type C.
type family[C any] struct {
	name string
	// complete returns c with every default explicit; ref is the graph built from c.
	complete func(c C, ref *graph.Graph) (C, error)
	// check refuses a recorded configuration that leaves a field to a default or that would make the
	// float count below wrong or overflow; build checks the rest.
	check   func(c C) error
	floats  func(c C) int64
	classes func(c C) int
	build   func(c C) (*graph.Graph, error)
}

// builders maps every known builder name to its builder; nil marks a known name not available here.
var builders = map[string]builder{
	MobileNetV1: family[mobilenetv1.Config]{
		name:     MobileNetV1,
		complete: func(c mobilenetv1.Config, _ *graph.Graph) (mobilenetv1.Config, error) { return c.WithDefaults() },
		check:    checkV1,
		floats:   v1Floats,
		classes:  func(c mobilenetv1.Config) int { return c.Classes },
		build:    mobilenetv1.Build,
	},
	SSDMobileNetV1: family[ssd.Config]{
		name:     SSDMobileNetV1,
		complete: completeSSD,
		check:    checkSSD,
		floats:   ssdFloats,
		classes:  func(c ssd.Config) int { return c.Classes },
		build:    ssd.Build,
	},
	MobileNetV2:      v2Family(),
	MobileNetV3Large: v3Family(MobileNetV3Large, false),
	MobileNetV3Small: v3Family(MobileNetV3Small, true),
}

// Builders returns the names of the builders this version can rebuild, sorted.
func Builders() []string {
	var names []string
	for name, b := range builders {
		if b != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// lookup returns the builder of name, or an error saying why there is none.
func lookup(name string) (builder, error) {
	b, known := builders[name]
	switch {
	case !known:
		return nil, fmt.Errorf("checkpoint: unknown builder %s (this version rebuilds %v)", quote(name), Builders())
	case b == nil:
		return nil, fmt.Errorf("checkpoint: builder %s is not available in this version", name)
	}
	return b, nil
}

// decodeStrict decodes one JSON value into a C, refusing unknown fields and anything after the value.
func decodeStrict[C any](raw []byte) (C, error) {
	var c C
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, errors.New("data after the JSON value")
	}
	return c, nil
}

func (f family[C]) canonical(config any) ([]byte, *graph.Graph, error) {
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	c, err := decodeStrict[C](raw)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config %T: %v", f.name, config, err)
	}
	ref, err := f.build(c)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	if c, err = f.complete(c, ref); err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	if err := f.check(c); err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	raw, err = json.Marshal(c)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	return raw, ref, nil
}

func (f family[C]) plan(raw []byte) (*plan, error) {
	c, err := decodeStrict[C](raw)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	if err := f.check(c); err != nil {
		return nil, fmt.Errorf("checkpoint: %s config: %v", f.name, err)
	}
	return &plan{config: c, floats: f.floats(c), classes: f.classes(c), build: func() (*graph.Graph, error) { return f.build(c) }}, nil
}

// explicit refuses a zero field, which the builders read as "the default": a checkpoint records the
// value the network was built with.
func explicit(field string, zero bool) error {
	if zero {
		return fmt.Errorf("%s is 0: a checkpoint records every field explicitly", field)
	}
	return nil
}

// checkV1 checks a recorded mobilenetv1.Config.
func checkV1(c mobilenetv1.Config) error {
	for _, e := range []error{
		explicit("Alpha", c.Alpha == 0), explicit("Resolution", c.Resolution == 0), explicit("Channels", c.Channels == 0),
		explicit("Classes", c.Classes == 0), explicit("MinDepth", c.MinDepth == 0),
	} {
		if e != nil {
			return e
		}
	}
	if c.MinDepth < 1 || c.MinDepth > MaxMinDepth {
		return fmt.Errorf("MinDepth %d out of range [1, %d]", c.MinDepth, MaxMinDepth)
	}
	_, err := c.WithDefaults()
	return err
}

// v1Body returns the float32 constants of the MobileNet V1 body of c (Conv2d_0 and the thirteen
// blocks, with norm floats per channel after each convolution: 4 for batch norm, 1 for the bias of a
// folded network) and the depth of each end point (index 0 Conv2d_0, i block i).
func v1Body(c mobilenetv1.Config, norm int64) (int64, []int64) {
	depth := func(d int) int64 { return int64(max(int(float64(d)*c.Alpha), c.MinDepth)) }
	cin := depth(mobilenetv1.FirstDepth)
	n := 9*int64(c.Channels)*cin + norm*cin
	ends := []int64{cin}
	for _, b := range mobilenetv1.Blocks {
		d := depth(b.Depth)
		if c.FullConv {
			n += 9*cin*d + norm*d
		} else {
			n += 9*cin + norm*cin + cin*d + norm*d
		}
		cin = d
		ends = append(ends, d)
	}
	return n, ends
}

// v1Floats returns the number of float32 constants mobilenetv1.Build allocates for a checked c.
func v1Floats(c mobilenetv1.Config) int64 {
	n, ends := v1Body(c, 4)
	return n + int64(c.Classes)*(ends[len(ends)-1]+1)
}

// completeSSD makes c's defaults explicit; the post-process options come from the graph built.
func completeSSD(c ssd.Config, ref *graph.Graph) (ssd.Config, error) {
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	for _, n := range ref.Nodes {
		if pp, ok := n.Op.(*graph.DetectionPostProcess); ok {
			c.PostProcess = pp.Options
			c.Resolution = ref.Values[ref.Inputs[0]].Shape[1]
			c.Classes = pp.Options.NumClasses
			return c, nil
		}
	}
	return c, errors.New("the graph has no detection post-process")
}

// checkSSD checks a recorded ssd.Config.
func checkSSD(c ssd.Config) error {
	for _, e := range []error{
		explicit("Alpha", c.Alpha == 0), explicit("Resolution", c.Resolution == 0), explicit("Classes", c.Classes == 0),
		explicit("PostProcess", c.PostProcess == (detect.Options{})),
	} {
		if e != nil {
			return e
		}
	}
	// The backbone's own checks bound α and the resolution, as ssd.Build applies them.
	if _, err := (mobilenetv1.Config{Alpha: c.Alpha, Resolution: c.Resolution, Classes: 1, MinDepth: ssd.MinDepth}).WithDefaults(); err != nil {
		return err
	}
	if c.Classes < 1 || c.Classes > detect.MaxClassesLimit {
		return fmt.Errorf("Classes %d out of range [1, %d]", c.Classes, detect.MaxClassesLimit)
	}
	if c.PostProcess.NumClasses != c.Classes {
		return fmt.Errorf("PostProcess.NumClasses %d differs from Classes %d", c.PostProcess.NumClasses, c.Classes)
	}
	return c.PostProcess.Validate()
}

// ssdFloats returns the number of float32 constants ssd.Build allocates for a checked c: the backbone
// body, the extra feature layers, a box and a class predictor per feature map, and the anchors.
func ssdFloats(c ssd.Config) int64 {
	norm := int64(4)
	if c.Folded {
		norm = 1
	}
	n, ends := v1Body(mobilenetv1.Config{Alpha: c.Alpha, Channels: 3, MinDepth: ssd.MinDepth}, norm)
	// Spatial size of each end point: SAME padding gives ⌈size/stride⌉.
	size := (c.Resolution + 1) / 2
	sizes := []int64{int64(size)}
	for _, b := range mobilenetv1.Blocks {
		size = (size + b.Stride - 1) / b.Stride
		sizes = append(sizes, int64(size))
	}
	type feature struct{ depth, size int64 }
	features := []feature{{ends[11], sizes[11]}, {ends[13], sizes[13]}}
	cin, s := ends[13], sizes[13]
	for _, d := range ssd.ExtraDepths {
		depth := int64(max(int(float64(d)*c.Alpha), ssd.MinDepth))
		half := int64(max(int(float64(d/2)*c.Alpha), ssd.MinDepth))
		n += cin*half + norm*half + 9*half*depth + norm*depth
		cin, s = depth, (s+1)/2
		features = append(features, feature{depth, s})
	}
	for i, f := range features {
		perCell := int64(6)
		if i == 0 {
			perCell = 3
		}
		for _, outputs := range []int64{4 * perCell, perCell * int64(c.Classes+1)} {
			n += outputs*f.depth + outputs // weights and biases
		}
		n += 4 * perCell * f.size * f.size // anchors
	}
	return n
}
