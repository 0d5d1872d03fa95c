// Package ssd builds SSD MobileNet V1 (Liu et al., 2016; Howard et al., 2017, Table 13) as a graph, as the
// TensorFlow Object Detection API's ssd_mobilenet_v1 feature extractor does: the MobileNet V1 body, its
// Conv2d_11_pointwise and Conv2d_13_pointwise end points, four extra feature layers (a 1×1 convolution
// to half the depth, then a 3×3 stride-2 convolution), a 1×1 box-encoding and class predictor on each
// of the six feature maps, and TFLite's detection post-process over the generated anchors.
package ssd

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Config chooses the detector.
type Config struct {
	Alpha      float64 // width multiplier of the backbone and the extra layers; 0 means 1
	Resolution int     // input height and width; 0 means 300
	Classes    int     // object classes without background; 0 means 90 (COCO)
	Seed       uint64  // seed of the initial weights
	// Folded builds the form of the exported detector: convolutions with a bias and a fused ReLU6, no
	// batch norm. It is the form fine-tuned from the official COCO detector (see FromOfficial).
	Folded bool `json:",omitempty"`
	// PostProcess configures the detection post-process; the zero value means the COCO export's
	// (10 detections, one class each, score threshold 1e-8, IoU 0.6, scales 10, 10, 5, 5).
	PostProcess detect.Options
}

// ExtraDepths are the depths of the four extra feature layers before α.
var ExtraDepths = []int{512, 256, 256, 128}

// MinDepth is the feature extractor's smallest layer depth.
const MinDepth = 16

func (c Config) withDefaults() (Config, error) {
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	if c.Resolution == 0 {
		c.Resolution = 300
	}
	if c.Classes == 0 {
		c.Classes = 90
	}
	if c.PostProcess == (detect.Options{}) {
		c.PostProcess = detect.Options{MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100,
			ScoreThreshold: 1e-8, IoUThreshold: 0.6, YScale: 10, XScale: 10, HScale: 5, WScale: 5}
	}
	c.PostProcess.NumClasses = c.Classes
	if c.Resolution < 33 {
		return c, fmt.Errorf("ssd: resolution %d is too small: the six feature maps need at least 33", c.Resolution)
	}
	if c.Classes < 1 || c.Classes > detect.MaxClassesLimit {
		return c, fmt.Errorf("ssd: classes %d out of range [1, %d]", c.Classes, detect.MaxClassesLimit)
	}
	return c, c.PostProcess.Validate()
}

// Build returns the detector's training form. Its input is float32 [1, R, R, 3] (pixels scaled to
// [−1, 1]); its outputs are the post-process's boxes, classes, scores and detection count.
func Build(c Config) (*graph.Graph, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	bc, err := mobilenetv1.Config{Alpha: c.Alpha, Resolution: c.Resolution, Classes: 1, MinDepth: MinDepth, Seed: c.Seed}.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("ssd: %w", err)
	}
	l := mobilenetv1.NewLayers(fmt.Sprintf("ssd_mobilenet_v1_%g_%d", c.Alpha, c.Resolution), c.Seed)
	l.Folded = c.Folded
	x := l.G.AddInput("normalized_input_image_tensor", tensor.Float32, tensor.Shape{1, c.Resolution, c.Resolution, 3}, nil)
	ends := l.Body(x, bc)
	features := []int{ends[11], ends[13]}
	x = ends[13]
	for i, d := range ExtraDepths {
		depth := max(int(float64(d)*c.Alpha), MinDepth)
		half := max(int(float64(d/2)*c.Alpha), MinDepth)
		x = l.Conv(fmt.Sprintf("Conv2d_13_pointwise_1_Conv2d_%d_1x1_%d", i+2, half), x, 1, 1, half)
		x = l.Conv(fmt.Sprintf("Conv2d_13_pointwise_2_Conv2d_%d_3x3_s2_%d", i+2, depth), x, 3, 2, depth)
		features = append(features, x)
	}
	ac := detect.DefaultAnchorConfig()
	ac.FeatureMaps = nil
	var boxes, scores []int
	for i, f := range features {
		s := l.G.Values[f].Shape
		if s[1] != s[2] {
			return nil, fmt.Errorf("ssd: feature map %d is %d×%d, not square", i, s[1], s[2])
		}
		ac.FeatureMaps = append(ac.FeatureMaps, s[1])
		perCell := 6
		if i == 0 {
			perCell = 3
		}
		cells := s[1] * s[2] * perCell
		b := l.Classifier(fmt.Sprintf("BoxPredictor_%d/BoxEncodingPredictor", i), f, perCell*4)
		boxes = append(boxes, l.Add(fmt.Sprintf("BoxPredictor_%d/Reshape", i), &graph.Reshape{Shape: []int{cells, 4}}, b))
		k := l.Classifier(fmt.Sprintf("BoxPredictor_%d/ClassPredictor", i), f, perCell*(c.Classes+1))
		scores = append(scores, l.Add(fmt.Sprintf("BoxPredictor_%d/Reshape_1", i), &graph.Reshape{Shape: []int{cells, c.Classes + 1}}, k))
	}
	enc := l.Add("concat", &graph.Concatenation{Axis: 1}, boxes...)
	logits := l.Add("concat_1", &graph.Concatenation{Axis: 1}, scores...)
	probs := l.Add("convert_scores", &graph.Logistic{}, logits)
	if l.Err != nil {
		return nil, l.Err
	}
	anchors := detect.Anchors(ac)
	at, _ := tensor.New(tensor.Float32, tensor.Shape{len(anchors), 4})
	for i, a := range anchors {
		copy(at.F32[4*i:], []float32{a.YC, a.XC, a.H, a.W})
	}
	aid := l.G.AddConst("anchors", at)
	outs, err := l.G.Add("TFLite_Detection_PostProcess", &graph.DetectionPostProcess{Options: c.PostProcess}, enc, probs, aid)
	if err != nil {
		return nil, fmt.Errorf("ssd: %w", err)
	}
	l.G.Outputs = outs
	return l.G, nil
}
