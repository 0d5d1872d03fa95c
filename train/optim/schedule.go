package optim

import (
	"fmt"
	"math"
)

// Decay names a learning-rate decay.
type Decay string

// The decays.
const (
	Constant    Decay = "constant"    // the base rate throughout
	Step        Decay = "step"        // ×Factor every Every epochs, in stairs
	Exponential Decay = "exponential" // ×Factor^(e/Every), smoothly (TensorFlow's exponential_decay)
	Cosine      Decay = "cosine"      // half a cosine from the base rate to Min over Epochs
)

// Schedule gives the learning rate as a function of training progress, measured in epochs (fractions
// included), so that it does not depend on the batch size. A linear warm-up from 0 over Warmup epochs
// comes first; the decay then counts epochs from 0 (the warm-up included), as TensorFlow's decays count
// the global step.
type Schedule struct {
	Decay  Decay
	Base   float64 // the base learning rate
	Warmup float64 // epochs of linear warm-up from 0 to Base
	Every  float64 // step, exponential: epochs per decay period
	Factor float64 // step, exponential: the multiplier per period
	Epochs float64 // cosine: the length of the decay
	Min    float64 // cosine: the final rate
}

// Check returns an error naming the first field out of range.
func (s Schedule) Check() error {
	bad := func(v float64) bool { return !(v >= 0) || math.IsInf(v, 0) }
	switch {
	case bad(s.Base) || s.Base == 0:
		return fmt.Errorf("optim: learning rate %g must be positive and finite", s.Base)
	case bad(s.Warmup):
		return fmt.Errorf("optim: warm-up %g epochs must be finite and not negative", s.Warmup)
	case bad(s.Min):
		return fmt.Errorf("optim: minimum learning rate %g must be finite and not negative", s.Min)
	}
	switch s.Decay {
	case "", Constant:
	case Step, Exponential:
		if bad(s.Every) || s.Every == 0 {
			return fmt.Errorf("optim: %s decay needs a positive period, got %g epochs", s.Decay, s.Every)
		}
		if !(s.Factor > 0 && s.Factor <= 1) {
			return fmt.Errorf("optim: %s decay factor %g out of range (0, 1]", s.Decay, s.Factor)
		}
	case Cosine:
		if bad(s.Epochs) || s.Epochs == 0 {
			return fmt.Errorf("optim: cosine decay needs a positive length, got %g epochs", s.Epochs)
		}
	default:
		return fmt.Errorf("optim: unknown decay %q (want constant, step, exponential or cosine)", s.Decay)
	}
	return nil
}

// At returns the learning rate after e epochs of training.
func (s Schedule) At(e float64) float64 {
	lr := s.Base
	switch s.Decay {
	case Step:
		lr *= math.Pow(s.Factor, math.Floor(e/s.Every))
	case Exponential:
		lr *= math.Pow(s.Factor, e/s.Every)
	case Cosine:
		f := min(e/s.Epochs, 1)
		lr = s.Min + (s.Base-s.Min)*(1+math.Cos(math.Pi*f))/2
	}
	if s.Warmup > 0 && e < s.Warmup {
		lr *= e / s.Warmup
	}
	return lr
}
