package detect

import "math"

// AnchorConfig describes SSD anchors the way the Object Detection API's
// ssd_anchor_generator config (create_ssd_anchors) does, for square feature maps and a
// square base anchor of 1.
type AnchorConfig struct {
	// MinScale and MaxScale: layer k of L has scale MinScale + (MaxScale−MinScale)·k/(L−1).
	MinScale, MaxScale float64
	// FeatureMaps lists each layer's grid size (H = W), lowest layer first.
	FeatureMaps []int
	// AspectRatios are the ratios w/h of every layer but a reduced lowest one.
	AspectRatios []float64
	// ReduceBoxesInLowestLayer gives layer 0 the three boxes (0.1, 1), (s0, 2), (s0, 0.5).
	ReduceBoxesInLowestLayer bool
	// InterpolatedScaleAspectRatio, if > 0, adds to each other layer one box of scale
	// √(s_k·s_{k+1}) (s_L = 1) with this aspect ratio.
	InterpolatedScaleAspectRatio float64
}

// DefaultAnchorConfig returns the anchors of ssd_mobilenet_v1_coco: feature maps 19, 10, 5,
// 3, 2, 1; scales 0.2 to 0.95; aspect ratios 1, 2, 0.5, 3, 0.3333; the lowest layer reduced;
// the interpolated box at ratio 1. It yields 1917 anchors.
func DefaultAnchorConfig() AnchorConfig {
	return AnchorConfig{
		MinScale:                     0.2,
		MaxScale:                     0.95,
		FeatureMaps:                  []int{19, 10, 5, 3, 2, 1},
		AspectRatios:                 []float64{1, 2, 0.5, 3, 0.3333},
		ReduceBoxesInLowestLayer:     true,
		InterpolatedScaleAspectRatio: 1,
	}
}

// boxSpec is one anchor shape of a layer: a scale and an aspect ratio.
type boxSpec struct{ scale, ratio float64 }

// layerSpecs returns the anchor shapes of each layer (create_ssd_anchors).
func (c AnchorConfig) layerSpecs() [][]boxSpec {
	n := len(c.FeatureMaps)
	scales := make([]float64, n+1)
	for k := range n {
		scales[k] = c.MinScale
		if n > 1 {
			scales[k] += (c.MaxScale - c.MinScale) * float64(k) / float64(n-1)
		}
	}
	scales[n] = 1
	specs := make([][]boxSpec, n)
	for k := range n {
		if k == 0 && c.ReduceBoxesInLowestLayer {
			specs[k] = []boxSpec{{0.1, 1}, {scales[0], 2}, {scales[0], 0.5}}
			continue
		}
		for _, r := range c.AspectRatios {
			specs[k] = append(specs[k], boxSpec{scales[k], r})
		}
		if c.InterpolatedScaleAspectRatio > 0 {
			specs[k] = append(specs[k], boxSpec{math.Sqrt(scales[k] * scales[k+1]), c.InterpolatedScaleAspectRatio})
		}
	}
	return specs
}

// Anchors generates the anchors of c in the order SSD's box predictors emit them: layer,
// then grid row, then grid column, then box shape. A box of scale s and ratio a has
// h = s/√a and w = s·√a; in a G×G layer the centre of cell (i, j) is ((i+0.5)/G, (j+0.5)/G)
// (grid_anchor_generator.tile_anchors with stride 1/G and offset 0.5/G). Anchors are not
// clipped. The arithmetic is float64, rounded to float32 at the end; TensorFlow computes in
// float32, so values may differ in the last bit.
func Anchors(c AnchorConfig) []Anchor {
	specs := c.layerSpecs()
	var out []Anchor
	for k, g := range c.FeatureMaps {
		for i := range g {
			yc := (float64(i) + 0.5) / float64(g)
			for j := range g {
				xc := (float64(j) + 0.5) / float64(g)
				for _, s := range specs[k] {
					r := math.Sqrt(s.ratio)
					out = append(out, Anchor{YC: float32(yc), XC: float32(xc), H: float32(s.scale / r), W: float32(s.scale * r)})
				}
			}
		}
	}
	return out
}
