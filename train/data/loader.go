package data

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/mobilenet-go/mobilenet/vision"
)

// Augment chooses the random changes made to training images.
type Augment struct {
	// Shift translates each image by a random whole number of pixels in [−Shift, Shift] along each
	// axis, the uncovered border black: a random crop of the image padded by Shift on every side.
	Shift int
	// Flip mirrors each image left to right with probability ½.
	Flip bool
}

// LoaderOptions choose how a Loader makes batches.
type LoaderOptions struct {
	H, W     int  // the network's input size; images of another size are fitted to it
	Resize   bool // fit by bilinear resizing; otherwise centre them, padding with black or cropping
	Batch    int  // images per batch
	Shuffle  bool // a new random order every epoch (from Seed and the epoch number)
	DropLast bool // leave out the last batch when it is not full
	Augment  Augment
	Seed     uint64
	Mean     float32 // inputs are (v − Mean)/Std; zero Mean and Std mean 127.5 each (values in [−1, 1])
	Std      float32
	Prefetch int // batches prepared ahead by background goroutines; 0 means 3
}

// Batch is a batch of network inputs.
type Batch struct {
	Index  int       // its position in the epoch
	N      int       // images
	X      []float32 // N×H×W×C inputs, NHWC
	Labels []int
}

// Loader turns a dataset into batches. The order of an epoch and every random augmentation are drawn
// from the seed, the epoch number and the example's position in the epoch, never from shared state,
// so an epoch can be restarted at any batch and gives the same batches whatever the goroutines did.
type Loader struct {
	ds   Dataset
	opt  LoaderOptions
	info Info
}

// NewLoader checks the options and returns a loader over ds.
func NewLoader(ds Dataset, opt LoaderOptions) (*Loader, error) {
	info := ds.Info()
	if opt.Mean == 0 && opt.Std == 0 {
		opt.Mean, opt.Std = 127.5, 127.5
	}
	if opt.Prefetch <= 0 {
		opt.Prefetch = 3
	}
	switch {
	case ds.Len() == 0:
		return nil, fmt.Errorf("data: the dataset is empty")
	case opt.H < 1 || opt.W < 1:
		return nil, fmt.Errorf("data: input size %d×%d is not positive", opt.H, opt.W)
	case opt.Batch < 1:
		return nil, fmt.Errorf("data: batch size %d is not positive", opt.Batch)
	case opt.Std == 0:
		return nil, fmt.Errorf("data: normalisation std is zero")
	case opt.Augment.Shift < 0 || opt.Augment.Shift > min(opt.H, opt.W):
		return nil, fmt.Errorf("data: shift %d out of range [0, %d]", opt.Augment.Shift, min(opt.H, opt.W))
	case opt.DropLast && ds.Len() < opt.Batch:
		return nil, fmt.Errorf("data: %d examples do not fill one batch of %d", ds.Len(), opt.Batch)
	}
	if opt.Resize && (info.H != opt.H || info.W != opt.W) {
		fitted, err := resizeAll(ds, opt.H, opt.W)
		if err != nil {
			return nil, err
		}
		ds, info = fitted, fitted.Meta
	}
	return &Loader{ds: ds, opt: opt, info: info}, nil
}

// resizeAll returns a copy of ds with every image resized to h×w.
func resizeAll(ds Dataset, h, w int) (*Set, error) {
	in := ds.Info()
	per := h * w * in.C
	s := &Set{Meta: Info{H: h, W: w, C: in.C, Classes: in.Classes}, Pixels: make([]uint8, ds.Len()*per), Labels: make([]int, ds.Len())}
	p := &vision.Pixels{H: in.H, W: in.W, C: in.C, Pix: make([]float32, in.H*in.W*in.C)}
	for i := 0; i < ds.Len(); i++ {
		px, l := ds.Example(i)
		for j, v := range px {
			p.Pix[j] = float32(v)
		}
		copy(s.Pixels[i*per:], vision.ResizeBilinear(p, h, w).Uint8())
		s.Labels[i] = l
	}
	return s, nil
}

// Len returns the number of examples.
func (l *Loader) Len() int { return l.ds.Len() }

// Info describes the examples (after fitting, the classes and channels of the dataset).
func (l *Loader) Info() Info { return l.ds.Info() }

// Batches returns the number of batches in an epoch.
func (l *Loader) Batches() int {
	if l.opt.DropLast {
		return l.ds.Len() / l.opt.Batch
	}
	return (l.ds.Len() + l.opt.Batch - 1) / l.opt.Batch
}

// order returns the order of the examples in an epoch.
func (l *Loader) order(epoch int) []int {
	if !l.opt.Shuffle {
		p := make([]int, l.ds.Len())
		for i := range p {
			p[i] = i
		}
		return p
	}
	return Permutation(l.ds.Len(), l.opt.Seed, 1000+uint64(epoch))
}

// Epoch returns the batches of the given epoch from batch from onwards, in order, prepared ahead by
// background goroutines. The channel is closed after the last batch or once ctx is done.
func (l *Loader) Epoch(ctx context.Context, epoch, from int) <-chan *Batch {
	out := make(chan *Batch)
	futures := make(chan chan *Batch, l.opt.Prefetch)
	order := l.order(epoch)
	nb := l.Batches()
	go func() {
		defer close(futures)
		for i := from; i < nb; i++ {
			f := make(chan *Batch, 1)
			select {
			case futures <- f:
			case <-ctx.Done():
				return
			}
			go func(i int) { f <- l.build(epoch, i, order) }(i)
		}
	}()
	go func() {
		defer close(out)
		for f := range futures {
			b := <-f
			select {
			case out <- b:
			case <-ctx.Done():
				for range futures {
				}
				return
			}
		}
	}()
	return out
}

// build prepares batch i of an epoch.
func (l *Loader) build(epoch, i int, order []int) *Batch {
	lo, hi := i*l.opt.Batch, min((i+1)*l.opt.Batch, len(order))
	per := l.opt.H * l.opt.W * l.info.C
	b := &Batch{Index: i, N: hi - lo, X: make([]float32, (hi-lo)*per), Labels: make([]int, hi-lo)}
	for j := lo; j < hi; j++ {
		px, label := l.ds.Example(order[j])
		b.Labels[j-lo] = label
		var sy, sx int
		var flip bool
		if a := l.opt.Augment; a.Shift > 0 || a.Flip {
			r := rand.New(rand.NewPCG(l.opt.Seed^0x5851f42d4c957f2d, uint64(epoch)<<32|uint64(j)))
			if a.Shift > 0 {
				sy, sx = r.IntN(2*a.Shift+1)-a.Shift, r.IntN(2*a.Shift+1)-a.Shift
			}
			flip = a.Flip && r.IntN(2) == 1
		}
		l.fill(b.X[(j-lo)*per:(j-lo+1)*per], px, sy, sx, flip)
	}
	return b
}

// fill writes one network input: the image centred in the H×W frame, moved by (sy, sx), mirrored when
// flip, normalised; pixels from outside the image are black (value 0 before normalisation).
func (l *Loader) fill(dst []float32, px []uint8, sy, sx int, flip bool) {
	h, w, c := l.info.H, l.info.W, l.info.C
	oy, ox := (l.opt.H-h)/2+sy, (l.opt.W-w)/2+sx
	mean, inv := l.opt.Mean, 1/l.opt.Std
	black := -mean * inv
	for y := 0; y < l.opt.H; y++ {
		sy := y - oy
		for x := 0; x < l.opt.W; x++ {
			xx := x
			if flip {
				xx = l.opt.W - 1 - x
			}
			sx := xx - ox
			d := dst[(y*l.opt.W+x)*c : (y*l.opt.W+x+1)*c]
			if sy < 0 || sy >= h || sx < 0 || sx >= w {
				for k := range d {
					d[k] = black
				}
				continue
			}
			for k, v := range px[(sy*w+sx)*c : (sy*w+sx+1)*c] {
				d[k] = (float32(v) - mean) * inv
			}
		}
	}
}
