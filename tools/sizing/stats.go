package main

import (
	"math"
	"sort"
)

// Stats are one service's figures over a run.
type Stats struct {
	waits       []float64 // seconds from arrival to a pod starting the work, per request
	timedOut    int       // requests that waited longer than the revision's timeoutSeconds
	podSeconds  float64
	coldStarts  int
	peakPods    int
	lastArrival float64
	lastDone    float64
	requests    int
	zeroAt      float64 // when the pod count last went to zero (-1: never, or not at zero at the end)
	series      []Sample
}

// Sample is the state at one autoscaler tick, for the charts.
type Sample struct {
	T              float64
	Pods, Ready    int
	Waiting        int
	Desired        int32
	Panic          bool
	StableObserved float64
}

func newStats() *Stats { return &Stats{zeroAt: -1} }

func (st *Stats) arrived(t float64) {
	st.requests++
	st.lastArrival = math.Max(st.lastArrival, t)
}

func (st *Stats) started(r *Request, timeout float64) {
	w := r.Start - r.Arrival
	st.waits = append(st.waits, w)
	if w > timeout {
		st.timedOut++
	}
}

func (st *Stats) completed(t float64) { st.lastDone = math.Max(st.lastDone, t) }

func (st *Stats) pods(t float64, n int) {
	if n > st.peakPods {
		st.peakPods = n
	}
	if n == 0 && st.zeroAt < 0 {
		st.zeroAt = t
	} else if n > 0 {
		st.zeroAt = -1
	}
}

// Percentile of the waits (p in [0,1]); 0 with no requests.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
