package detdata

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/vision"
)

// LoaderOptions choose how a Loader makes batches.
type LoaderOptions struct {
	Size     int  // side of the square network input (300 for SSD MobileNet V1)
	Batch    int  // images per batch
	Shuffle  bool // a new random order every epoch (from Seed and the epoch number)
	DropLast bool // leave out the last batch when it is not full
	Augment  bool // SSD random crop, horizontal flip and photometric distortion (augment.go)
	Seed     uint64
	// Workers is the number of images prepared at once; 0 means runtime.NumCPU().
	Workers int
	// Prefetch is the number of batches prepared ahead of the one being read; 0 means 2.
	Prefetch int
	// CacheBytes is the memory kept for decoded images between epochs (JPEGs as decoded, about
	// 1.5 bytes a pixel): images are kept as they are first decoded until the budget is spent.
	// 0 means 512 MiB; negative means no cache.
	CacheBytes int64
	// MaxPixels refuses images of more pixels when decoding; 0 means vision.DefaultMaxPixels.
	MaxPixels int64
}

// NormBox is a box of a batch: its corners relative to the network input, in [0, 1], in the
// order of detect.Box (so it can be matched against anchors with detect.IoU).
type NormBox struct {
	detect.Box
	Class     int
	Difficult bool
}

// Batch is a batch of network inputs and their boxes.
type Batch struct {
	Index   int         // its position in the epoch
	N       int         // images
	X       []float32   // N×Size×Size×3 inputs, NHWC, RGB, pixel values p as (p − 127.5)/127.5
	Boxes   [][]NormBox // the boxes of each image
	Samples []int       // the index in Set.Samples of each image
	// Err, when not nil, says why the batch could not be made (an image that no longer decodes);
	// X and Boxes are then nil.
	Err error
}

// Loader turns a detection set into batches. The order of an epoch and every random choice of the
// augmentation are drawn from the seed, the epoch number and the sample's index, never from shared
// state, so an epoch can be restarted at any batch and gives the same batches whatever the
// goroutines did.
type Loader struct {
	set   *Set
	opt   LoaderOptions
	cache imageCache
}

// Limits of NewLoader's options.
const (
	maxSize        = 4096
	maxBatchValues = 1 << 28 // float32 values of one batch's X
	defaultCache   = 512 << 20
	augmentSalt    = 0x2545f4914f6cdd1d
)

// NewLoader checks the set and the options and returns a loader over s. The set must not change
// while the loader is used.
func NewLoader(s *Set, opt LoaderOptions) (*Loader, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	if opt.Prefetch <= 0 {
		opt.Prefetch = 2
	}
	if opt.CacheBytes == 0 {
		opt.CacheBytes = defaultCache
	}
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = vision.DefaultMaxPixels
	}
	n := len(s.Samples)
	switch {
	case n == 0:
		return nil, fmt.Errorf("detdata: the set is empty")
	case opt.Size < 1 || opt.Size > maxSize:
		return nil, fmt.Errorf("detdata: input size %d out of range [1, %d]", opt.Size, maxSize)
	case opt.Batch < 1 || opt.Batch > maxBatchValues/(3*opt.Size*opt.Size):
		return nil, fmt.Errorf("detdata: batch size %d out of range [1, %d] for inputs of %d×%d", opt.Batch, maxBatchValues/(3*opt.Size*opt.Size), opt.Size, opt.Size)
	case opt.DropLast && n < opt.Batch:
		return nil, fmt.Errorf("detdata: %d images do not fill one batch of %d", n, opt.Batch)
	}
	for i, sm := range s.Samples {
		if sm.Width < 1 || sm.Height < 1 {
			return nil, fmt.Errorf("detdata: sample %d (%s): size %d×%d is not positive", i, sm.Path, sm.Width, sm.Height)
		}
		for _, b := range sm.Boxes {
			if !(0 <= b.XMin && b.XMin < b.XMax && b.XMax <= float64(sm.Width) && 0 <= b.YMin && b.YMin < b.YMax && b.YMax <= float64(sm.Height)) {
				return nil, fmt.Errorf("detdata: sample %d (%s): box (%g, %g)–(%g, %g) is empty or not inside the %d×%d image", i, sm.Path, b.XMin, b.YMin, b.XMax, b.YMax, sm.Width, sm.Height)
			}
			if b.Class < 0 || b.Class >= len(s.Classes) {
				return nil, fmt.Errorf("detdata: sample %d (%s): class %d out of range (%d classes)", i, sm.Path, b.Class, len(s.Classes))
			}
		}
	}
	return &Loader{set: s, opt: opt, cache: imageCache{budget: opt.CacheBytes, images: map[int]image.Image{}}}, nil
}

// Batches returns the number of batches in an epoch.
func (l *Loader) Batches() int {
	n := len(l.set.Samples)
	if l.opt.DropLast {
		return n / l.opt.Batch
	}
	return (n + l.opt.Batch - 1) / l.opt.Batch
}

// order returns the sample indices of an epoch, in order: data.Permutation with the stream the
// classification loader of package data uses, or the set's order without Shuffle.
func (l *Loader) order(epoch int) []int {
	n := len(l.set.Samples)
	if l.opt.Shuffle {
		return data.Permutation(n, l.opt.Seed, 1000+uint64(epoch))
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// pending is a batch whose images the workers are preparing.
type pending struct {
	b    *Batch
	left atomic.Int32 // images not yet prepared
	done chan struct{}
	errs []error
}

// job asks a worker for image k of a pending batch.
type job struct {
	p *pending
	k int
}

// Epoch returns the batches of the given epoch from batch from onwards, in order. Workers prepare
// the images of the next Prefetch batches while the current one is read. The channel is closed
// after the last batch or once ctx is done; every goroutine then ends. A caller that stops reading
// before the end must cancel ctx.
func (l *Loader) Epoch(ctx context.Context, epoch, from int) <-chan *Batch {
	out := make(chan *Batch)
	order := l.order(epoch)
	nb, size := l.Batches(), l.opt.Size
	jobs := make(chan job)
	queue := make(chan *pending, l.opt.Prefetch)
	for range l.opt.Workers {
		go func() {
			for j := range jobs {
				b := j.p.b
				per := size * size * 3
				b.Boxes[j.k], j.p.errs[j.k] = l.prepare(epoch, b.Samples[j.k], b.X[j.k*per:(j.k+1)*per])
				if j.p.left.Add(-1) == 0 {
					close(j.p.done)
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(queue)
		for i := max(from, 0); i < nb; i++ {
			lo, hi := i*l.opt.Batch, min((i+1)*l.opt.Batch, len(order))
			p := &pending{
				b: &Batch{Index: i, N: hi - lo, X: make([]float32, (hi-lo)*size*size*3),
					Boxes: make([][]NormBox, hi-lo), Samples: order[lo:hi:hi]},
				done: make(chan struct{}),
				errs: make([]error, hi-lo),
			}
			p.left.Store(int32(hi - lo))
			select {
			case queue <- p:
			case <-ctx.Done():
				return
			}
			for k := range hi - lo {
				select {
				case jobs <- job{p, k}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() {
		defer close(out)
		for p := range queue {
			select {
			case <-p.done:
			case <-ctx.Done():
				return
			}
			for _, err := range p.errs {
				if err != nil {
					p.b.Err, p.b.X, p.b.Boxes = err, nil, nil
					break
				}
			}
			select {
			case out <- p.b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// subImager is the part of the standard library's image types that cropping uses.
type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// prepare writes the network input of sample i in the given epoch to dst (Size×Size×3) and returns
// its boxes: decode, augment (draws from the seed, the epoch and i), resize, scale to [−1, 1].
func (l *Loader) prepare(epoch, i int, dst []float32) ([]NormBox, error) {
	s := &l.set.Samples[i]
	img, err := l.decoded(i)
	if err != nil {
		return nil, err
	}
	patch := image.Rect(0, 0, s.Width, s.Height)
	flip := false
	var ph photometric
	if l.opt.Augment {
		r := rand.New(rand.NewPCG(l.opt.Seed^augmentSalt, uint64(epoch)<<32^uint64(i)))
		patch = randomCrop(r, s.Width, s.Height, s.Boxes)
		flip = r.IntN(2) == 1
		ph = randomPhotometric(r)
	}
	px, err := vision.ResizeImage(img.(subImager).SubImage(patch.Add(img.Bounds().Min)), l.opt.Size, l.opt.Size, 3, 0)
	if err != nil {
		return nil, fmt.Errorf("detdata: %s: %w", s.Path, err)
	}
	ph.write(dst, px, flip)
	return cropBoxes(s.Boxes, patch, flip), nil
}

// decoded returns the decoded image of sample i, from the cache or the file (then cached if the
// budget allows).
func (l *Loader) decoded(i int) (image.Image, error) {
	if img := l.cache.get(i); img != nil {
		return img, nil
	}
	s := &l.set.Samples[i]
	img, _, err := vision.DecodeFile(s.Path, l.opt.MaxPixels)
	if err != nil {
		return nil, fmt.Errorf("detdata: %v", err)
	}
	if b := img.Bounds(); b.Dx() != s.Width || b.Dy() != s.Height {
		return nil, fmt.Errorf("detdata: %s: image is %d×%d, the set says %d×%d", s.Path, b.Dx(), b.Dy(), s.Width, s.Height)
	}
	if _, ok := img.(subImager); !ok {
		return nil, fmt.Errorf("detdata: %s: decoded image of type %T cannot be cropped", s.Path, img)
	}
	l.cache.put(i, img)
	return img, nil
}

// write stores px (Size×Size×3 values in 0..255) into dst, mirrored left to right when flip,
// distorted when ph is on (then clipped to 0..255), as (v − 127.5)/127.5.
func (ph *photometric) write(dst []float32, px *vision.Pixels, flip bool) {
	w, src := px.W, px.Pix
	// col returns the source column of output column x.
	col := func(x int) int {
		if flip {
			return w - 1 - x
		}
		return x
	}
	if !ph.on {
		for y := range px.H {
			in, out := src[y*w*3:(y+1)*w*3], dst[y*w*3:(y+1)*w*3]
			for x := range w {
				sx := 3 * col(x)
				out[3*x] = (in[sx] - 127.5) / 127.5
				out[3*x+1] = (in[sx+1] - 127.5) / 127.5
				out[3*x+2] = (in[sx+2] - 127.5) / 127.5
			}
		}
		return
	}
	mean := 0.0
	for i := 0; i < len(src); i += 3 {
		mean += lumaWeights[0]*float64(src[i]) + lumaWeights[1]*float64(src[i+1]) + lumaWeights[2]*float64(src[i+2])
	}
	mean /= float64(px.H * w)
	var a [3][3]float32
	for c := range 3 {
		for k := range 3 {
			a[c][k] = float32(ph.scale * ph.mix[c][k])
		}
	}
	bias := float32(ph.shift + (1-ph.scale)*mean)
	for y := range px.H {
		in, out := src[y*w*3:(y+1)*w*3], dst[y*w*3:(y+1)*w*3]
		for x := range w {
			sx := 3 * col(x)
			r, g, b := in[sx], in[sx+1], in[sx+2]
			o := out[3*x : 3*x+3]
			o[0] = unit(a[0][0]*r + a[0][1]*g + a[0][2]*b + bias)
			o[1] = unit(a[1][0]*r + a[1][1]*g + a[1][2]*b + bias)
			o[2] = unit(a[2][0]*r + a[2][1]*g + a[2][2]*b + bias)
		}
	}
}

// unit clips a finite pixel value to 0..255 and maps it to [−1, 1]. It compares rather than call
// min and max, whose NaN rules cost a lot in the loop of write.
func unit(u float32) float32 {
	if u < 0 {
		u = 0
	} else if u > 255 {
		u = 255
	}
	return u*(1/127.5) - 1
}

// imageCache keeps decoded images by sample index until their estimated sizes reach the budget;
// nothing is evicted, so for a set larger than the budget a fixed part stays cached.
type imageCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	images map[int]image.Image
}

// get returns the cached image of sample i, or nil.
func (c *imageCache) get(i int) image.Image {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.images[i]
}

// put caches the image of sample i if it fits in what is left of the budget.
func (c *imageCache) put(i int, img image.Image) {
	n := imageBytes(img)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.images[i]; !ok && c.used+n <= c.budget {
		c.images[i] = img
		c.used += n
	}
}

// imageBytes estimates the memory a decoded image holds: exact for the types JPEG and PNG decode
// to, 8 bytes a pixel for others.
func imageBytes(img image.Image) int64 {
	switch m := img.(type) {
	case *image.YCbCr:
		return int64(len(m.Y) + len(m.Cb) + len(m.Cr))
	case *image.Gray:
		return int64(len(m.Pix))
	case *image.RGBA:
		return int64(len(m.Pix))
	case *image.NRGBA:
		return int64(len(m.Pix))
	case *image.Paletted:
		return int64(len(m.Pix))
	}
	b := img.Bounds()
	return 8 * int64(b.Dx()) * int64(b.Dy())
}
