package sim

import "math"

// profile holds the intraday shape of activity and volatility for each
// minute of the 04:00–20:00 ET day.
type profile struct {
	// rate multiplies a symbol's average regular-session arrival rate.
	rate [minutesPerDay]float64
	// vol multiplies a symbol's average regular-session per-minute
	// volatility.
	vol [minutesPerDay]float64
}

// newProfile builds the U shape of the regular session (busy open, quiet
// lunch, busier close with the closing auction) and the thin extended
// sessions. Over the regular session rate averages 1 and vol² averages 1.
func newProfile(extendedVol float64) *profile {
	p := &profile{}
	var sum float64
	for m := regularOpen; m < regularClose; m++ {
		x := (float64(m-regularOpen) + 0.5) / regularLen
		u := 0.7 + 1.5*(2*x-1)*(2*x-1)
		switch {
		case m-regularOpen < 5:
			u *= 1.6 // opening rush
		case regularClose-m <= 5:
			u *= 1.8 // closing auction imbalance
		}
		p.rate[m] = u
		sum += u
	}
	mean := sum / regularLen
	for m := regularOpen; m < regularClose; m++ {
		p.rate[m] /= mean
		p.vol[m] = math.Sqrt(p.rate[m])
	}
	for m := range regularOpen {
		// pre-market: a trickle from 04:00, building towards the open
		x := float64(m) / regularOpen
		p.rate[m] = 0.02 + 0.12*x*x
		p.vol[m] = extendedVol
	}
	for m := regularClose; m < minutesPerDay; m++ {
		// after hours: earnings-season activity right after the close,
		// fading towards 20:00
		x := float64(m-regularClose) / (minutesPerDay - regularClose)
		p.rate[m] = 0.02 + 0.15*(1-x)*(1-x)
		p.vol[m] = extendedVol
	}
	return p
}
