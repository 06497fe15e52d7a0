package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Figures are one service's results for one run.
type Figures struct {
	Service              string
	PeakPods             int
	P50, P95, Max        float64 // wait before a pod starts the work, seconds
	TimedOut             int     // waited longer than timeoutSeconds: Knative answers 504, the Broker redelivers
	Drain                float64 // from the end of the load to the last completion
	PodSeconds           float64
	ColdStarts, Requests int
	Series               []Sample
}

// Result is one profile's run.
type Result struct {
	Profile                             Profile
	Services                            []Figures
	Uploads                             []*Upload
	FirstView                           float64 // the first viewer request's wait (-1: none)
	ViewP50, ViewP95, ViewMax, Duration float64
}

// RunProfile simulates one profile with the given knobs and inputs.
func RunProfile(p Profile, k *Knobs, in *Inputs) (*Result, error) {
	for _, n := range p.Services {
		if k.Services[n] == nil {
			return nil, fmt.Errorf("profile %s needs Knative Service %q in knative/", p.Name, n)
		}
	}
	sim := NewSim(k, in, p.Services)
	w := NewWorkload(in, k.App)
	p.setup(sim, w)
	sim.Source = w.Source(sim)
	sim.Horizon = sim.LoadEnd + 6*3600
	sim.Run()
	res := &Result{Profile: p, Uploads: w.Uploads, FirstView: -1, Duration: sim.End}
	for _, s := range sim.Services {
		st := s.stats
		res.Services = append(res.Services, Figures{
			Service: s.Name, PeakPods: st.peakPods, P50: percentile(st.waits, .5), P95: percentile(st.waits, .95),
			Max: percentile(st.waits, 1), TimedOut: st.timedOut, Drain: math.Max(0, st.lastDone-sim.LoadEnd),
			PodSeconds: st.podSeconds, ColdStarts: st.coldStarts, Requests: st.requests, Series: st.series,
		})
	}
	if len(w.Views) > 0 {
		waits := make([]float64, 0, len(w.Views))
		for _, r := range w.Views {
			waits = append(waits, r.Start-r.Arrival)
		}
		res.FirstView = waits[0]
		res.ViewP50, res.ViewP95, res.ViewMax = percentile(waits, .5), percentile(waits, .95), percentile(waits, 1)
	}
	return res, nil
}

// Print writes the profile's table; with a what-if result, each figure reads "today → what-if".
func Print(out io.Writer, today, whatIf *Result) {
	p := today.Profile
	fmt.Fprintf(out, "\n%s: %s (simulated %s)\n", p.Name, p.About, dur(today.Duration))
	rows := [][]string{{"service", "peak pods", "wait p50", "wait p95", "wait max", "> timeout", "drain", "pod-seconds", "cold starts", "requests"}}
	for i, f := range today.Services {
		var g *Figures
		if whatIf != nil {
			g = &whatIf.Services[i]
		}
		pick := func(get func(Figures) string) string {
			if g == nil || get(*g) == get(f) {
				return get(f)
			}
			return get(f) + " → " + get(*g)
		}
		rows = append(rows, []string{f.Service,
			pick(func(x Figures) string { return fmt.Sprint(x.PeakPods) }),
			pick(func(x Figures) string { return dur(x.P50) }),
			pick(func(x Figures) string { return dur(x.P95) }),
			pick(func(x Figures) string { return dur(x.Max) }),
			pick(func(x Figures) string { return fmt.Sprint(x.TimedOut) }),
			pick(func(x Figures) string { return dur(x.Drain) }),
			pick(func(x Figures) string { return fmt.Sprintf("%.0f", x.PodSeconds) }),
			pick(func(x Figures) string { return fmt.Sprint(x.ColdStarts) }),
			pick(func(x Figures) string { return fmt.Sprint(x.Requests) }),
		})
	}
	table(out, rows)
	for _, line := range summary(today, whatIf) {
		fmt.Fprintln(out, "  "+line)
	}
}

func summary(today, whatIf *Result) []string {
	var lines []string
	pair := func(label string, get func(*Result) string) {
		v := get(today)
		if whatIf != nil && get(whatIf) != v {
			v += " → " + get(whatIf)
		}
		lines = append(lines, label+": "+v)
	}
	if len(today.Uploads) > 0 {
		pair("uploads, wait before their first job (p50 / max)", func(r *Result) string {
			return uploadStat(r, func(u *Upload) float64 { return u.FirstWork })
		})
		pair("uploads, playable after (p50 / max)", func(r *Result) string {
			return uploadStat(r, func(u *Upload) float64 { return u.Playable - u.At })
		})
		pair("uploads, ready after (p50 / max)", func(r *Result) string {
			return uploadStat(r, func(u *Upload) float64 { return u.Ready - u.At })
		})
	}
	if today.FirstView >= 0 {
		pair("viewers, first request waits", func(r *Result) string { return dur(r.FirstView) })
		pair("viewers, wait p50 / p95 / max", func(r *Result) string {
			return dur(r.ViewP50) + " / " + dur(r.ViewP95) + " / " + dur(r.ViewMax)
		})
	}
	return lines
}

func uploadStat(r *Result, get func(*Upload) float64) string {
	xs := []float64{}
	for _, u := range r.Uploads {
		xs = append(xs, get(u))
	}
	return dur(percentile(xs, .5)) + " / " + dur(percentile(xs, 1))
}

func table(out io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = c + strings.Repeat(" ", widths[i]-len([]rune(c)))
		}
		fmt.Fprintln(out, "  "+strings.TrimRight(strings.Join(cells, "  "), " "))
	}
}

// dur prints seconds the way an operator reads them: 0.4 s, 38 s, 12 m 05 s, 3 h 02 m.
func dur(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.1f s", s)
	case s < 120:
		return fmt.Sprintf("%.0f s", s)
	case s < 7200:
		return fmt.Sprintf("%d m %02d s", int(s)/60, int(s)%60)
	}
	return fmt.Sprintf("%d h %02d m", int(s)/3600, int(s)%3600/60)
}
