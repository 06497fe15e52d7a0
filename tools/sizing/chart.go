package main

import (
	"fmt"
	"math"
	"strings"
)

var colors = map[string]string{"transcode": "#d9480f", "catalogue": "#1971c2", "ingest": "#2f9e44", "gateway": "#7048e8", "deadletter": "#868e96"}

// Chart draws pods (top) and requests waiting (bottom) over time for every service of a run, as a small SVG.
func Chart(r *Result) string {
	const w, h, left, right, top, panel, gap = 760, 330, 56, 16, 28, 110, 46
	end := r.Duration
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><text x="%d" y="16" font-size="13" font-weight="bold">%s: %s</text>`+"\n",
		w, h, left, r.Profile.Name, esc(r.Profile.About))
	panels := []struct {
		title string
		get   func(Sample) float64
	}{
		{"pods (ready + starting)", func(s Sample) float64 { return float64(s.Pods) }},
		{"requests waiting for a pod", func(s Sample) float64 { return float64(s.Waiting) }},
	}
	for i, p := range panels {
		y0 := top + i*(panel+gap)
		ymax := 1.0
		for _, f := range r.Services {
			for _, s := range f.Series {
				ymax = math.Max(ymax, p.get(s))
			}
		}
		ymax = niceCeil(ymax)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#333">%s</text>`+"\n", left, y0+10, p.title)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", left, y0+panel, w-right, y0+panel)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", left, y0+14, left, y0+panel)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%g</text><text x="%d" y="%d" text-anchor="end">0</text>`+"\n",
			left-4, y0+18, ymax, left-4, y0+panel)
		x := func(t float64) float64 { return left + (w-left-right)*t/end }
		y := func(v float64) float64 { return float64(y0+panel) - float64(panel-14)*v/ymax }
		for _, f := range r.Services {
			pts := downsample(f.Series, p.get, 700)
			var path strings.Builder
			for j, s := range pts {
				if j == 0 {
					fmt.Fprintf(&path, "M%.1f %.1f", x(s.T), y(s.v))
				} else {
					fmt.Fprintf(&path, "H%.1fV%.1f", x(s.T), y(s.v)) // steps: counts change at ticks
				}
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", path.String(), color(f.Service))
		}
		if i == 1 {
			for k := 0; k <= 5; k++ {
				t := end * float64(k) / 5
				anchor := map[int]string{0: "start", 5: "end"}[k]
				if anchor == "" {
					anchor = "middle"
				}
				fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="%s">%s</text>`+"\n", x(t), y0+panel+14, anchor, dur(t))
			}
		}
	}
	for i, f := range r.Services {
		lx := left + 200*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="3" fill="%s"/><text x="%d" y="%d">%s (peak %d pods)</text>`+"\n",
			lx, h-12, color(f.Service), lx+16, h-8, f.Service, f.PeakPods)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

type point struct{ T, v float64 }

// downsample keeps at most n points, each bucket's maximum, so peaks survive.
func downsample(series []Sample, get func(Sample) float64, n int) []point {
	if len(series) == 0 {
		return nil
	}
	per := max(1, (len(series)+n-1)/n)
	out := []point{}
	for i := 0; i < len(series); i += per {
		p := point{T: series[i].T}
		for _, s := range series[i:min(i+per, len(series))] {
			p.v = math.Max(p.v, get(s))
		}
		out = append(out, p)
	}
	return out
}

func niceCeil(v float64) float64 {
	m := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5, 10} {
		if v <= f*m {
			return f * m
		}
	}
	return 10 * m
}

func color(svc string) string {
	if c, ok := colors[svc]; ok {
		return c
	}
	return "#495057"
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
