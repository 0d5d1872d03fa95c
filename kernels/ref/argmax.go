package ref

// ArgMax writes, for each (outer, inner) position of data viewed as [outer, axis, inner], the index
// along the middle axis of the largest value: TFLite's ARG_MAX (reference_ops::ArgMinMax with
// std::greater), which keeps the first maximum when several are equal, since a later value replaces
// the best only when strictly greater. For floats a NaN never replaces the best and is never replaced
// by a comparison, as in TFLite. out holds outer·inner indices.
func ArgMax[T ~float32 | ~float64 | ~uint8 | ~int8 | ~int32, I ~int64 | ~int32](data []T, outer, axis, inner int, out []I) {
	checkLen("ArgMax input", len(data), outer*axis*inner)
	checkLen("ArgMax output", len(out), outer*inner)
	if axis < 1 {
		panic("ref: ArgMax: empty axis")
	}
	for o := 0; o < outer; o++ {
		base := o * axis * inner
		for in := 0; in < inner; in++ {
			best, at := data[base+in], 0
			for i := 1; i < axis; i++ {
				if v := data[base+i*inner+in]; v > best {
					best, at = v, i
				}
			}
			out[o*inner+in] = I(at)
		}
	}
}
