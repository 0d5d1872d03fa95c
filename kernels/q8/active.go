package q8

// Active returns the level the kernels use now: Detected, unless SetLevel
// changed it.
func Active() Level { return level() }
