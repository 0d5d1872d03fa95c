package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/mobilenet-go/mobilenet/tensor"
)

// lanes runs a batch as independent images: every op of the graph treats the images of a batch
// independently, so a program for a batch above 1 is a set of batch-1 programs (lanes) that take the
// images in turn, in parallel on the worker pool. An image's activations then stay in the cache from
// one layer to the next, and the threads synchronise once per batch instead of once per layer.
type lanes struct {
	progs    []*Program
	in, out  []*tensor.Tensor   // the batch's input and output buffers
	inViews  [][]*tensor.Tensor // per image, views of its slice of each input buffer
	outViews [][]*tensor.Tensor // per image, views of its slice of each output buffer
	times    []time.Duration    // per-node times when profiling (lanes then run one after the other)
	ctx      context.Context    // the context of the run in progress
	pending  partGroup
	laneFunc func(int)
	err      []error
}

// compileLanes compiles g for opt.Batch images as min(threads, batch) lanes of batch 1.
func compileLanes(g *Graph, opt Options) (*Program, error) {
	n := min(opt.threads(), opt.Batch)
	laneOpt := opt
	laneOpt.Batch = 1
	laneOpt.Threads = max(1, opt.threads()/n)
	l := &lanes{err: make([]error, n)}
	for i := 0; i < n; i++ {
		lp, err := compileBatch(g, laneOpt)
		if err != nil {
			return nil, err
		}
		l.progs = append(l.progs, lp)
	}
	first := l.progs[0]
	p := &Program{g: g, batch: opt.Batch, vals: make([]*Value, len(g.Values)), lanes: l}
	copy(p.vals, first.vals)
	for _, id := range append(append([]int(nil), g.Inputs...), g.Outputs...) {
		p.vals[id] = first.instance(first.vals[id], first.vals[id].Shape.WithBatch(opt.Batch))
	}
	alloc := func(ids []int) ([]*tensor.Tensor, [][]*tensor.Tensor, error) {
		bufs := make([]*tensor.Tensor, len(ids))
		views := make([][]*tensor.Tensor, opt.Batch)
		for k, id := range ids {
			v := p.vals[id]
			t, err := tensor.New(v.DType, v.Shape)
			if err != nil {
				return nil, nil, fmt.Errorf("graph: value %q: %w", v.Name, err)
			}
			t.Quant = v.Quant
			bufs[k] = t
			p.bytes += int64(t.Len() * v.DType.Size())
		}
		for i := range views {
			views[i] = make([]*tensor.Tensor, len(ids))
			for k := range ids {
				views[i][k] = bufs[k].Slice(i, i+1)
			}
		}
		return bufs, views, nil
	}
	var err error
	if l.in, l.inViews, err = alloc(g.Inputs); err != nil {
		return nil, err
	}
	if l.out, l.outViews, err = alloc(g.Outputs); err != nil {
		return nil, err
	}
	for _, lp := range l.progs {
		p.bytes += lp.bytes
	}
	if limit := opt.maxBytes(); p.bytes > limit {
		return nil, fmt.Errorf("graph: the activations need %d bytes at batch %d, more than the limit of %d", p.bytes, opt.Batch, limit)
	}
	p.results = l.out
	l.laneFunc = func(lane int) { l.err[lane] = l.runLane(lane, opt.Batch) }
	return p, nil
}

// runLane runs images lane, lane+lanes, … of the batch on lane's program.
func (l *lanes) runLane(lane, batch int) error {
	lp := l.progs[lane]
	for i := lane; i < batch; i += len(l.progs) {
		res, err := lp.run(l.ctx, l.inViews[i], l.times)
		if err != nil {
			return err
		}
		for k, r := range res {
			if err := l.outViews[i][k].CopyFrom(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *lanes) run(ctx context.Context, inputs []*tensor.Tensor, times []time.Duration) ([]*tensor.Tensor, error) {
	l.ctx = ctx
	defer func() { l.ctx = nil }()
	for k, in := range inputs {
		if err := l.in[k].CopyFrom(in); err != nil {
			return nil, err
		}
	}
	if times != nil {
		// Profiling: one lane after the other, adding into one set of per-node times.
		l.times = times
		defer func() { l.times = nil }()
		for lane := range l.progs {
			l.laneFunc(lane)
		}
	} else {
		parallel(&l.pending, len(l.progs), l.laneFunc)
	}
	for _, err := range l.err {
		if err != nil {
			return nil, err
		}
	}
	return l.out, nil
}
