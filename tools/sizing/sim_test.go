package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testInputs are fixed service times, so these tests check the autoscaling, not today's measurements.
func testInputs() *Inputs {
	return &Inputs{CatalogueRequest: 0.006, TranscodeCPU: 1.6, PlanSeconds: 0.2, LeadPlayable: 2, PodStart: 2,
		AudioCPU: 0.024, EventRequest: 0.05, ColdStart: map[string]float64{"catalogue": 2.5, "ingest": 1, "transcode": 1}}
}

func oneViewer() Profile {
	return Profile{Name: "one", About: "one request at t=10 s", Services: []string{"catalogue"}, setup: func(sim *Sim, w *Workload) {
		sim.LoadEnd = 10
		w.view(10)
	}}
}

// The last pod goes only after the stable window (no demand left in it) plus the retention period.
func TestScaleToZeroWaitsForStableWindowAndRetention(t *testing.T) {
	knobs := repoKnobs(t)
	svc := knobs.Services["catalogue"]
	retention, ok := svc.PA.ScaleToZeroPodRetention()
	if !ok {
		t.Fatal("catalogue sets no scale-to-zero-pod-retention-period")
	}
	res, err := RunProfile(oneViewer(), knobs, testInputs())
	if err != nil {
		t.Fatal(err)
	}
	sw := knobs.Autoscaler.StableWindow
	earliest := 10 + (sw + max(retention, knobs.Autoscaler.ScaleToZeroGracePeriod)).Seconds()
	var lastUp, zero float64 = 0, -1
	for _, s := range res.Services[0].Series {
		if s.Pods > 0 {
			lastUp, zero = s.T, -1
		} else if zero < 0 && lastUp > 0 {
			zero = s.T
		}
	}
	if zero < 0 {
		t.Fatal("never scaled to zero")
	}
	if zero < earliest {
		t.Fatalf("scaled to zero at %.0f s; not before %.0f s (request at 10 s + stable window %v + retention %v)", zero, earliest, sw, retention)
	}
	if zero > earliest+3*TickInterval.Seconds()+res.Services[0].P50+testInputs().PodStart+2.5 {
		t.Fatalf("scaled to zero at %.0f s, long after %.0f s", zero, earliest)
	}
}

func TestRetentionFromTheManifestIsWhatHoldsThePod(t *testing.T) {
	short := repoKnobs(t, "catalogue.scale-to-zero-pod-retention-period=0s")
	long := repoKnobs(t)
	a, _ := RunProfile(oneViewer(), short, testInputs())
	b, _ := RunProfile(oneViewer(), long, testInputs())
	if a.Services[0].PodSeconds >= b.Services[0].PodSeconds {
		t.Fatalf("without retention the pod cost %.0f pod-s, with it %.0f", a.Services[0].PodSeconds, b.Services[0].PodSeconds)
	}
}

// copyKnative copies knative/ to a temp root, with one text replacement in one file.
func copyKnative(t *testing.T, file, old, new string) string {
	t.Helper()
	root := t.TempDir()
	err := filepath.Walk("../../knative", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("../..", p)
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(raw)
		if rel == file {
			if !strings.Contains(text, old) {
				t.Fatalf("%s does not contain %q", file, old)
			}
			text = strings.Replace(text, old, new, 1)
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(root, rel), []byte(text), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestAChangedManifestChangesTheResult(t *testing.T) {
	burst, _ := profileByName("burst")
	today, err := RunProfile(burst, repoKnobs(t), testInputs())
	if err != nil {
		t.Fatal(err)
	}
	_, max := repoKnobs(t).Services["transcode"].PA.ScaleBounds(repoKnobs(t).Autoscaler)
	if today.Services[1].PeakPods != int(max) {
		t.Fatalf("burst peaked at %d transcode pods; max-scale is %d", today.Services[1].PeakPods, max)
	}
	root := copyKnative(t, "knative/transcode/service.yaml", `autoscaling.knative.dev/max-scale: "4"`, `autoscaling.knative.dev/max-scale: "8"`)
	changed, err := LoadKnobs(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunProfile(burst, changed, testInputs())
	if err != nil {
		t.Fatal(err)
	}
	if res.Services[1].PeakPods != 8 {
		t.Fatalf("with max-scale 8 in the manifest the burst peaked at %d pods", res.Services[1].PeakPods)
	}
	if res.Services[1].Drain >= today.Services[1].Drain {
		t.Fatalf("twice the pods did not drain the burst sooner (%.0f s vs %.0f s)", res.Services[1].Drain, today.Services[1].Drain)
	}
}

// Knative's own config validation runs on our ConfigMap: the controller's refusal shows up here first.
func TestKnativesValidationRefusesAMaxScaleLimitWithoutMaxScale(t *testing.T) {
	root := copyKnative(t, "knative/serving/config-autoscaler.yaml", `max-scale: "20"`, `# max-scale unset`)
	_, err := LoadKnobs(root, nil)
	if err == nil || !strings.Contains(err.Error(), "max-scale = 0, must be in [1, max-scale-limit(20)] range") {
		t.Fatalf("got %v, want Knative's max-scale refusal", err)
	}
}

func TestABadWhatIfIsRefusedWithKnativesMessage(t *testing.T) {
	_, err := LoadKnobs("../..", []string{"transcode.max-scale=30"})
	if err == nil || !strings.Contains(err.Error(), "max-scale") {
		t.Fatalf("max-scale above max-scale-limit was accepted: %v", err)
	}
	if _, err := LoadKnobs("../..", []string{"nosuch.target=1"}); err == nil || !strings.Contains(err.Error(), "no Knative Service named") {
		t.Fatalf("unknown service: %v", err)
	}
}

func TestTheMeasurementsAreReadFromPerformanceDoc(t *testing.T) {
	in, err := LoadInputs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if in.CatalogueRequest <= 0 || in.TranscodeCPU <= 0 || in.PlanSeconds <= 0 || in.LeadPlayable <= 0 || in.ColdStart["catalogue"] <= 0 {
		t.Fatalf("implausible inputs: %+v", in)
	}
	if err := in.Override("catalogue.cold-start", "400ms"); err != nil || in.ColdStart["catalogue"] != (400*time.Millisecond).Seconds() {
		t.Fatalf("override: %v, %v", err, in.ColdStart)
	}
}

// One upload alone, from cold: it plays the measured lead time after its audio job starts (long before chunk 0 is
// done), and it is ready only after every chunk, which goes no faster than the window allows.
func TestAnUploadAlonePlaysAfterTheLeadAndIsReadyAfterItsChunks(t *testing.T) {
	in := testInputs()
	one := Profile{Name: "one", About: "one ten-minute upload", Services: []string{"ingest", "transcode", "catalogue"}, setup: func(sim *Sim, w *Workload) {
		sim.LoadEnd = 1
		w.Upload(sim, 0, 600)
	}}
	res, err := RunProfile(one, repoKnobs(t), in)
	if err != nil {
		t.Fatal(err)
	}
	u := res.Uploads[0]
	// Cold: ingest's and transcode's pod start and cold start, the plan, then the lead.
	cold := 2*in.PodStart + in.ColdStart["ingest"] + in.ColdStart["transcode"]
	if want := cold + in.LeadPlayable; u.Playable < want || u.Playable > want+2*TickInterval.Seconds()+1 {
		t.Fatalf("playable after %.1f s; want about %.1f s (cold starts %.1f s + lead %.1f s)", u.Playable, want, cold, in.LeadPlayable)
	}
	if work := 600 * in.TranscodeCPU; u.Ready < work/4 {
		t.Fatalf("ready after %.0f s: faster than %.0f CPU-s on 4 pods allows", u.Ready, work)
	}
}
