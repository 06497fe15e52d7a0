package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Profile is a named load: it sets the sim's arrivals and reports per-upload or per-viewer figures.
type Profile struct {
	Name, About string
	Services    []string
	setup       func(sim *Sim, w *Workload)
}

// Profiles in the order they are printed.
var Profiles = []Profile{
	{"burst", "50 ten-minute uploads within one minute", []string{"ingest", "transcode", "catalogue"}, func(sim *Sim, w *Workload) {
		sim.LoadEnd = 60
		for i := range 50 {
			w.Upload(sim, 60*float64(i)/50, 600)
		}
	}},
	{"steady", "one two-minute upload a minute for an hour", []string{"ingest", "transcode", "catalogue"}, func(sim *Sim, w *Workload) {
		sim.LoadEnd = 3600
		for i := range 60 {
			w.Upload(sim, 60*float64(i), 120)
		}
	}},
	{"flash", "catalogue viewers from 0 to 2,000 requests/s in 10 s, held 2 minutes", []string{"catalogue"}, func(sim *Sim, w *Workload) {
		sim.LoadEnd = 130
		w.Viewers(sim, func(t float64) float64 {
			switch {
			case t < 10:
				return 200 * t
			case t < 130:
				return 2000
			}
			return 0
		})
	}},
	{"morning", "the first viewer after a night at zero: a page load (3 requests), then a click every 10 s for 2 minutes", []string{"catalogue"}, func(sim *Sim, w *Workload) {
		sim.LoadEnd = 180
		w.Session(sim, 60, 120)
	}},
	{"mixed", "a day: viewers 0 at night, up to 20 req/s at 21:00; 24 uploads of 2-15 minutes between 09:00 and 18:00", []string{"ingest", "transcode", "catalogue"}, func(sim *Sim, w *Workload) {
		sim.LoadEnd = 24 * 3600
		rng := rand.New(rand.NewPCG(7, 16))
		for range 24 {
			w.Upload(sim, 9*3600+rng.Float64()*9*3600, 120+rng.Float64()*780)
		}
		w.Viewers(sim, func(t float64) float64 {
			switch h := t / 3600; {
			case h < 7 || h >= 24:
				return 0
			case h < 21:
				return 20 * math.Pow((h-7)/14, 2) // rises through the day to 20 req/s at 21:00
			default:
				return 20 * (24 - h) / 3 // and falls to 0 at midnight
			}
		})
	}},
}

// Workload plays the parts around the services: uploads through ingest and transcode's job events, viewers.
type Workload struct {
	in      *Inputs
	app     map[string]string
	rng     *rand.Rand
	Uploads []*Upload
	Views   []*Request
	pending []arrival // external arrivals not yet sent, in time order
	viewers func(t float64) float64
}

// Upload follows one video: the wait before its first job starts, and when it is playable and ready.
type Upload struct {
	At, Length                 float64
	FirstWork, Playable, Ready float64
}

// playableBy records that the video plays by time t, if nothing made it play sooner.
func (u *Upload) playableBy(t float64) {
	if u.Playable == 0 || t < u.Playable {
		u.Playable = t
	}
}

func NewWorkload(in *Inputs, app map[string]string) *Workload {
	return &Workload{in: in, app: app, rng: rand.New(rand.NewPCG(1, 2))}
}

func (w *Workload) setting(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(w.app[key], 64); err == nil && v > 0 {
		return v
	}
	return def
}

// Upload schedules MinIO's notification of one upload: ingest, then transcode's plan, audio, chunk and finalize
// jobs (the audio, chunk 0, then a sliding window of CHUNK_PARALLELISM chunks, as transcode sends them), then
// catalogue events. Every upload is a non-standard source (every rung encoded, the dearer case).
func (w *Workload) Upload(sim *Sim, at, length float64) {
	u := &Upload{At: at, Length: length}
	w.Uploads = append(w.Uploads, u)
	cpu := sim.byName["transcode"].Knobs.CPURequest
	chunkLen, first := w.setting("CHUNK_SECONDS", 60), w.setting("FIRST_CHUNK_SECONDS", 8)
	window := int(w.setting("CHUNK_PARALLELISM", 2))
	chunks := []float64{}
	if length <= chunkLen {
		chunks = append(chunks, length)
	} else {
		chunks = append(chunks, first)
		for rest := length - first; rest > 0; rest -= chunkLen {
			chunks = append(chunks, math.Min(chunkLen, rest))
		}
	}
	event := func(t float64) { sim.Send("catalogue", &Request{Arrival: t, Work: w.in.EventRequest}) }
	left := len(chunks) + 1 // chunks and audio
	jobDone := func(t float64) {
		event(t) // video.progress
		if left--; left == 0 {
			sim.Send("transcode", &Request{Arrival: t, Work: w.in.EventRequest, Done: func(t float64) { u.Ready = t; event(t) }})
		}
	}
	// As transcode sends them (lib/media/chunks.ts): chunk 0 alone; its completion opens a window of `window`
	// chunks, and each later chunk done sends the one `window` places on.
	var sendChunk func(t float64, n int)
	sendChunk = func(t float64, n int) {
		sim.Send("transcode", &Request{Arrival: t, Work: chunks[n] * w.in.TranscodeCPU / cpu, Done: func(t float64) {
			if n == 0 {
				u.playableBy(t)
				for i := 1; i <= min(window, len(chunks)-1); i++ {
					sendChunk(t, i)
				}
			} else if n+window < len(chunks) {
				sendChunk(t, n+window)
			}
			jobDone(t)
		}})
	}
	plan := &Request{Work: w.in.PlanSeconds}
	plan.Done = func(t float64) {
		u.FirstWork = plan.Start - u.At
		event(t) // video.processing
		// The audio job goes first. It encodes the lead rungs beside the audio and publishes them as it goes: the
		// video plays about as long after it starts as the bench measured after the plan, unless chunk 0 comes first.
		audio := &Request{Arrival: t, Work: length * w.in.AudioCPU / cpu}
		audio.Done = func(t float64) {
			u.playableBy(audio.Start + max(0, w.in.LeadPlayable-w.in.PlanSeconds))
			jobDone(t)
		}
		sim.Send("transcode", audio)
		sendChunk(t, 0)
	}
	w.later("ingest", &Request{Arrival: at, Work: w.in.EventRequest, Done: func(t float64) {
		plan.Arrival = t
		sim.Send("transcode", plan)
	}})
}

// Session is one viewer: a page load of 3 requests at `at`, then one request every 10 s for `length` seconds.
func (w *Workload) Session(sim *Sim, at, length float64) {
	for range 3 {
		w.view(at)
	}
	for t := at + 10; t <= at+length; t += 10 {
		w.view(t)
	}
}

// Viewers sets a request rate (per second, over time) of catalogue API calls; arrivals are Poisson.
func (w *Workload) Viewers(sim *Sim, rate func(t float64) float64) { w.viewers = rate }

func (w *Workload) view(t float64) {
	r := &Request{Arrival: t, Work: w.in.CatalogueRequest}
	w.Views = append(w.Views, r)
	w.later("catalogue", r)
}

type arrival struct {
	service string
	r       *Request
}

func (w *Workload) later(service string, r *Request) {
	i := len(w.pending)
	for i > 0 && w.pending[i-1].r.Arrival > r.Arrival {
		i--
	}
	w.pending = append(w.pending, arrival{})
	copy(w.pending[i+1:], w.pending[i:])
	w.pending[i] = arrival{service, r}
}

// Source sends the arrivals due in [t, end): scheduled ones to their first service, viewers to the catalogue.
func (w *Workload) Source(sim *Sim) func(t, end float64) {
	return func(t, end float64) {
		for len(w.pending) > 0 && w.pending[0].r.Arrival < end {
			a := w.pending[0]
			w.pending = w.pending[1:]
			sim.Send(a.service, a.r)
		}
		if w.viewers == nil {
			return
		}
		if rate := w.viewers(t); rate > 0 {
			for n := poisson(w.rng, rate*(end-t)); n > 0; n-- {
				r := &Request{Arrival: t + w.rng.Float64()*(end-t), Work: w.in.CatalogueRequest}
				w.Views = append(w.Views, r)
				sim.Send("catalogue", r)
			}
		}
	}
}

func poisson(rng *rand.Rand, mean float64) int {
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	n, p, l := 0, 1.0, math.Exp(-mean)
	for p *= rng.Float64(); p > l; p *= rng.Float64() {
		n++
	}
	return n
}

// profileByName finds a profile or lists the names.
func profileByName(name string) (Profile, error) {
	for _, p := range Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	names := ""
	for _, p := range Profiles {
		names += " " + p.Name
	}
	return Profile{}, fmt.Errorf("unknown profile %q; profiles:%s", name, names)
}
