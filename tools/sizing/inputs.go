package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Inputs are the service times the simulation uses: measured ones read from docs/performance.md (written by
// `npm run bench` and `npm run bench:cold-start`), and the few assumptions the docs name.
type Inputs struct {
	// CatalogueRequest is one catalogue request's time on a pod: 1 / its warm throughput.
	CatalogueRequest float64
	// TranscodeCPU is CPU-seconds per source-second of one video, every rung encoded (a non-standard source: the
	// dearer case; a standard one remuxes its top rung).
	TranscodeCPU float64
	// PlanSeconds is the plan job's time: probe and keyframe index through ranged reads, so nearly constant in length.
	PlanSeconds float64
	// LeadPlayable is a non-standard upload's first playable, from its upload event, alone on the machine: the lead
	// rungs and the audio, encoded from the start in the audio job (bench:instant, in-process).
	LeadPlayable float64
	// ColdStart is process start to first 200 per function, seconds.
	ColdStart map[string]float64
	// Assumptions, not measured here: named in docs/operations.md.
	PodStart     float64 // scheduling, sandbox, container start with the image on the node, queue-proxy ready
	AudioCPU     float64 // CPU-seconds per source-second of the whole-file audio job
	EventRequest float64 // an ingest, deadletter, finalize or catalogue event request
	Provenance   []string
}

const (
	assumedPodStart     = 2.0
	assumedAudioCPU     = 0.024 // measure-transcode.js, docs/operations.md#measured
	assumedEventRequest = 0.05
)

var (
	reCatalogueRPS  = regexp.MustCompile("catalogue warm, `GET /api/videos/:id`[^\n]*\\(([\\d.,]+) req/s\\)")
	reTranscodeCPU  = regexp.MustCompile(`(?m)^\| ours, non-standard[^|]*\| [^|]*\| [\d.]+ \| ([\d.]+) \|`)
	rePlanned       = regexp.MustCompile(`(?m)^\| 10 min, standard \| yes \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|`)
	reLeadPlayable  = regexp.MustCompile(`(?m)^\| 10 min, non-standard[^|]*\| no \|(?:[^|]*\|){7} \*\*([\d.]+)\*\* \|`)
	reColdStartLine = regexp.MustCompile("(?m)^\\| (\\w+) cold start, process start → first 200[^|]*\\| ([\\d,]+) ms")
)

// LoadInputs reads the measurements; a missing figure is an error naming the command that produces it.
func LoadInputs(root string) (*Inputs, error) {
	path := filepath.Join(root, "docs", "performance.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("docs/performance.md not found under %s: run from the repository root", root)
	}
	doc := string(raw)
	in := &Inputs{ColdStart: map[string]float64{}, PodStart: assumedPodStart, AudioCPU: assumedAudioCPU, EventRequest: assumedEventRequest}
	missing := func(what, cmd string) error {
		return fmt.Errorf("docs/performance.md has no %s: run `%s` first", what, cmd)
	}
	m := reCatalogueRPS.FindStringSubmatch(doc)
	if m == nil {
		return nil, missing("catalogue warm throughput", "npm run bench:serve")
	}
	in.CatalogueRequest = 1 / number(m[1])
	in.Provenance = append(in.Provenance, fmt.Sprintf("catalogue request %.1f ms (warm throughput %s req/s, one pod)", in.CatalogueRequest*1000, m[1]))
	m = reTranscodeCPU.FindStringSubmatch(doc)
	if m == nil {
		return nil, missing("transcode CPU-seconds per source-second (ladder cost, non-standard)", "npm run bench:transcode")
	}
	in.TranscodeCPU = number(m[1])
	m = rePlanned.FindStringSubmatch(doc)
	if m == nil {
		return nil, missing("plan time of the 10-minute standard source", "npm run bench:instant")
	}
	in.PlanSeconds = number(m[1])
	m = reLeadPlayable.FindStringSubmatch(doc)
	if m == nil {
		return nil, missing("first playable of the 10-minute non-standard source", "npm run bench:instant")
	}
	in.LeadPlayable = number(m[1])
	in.Provenance = append(in.Provenance,
		fmt.Sprintf("transcode %.2f CPU-s per source-second (every rung encoded); plan (probe + index in place) %.2f s; first playable %.2f s after the upload event, alone (lead rungs)",
			in.TranscodeCPU, in.PlanSeconds, in.LeadPlayable))
	// The cold-start section (bench/cold-start.ts) first: it measures every function the same way.
	block := doc
	if i, j := strings.Index(doc, "<!-- cold-start:begin -->"), strings.Index(doc, "<!-- cold-start:end -->"); i >= 0 && j > i {
		block = doc[i:j] + doc
	}
	for _, m := range reColdStartLine.FindAllStringSubmatch(block, -1) {
		if _, seen := in.ColdStart[m[1]]; !seen {
			in.ColdStart[m[1]] = number(m[2]) / 1000
		}
	}
	for _, fn := range []string{"catalogue", "ingest", "transcode"} {
		if _, ok := in.ColdStart[fn]; !ok {
			return nil, missing(fn+" cold start", "npm run bench:cold-start")
		}
	}
	in.Provenance = append(in.Provenance, fmt.Sprintf("cold start to first 200: catalogue %.0f ms, ingest %.0f ms, transcode %.0f ms; plus an assumed %.1f s pod start",
		in.ColdStart["catalogue"]*1000, in.ColdStart["ingest"]*1000, in.ColdStart["transcode"]*1000, in.PodStart))
	return in, nil
}

// Override applies "svc.cold-start=400ms" and "pod-start=..." style what-ifs to the measured inputs.
func (in *Inputs) Override(key, value string) error {
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		return fmt.Errorf("--set %s=%s: expected a duration such as 400ms or 2s", key, value)
	}
	switch {
	case key == "pod-start":
		in.PodStart = d.Seconds()
	case strings.HasSuffix(key, ".cold-start"):
		in.ColdStart[strings.TrimSuffix(key, ".cold-start")] = d.Seconds()
	default:
		return fmt.Errorf("--set %s: unknown measurement", key)
	}
	return nil
}

func number(s string) float64 {
	f, _ := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return f
}
