package ref

// Float is the element type of the float kernels: float32, the type MobileNet runs in, or float64, in
// which the same loops serve as a high-precision twin (gradient checks, training references).
type Float interface{ ~float32 | ~float64 }
