package sim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// garch is a unit-mean GARCH(1,1) variance updated once per trading minute.
type garch struct {
	omega, alpha, beta float64
	h                  float64
}

func newGARCH(p Params) garch {
	return garch{omega: 1 - p.GARCHAlpha - p.GARCHBeta, alpha: p.GARCHAlpha, beta: p.GARCHBeta, h: 1}
}

// step returns this minute's standardised shock sqrt(h)·z and moves h on.
func (g *garch) step(z float64) (shock, h float64) {
	h = g.h
	shock = math.Sqrt(h) * z
	g.h = g.omega + g.alpha*shock*shock + g.beta*h
	return shock, h
}

// factor is a common driver (the market or one sector): per trading minute a
// standardised shock with GARCH variance plus Poisson jumps, generated in
// minute order from its own random stream so every symbol reading minute k
// sees the same value whatever else is simulated.
type factor struct {
	rng      *rand.Rand
	g        garch
	jumpProb float64 // per minute
	jumpSize float64 // in standard per-minute units
	base     int64   // minute index of shock[0]
	shock    []float64
	variance []float64
}

func newFactor(seed int64, name string, p Params, jumpsPerDay, jumpDailySD float64) *factor {
	return &factor{
		rng:      rand.New(rand.NewPCG(uint64(seed), streamID("factor:"+name))),
		g:        newGARCH(p),
		jumpProb: jumpsPerDay / minutesPerDay,
		jumpSize: jumpDailySD * math.Sqrt(regularLen),
	}
}

// at returns the shock and the GARCH variance of minute k.
func (f *factor) at(k int64) (shock, variance float64) {
	for f.base+int64(len(f.shock)) <= k {
		s, h := f.g.step(f.rng.NormFloat64())
		if f.rng.Float64() < f.jumpProb {
			s += f.jumpSize * f.rng.NormFloat64()
		}
		f.shock = append(f.shock, s)
		f.variance = append(f.variance, h)
	}
	i := k - f.base
	return f.shock[i], f.variance[i]
}

// trim forgets minutes before k, which no symbol will read again.
func (f *factor) trim(k int64) {
	n := min(k-f.base, int64(len(f.shock)))
	if n < 4096 {
		return
	}
	f.shock = append(f.shock[:0], f.shock[n:]...)
	f.variance = append(f.variance[:0], f.variance[n:]...)
	f.base += n
}

// streamID derives a random stream id from a name, so each symbol and
// factor has its own stream under one seed.
func streamID(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
