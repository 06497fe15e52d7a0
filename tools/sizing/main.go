// Command sizing runs Knative Serving's own KPA decider (knative.dev/serving at the version our manifests
// target) in simulated time against estrena's manifests and measured service times: see docs/operations.md#sizing.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type sets []string

func (s *sets) String() string     { return strings.Join(*s, ",") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var overrides sets
	profile := flag.String("profile", "", "one profile (burst, steady, flash, morning, mixed); all by default")
	root := flag.String("root", ".", "repository root (knative/ and docs/performance.md)")
	charts := flag.String("charts", "", "folder for the SVG charts (default docs/sizing, or .estrena/sizing for a what-if)")
	flag.Var(&overrides, "set", "what-if, repeatable: transcode.target=2, catalogue.max-scale=10, autoscaler.stable-window=30s, config.CHUNK_PARALLELISM=2, catalogue.cold-start=400ms, pod-start=1s")
	flag.Parse()
	if err := run(*root, *profile, *charts, overrides); err != nil {
		fmt.Fprintln(os.Stderr, "sizing:", err)
		os.Exit(1)
	}
}

func run(root, only, charts string, overrides []string) error {
	in, err := LoadInputs(root)
	if err != nil {
		return err
	}
	today, err := LoadKnobs(root, nil)
	if err != nil {
		return err
	}
	whatIfIn := *in
	whatIfIn.ColdStart = map[string]float64{}
	for k, v := range in.ColdStart {
		whatIfIn.ColdStart[k] = v
	}
	var knobSets []string
	for _, o := range overrides {
		key, value, _ := strings.Cut(o, "=")
		if key == "pod-start" || strings.HasSuffix(key, ".cold-start") {
			if err := whatIfIn.Override(key, value); err != nil {
				return err
			}
			continue
		}
		knobSets = append(knobSets, o)
	}
	whatIf, err := LoadKnobs(root, knobSets)
	if err != nil {
		return err
	}
	profiles := Profiles
	if only != "" {
		p, err := profileByName(only)
		if err != nil {
			return err
		}
		profiles = []Profile{p}
	}
	if charts == "" {
		charts = filepath.Join(root, "docs", "sizing")
		if len(overrides) > 0 {
			charts = filepath.Join(root, ".estrena", "sizing")
		}
	}
	if err := os.MkdirAll(charts, 0o755); err != nil {
		return err
	}
	fmt.Println("Knative Serving KPA decider (knative.dev/serving v0.50.0) on knative/ manifests; inputs:")
	for _, line := range in.Provenance {
		fmt.Println("  " + line)
	}
	if len(overrides) > 0 {
		fmt.Println("what-if (today → what-if): " + strings.Join(overrides, " "))
	}
	for _, p := range profiles {
		base, err := RunProfile(p, today, in)
		if err != nil {
			return err
		}
		var alt *Result
		if len(overrides) > 0 {
			if alt, err = RunProfile(p, whatIf, &whatIfIn); err != nil {
				return err
			}
		}
		Print(os.Stdout, base, alt)
		shown := base
		if alt != nil {
			shown = alt
		}
		file := filepath.Join(charts, p.Name+".svg")
		if err := os.WriteFile(file, []byte(Chart(shown)), 0o644); err != nil {
			return err
		}
		fmt.Println("  chart: " + file)
	}
	return nil
}
