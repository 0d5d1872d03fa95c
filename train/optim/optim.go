package optim

import (
	"fmt"
	"math"
)

// Kind names an optimizer.
type Kind string

// The optimizers.
const (
	SGD     Kind = "sgd"     // plain or momentum SGD, optionally Nesterov
	RMSProp Kind = "rmsprop" // TensorFlow 1's RMSprop with momentum
	Adam    Kind = "adam"
	AdamW   Kind = "adamw"
)

// Config describes an optimizer. Zero fields take the defaults Defaults gives.
type Config struct {
	Kind     Kind
	Momentum float64 // SGD and RMSprop momentum μ
	Nesterov bool    // SGD only
	Rho      float64 // RMSprop decay ρ of the mean square
	Epsilon  float64 // RMSprop ε (inside the square root) and Adam ε (outside)
	Beta1    float64 // Adam
	Beta2    float64 // Adam
}

// Defaults returns c with zero fields set to the usual values: SGD momentum 0.9; RMSprop ρ 0.9, μ 0.9,
// ε 1.0 (TF-slim's train_image_classifier.py); Adam and AdamW β1 0.9, β2 0.999, ε 1e-8. An empty Kind
// means RMSprop.
func (c Config) Defaults() Config {
	if c.Kind == "" {
		c.Kind = RMSProp
	}
	switch c.Kind {
	case SGD:
		if c.Momentum == 0 {
			c.Momentum = 0.9
		}
	case RMSProp:
		if c.Momentum == 0 {
			c.Momentum = 0.9
		}
		if c.Rho == 0 {
			c.Rho = 0.9
		}
		if c.Epsilon == 0 {
			c.Epsilon = 1
		}
	case Adam, AdamW:
		if c.Beta1 == 0 {
			c.Beta1 = 0.9
		}
		if c.Beta2 == 0 {
			c.Beta2 = 0.999
		}
		if c.Epsilon == 0 {
			c.Epsilon = 1e-8
		}
	}
	return c
}

// Check returns an error naming the first field out of range.
func (c Config) Check() error {
	switch c.Kind {
	case SGD, RMSProp, Adam, AdamW:
	default:
		return fmt.Errorf("optim: unknown optimizer %q (want sgd, rmsprop, adam or adamw)", c.Kind)
	}
	in01 := func(name string, v float64) error {
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("optim: %s %g out of range [0, 1)", name, v)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"momentum", c.Momentum}, {"rho", c.Rho}, {"beta1", c.Beta1}, {"beta2", c.Beta2}} {
		if err := in01(f.name, f.v); err != nil {
			return err
		}
	}
	if !(c.Epsilon >= 0) || math.IsInf(c.Epsilon, 0) {
		return fmt.Errorf("optim: epsilon %g must be finite and not negative", c.Epsilon)
	}
	if c.Nesterov && c.Kind != SGD {
		return fmt.Errorf("optim: Nesterov momentum applies to sgd, not %s", c.Kind)
	}
	return nil
}

// Param is one tensor the optimizer updates: its values, updated in place, its gradient, read at each
// step, and its weight decay λ.
type Param struct {
	Name  string
	Data  []float32
	Grad  []float32
	Decay float64
}

// Optimizer updates parameters from their gradients.
type Optimizer struct {
	cfg    Config
	params []Param
	slots  [][][]float32 // per parameter, its state tensors in the order of SlotNames
	step   int64
}

// SlotNames returns the names of the state tensors each parameter has under the optimizer.
func (c Config) SlotNames() []string {
	switch c.Kind {
	case SGD:
		if c.Momentum == 0 {
			return nil
		}
		return []string{"momentum"}
	case RMSProp:
		return []string{"rms", "momentum"}
	case Adam, AdamW:
		return []string{"m", "v"}
	}
	return nil
}

// New returns an optimizer over params with cfg (after Defaults); its state starts as the algorithm
// says (RMSprop's mean square at 1, everything else at 0).
func New(cfg Config, params []Param) (*Optimizer, error) {
	cfg = cfg.Defaults()
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	o := &Optimizer{cfg: cfg, params: params, slots: make([][][]float32, len(params))}
	names := cfg.SlotNames()
	for i, p := range params {
		if len(p.Grad) != len(p.Data) {
			return nil, fmt.Errorf("optim: parameter %s has %d values and %d gradients", p.Name, len(p.Data), len(p.Grad))
		}
		if !(p.Decay >= 0) || math.IsInf(p.Decay, 0) {
			return nil, fmt.Errorf("optim: parameter %s: weight decay %g must be finite and not negative", p.Name, p.Decay)
		}
		for _, name := range names {
			s := make([]float32, len(p.Data))
			if name == "rms" {
				for j := range s {
					s[j] = 1
				}
			}
			o.slots[i] = append(o.slots[i], s)
		}
	}
	return o, nil
}

// Config returns the optimizer's configuration, defaults filled in.
func (o *Optimizer) Config() Config { return o.cfg }

// Steps returns the number of updates applied so far (Adam's t).
func (o *Optimizer) Steps() int64 { return o.step }

// Step applies one update with learning rate lr to every parameter, from its current gradient.
func (o *Optimizer) Step(lr float64) {
	o.step++
	c := o.cfg
	var bc1, bc2 float64
	if c.Kind == Adam || c.Kind == AdamW {
		bc1 = 1 - math.Pow(c.Beta1, float64(o.step))
		bc2 = 1 - math.Pow(c.Beta2, float64(o.step))
	}
	for i, p := range o.params {
		s := o.slots[i]
		lam := p.Decay
		g := p.Grad[:len(p.Data)]
		switch c.Kind {
		case SGD:
			sgd(p.Data, g, s, lr, lam, c.Momentum, c.Nesterov)
		case RMSProp:
			rmsprop(p.Data, g, s[0], s[1], lr, lam, c.Rho, c.Momentum, c.Epsilon)
		case Adam:
			adam(p.Data, g, s[0], s[1], lr, lam, 0, c.Beta1, c.Beta2, c.Epsilon, bc1, bc2)
		case AdamW:
			adam(p.Data, g, s[0], s[1], lr, 0, lam, c.Beta1, c.Beta2, c.Epsilon, bc1, bc2)
		}
	}
}

func sgd(w, g []float32, s [][]float32, lr, lam, mu float64, nesterov bool) {
	if len(s) == 0 {
		for j, gj := range g {
			w[j] = float32(float64(w[j]) - lr*(float64(gj)+lam*float64(w[j])))
		}
		return
	}
	b := s[0][:len(w)]
	for j, gj := range g {
		d := float64(gj) + lam*float64(w[j])
		bj := mu*float64(b[j]) + d
		b[j] = float32(bj)
		if nesterov {
			d += mu * bj
		} else {
			d = bj
		}
		w[j] = float32(float64(w[j]) - lr*d)
	}
}

func rmsprop(w, g, ms, mom []float32, lr, lam, rho, mu, eps float64) {
	ms, mom = ms[:len(w)], mom[:len(w)]
	for j, gj := range g {
		d := float64(gj) + lam*float64(w[j])
		m2 := rho*float64(ms[j]) + (1-rho)*d*d
		ms[j] = float32(m2)
		m := mu*float64(mom[j]) + lr*d/math.Sqrt(m2+eps)
		mom[j] = float32(m)
		w[j] = float32(float64(w[j]) - m)
	}
}

func adam(w, g, m, v []float32, lr, lam, decoupled, b1, b2, eps, bc1, bc2 float64) {
	m, v = m[:len(w)], v[:len(w)]
	for j, gj := range g {
		x := float64(w[j])
		if decoupled != 0 {
			x -= lr * decoupled * x
		}
		d := float64(gj) + lam*float64(w[j])
		mj := b1*float64(m[j]) + (1-b1)*d
		vj := b2*float64(v[j]) + (1-b2)*d*d
		m[j], v[j] = float32(mj), float32(vj)
		x -= lr * (mj / bc1) / (math.Sqrt(vj/bc2) + eps)
		w[j] = float32(x)
	}
}

// State returns the optimizer's state tensors, named "<parameter>/<slot>" (for example
// "Conv2d_0/weights/momentum"); they share memory with the optimizer.
func (o *Optimizer) State() map[string][]float32 {
	st := map[string][]float32{}
	names := o.cfg.SlotNames()
	for i, p := range o.params {
		for k, name := range names {
			st[p.Name+"/"+name] = o.slots[i][k]
		}
	}
	return st
}

// Restore sets the optimizer's state: every state tensor State names must be in st with the right
// length, and steps is the number of updates already applied.
func (o *Optimizer) Restore(st map[string][]float32, steps int64) error {
	if steps < 0 {
		return fmt.Errorf("optim: negative step count %d", steps)
	}
	names := o.cfg.SlotNames()
	for i, p := range o.params {
		for k, name := range names {
			key := p.Name + "/" + name
			v, ok := st[key]
			if !ok {
				return fmt.Errorf("optim: state %s is missing", key)
			}
			if len(v) != len(o.slots[i][k]) {
				return fmt.Errorf("optim: state %s has %d values, want %d", key, len(v), len(o.slots[i][k]))
			}
			copy(o.slots[i][k], v)
		}
	}
	o.step = steps
	return nil
}
