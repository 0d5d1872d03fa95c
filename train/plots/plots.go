// Package plots draws the pictures of a training run: the loss and accuracy curves beside a checkpoint,
// and the confusion matrix of an evaluation, as PNG files written atomically.
package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/train"
)

// Curves writes a PNG of the training curves of a run: loss (training and validation) on the left,
// accuracy on the right, by epoch.
func Curves(path string, epochs []train.EpochInfo) error {
	if len(epochs) == 0 {
		return fmt.Errorf("plots: no epochs to draw")
	}
	loss, acc := plot.New(), plot.New()
	loss.Title.Text, acc.Title.Text = "loss", "accuracy"
	detector := epochs[0].Detection != nil
	if detector {
		acc.Title.Text = "mAP@0.5"
	}
	loss.X.Label.Text, acc.X.Label.Text = "epoch", "epoch"
	series := func(f func(train.EpochInfo) (float64, bool)) plotter.XYs {
		var xy plotter.XYs
		for _, e := range epochs {
			if v, ok := f(e); ok && !math.IsNaN(v) {
				xy = append(xy, plotter.XY{X: float64(e.Epoch + 1), Y: v})
			}
		}
		return xy
	}
	add := func(p *plot.Plot, name string, xy plotter.XYs, c color.Color) error {
		if len(xy) == 0 {
			return nil
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		l.Color, pts.Color = c, c
		p.Add(l, pts)
		p.Legend.Add(name, l)
		return nil
	}
	blue, orange := color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}
	for _, s := range []struct {
		p    *plot.Plot
		name string
		f    func(train.EpochInfo) (float64, bool)
		c    color.Color
	}{
		{loss, "train", func(e train.EpochInfo) (float64, bool) { return e.TrainLoss, true }, blue},
		{loss, "validation", func(e train.EpochInfo) (float64, bool) { return val(e, false) }, orange},
		{acc, "train", func(e train.EpochInfo) (float64, bool) { return e.TrainAcc, !detector }, blue},
		{acc, "validation", func(e train.EpochInfo) (float64, bool) { return val(e, true) }, orange},
	} {
		if err := add(s.p, s.name, series(s.f), s.c); err != nil {
			return fmt.Errorf("plots: %w", err)
		}
	}
	loss.Legend.Top, acc.Legend.Top = true, true
	acc.Legend.Left = false
	return save(path, 10*vg.Inch, 4*vg.Inch, [][]*plot.Plot{{loss, acc}})
}

func val(e train.EpochInfo, accuracy bool) (float64, bool) {
	if e.Detection != nil {
		return e.Detection.MAP50, accuracy
	}
	if e.Val == nil {
		return 0, false
	}
	if accuracy {
		return e.Val.Accuracy, true
	}
	return e.Val.Loss, true
}

// Confusion writes a PNG of a confusion matrix: rows are true classes, columns predicted ones, each
// cell shaded by the share of its row and labelled with its count.
func Confusion(path string, m *train.Metrics) error {
	n := len(m.Confusion)
	if n == 0 {
		return fmt.Errorf("plots: empty confusion matrix")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("confusion matrix: accuracy %.2f %% of %d", 100*m.Accuracy, m.N)
	p.X.Label.Text, p.Y.Label.Text = "predicted", "true"
	p.Add(&matrix{m: m.Confusion})
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(i)
		if i < len(m.Classes) {
			names[i] = m.Classes[i]
		}
	}
	ticks := func(flip bool) plot.ConstantTicks {
		t := make(plot.ConstantTicks, n)
		for i := range t {
			y := float64(i) + 0.5
			if flip {
				y = float64(n-1-i) + 0.5
			}
			t[i] = plot.Tick{Value: y, Label: names[i]}
		}
		return t
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = ticks(false), ticks(true)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(n), 0, float64(n)
	size := vg.Length(max(5, min(14, n))) * vg.Inch * 0.8
	return save(path, size+2*vg.Inch, size+1*vg.Inch, [][]*plot.Plot{{p}})
}

// matrix draws count cells, true class i on row i from the top.
type matrix struct{ m [][]int }

// Plot implements plot.Plotter.
func (mx *matrix) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	n := len(mx.m)
	for i, row := range mx.m {
		total := 0
		for _, v := range row {
			total += v
		}
		for j, v := range row {
			share := 0.0
			if total > 0 {
				share = float64(v) / float64(total)
			}
			y := float64(n - 1 - i)
			x0, x1, y0, y1 := tx(float64(j)), tx(float64(j+1)), ty(y), ty(y+1)
			shade := uint8(255 - 200*share)
			c.FillPolygon(color.RGBA{shade, shade, 255, 255}, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			if v > 0 {
				sty := p.X.Tick.Label
				sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
				sty.Rotation = 0
				c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, fmt.Sprint(v))
			}
		}
	}
}

func save(path string, w, h vg.Length, plots [][]*plot.Plot) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j, p := range plots[i] {
			p.Draw(canvases[i][j])
		}
	}
	png := vgimg.PngCanvas{Canvas: img}
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := png.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}
