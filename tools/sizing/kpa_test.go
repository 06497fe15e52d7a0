package main

import (
	"math"
	"testing"
	"time"
)

// fixedPods is a ready-pod count the test holds still, as when pods cannot start within the time observed.
type fixedPods struct{ ready int }

func (f *fixedPods) ReadyCount() (int, error)    { return f.ready, nil }
func (f *fixedPods) NotReadyCount() (int, error) { return 0, nil }

func repoKnobs(t *testing.T, sets ...string) *Knobs {
	t.Helper()
	k, err := LoadKnobs("../..", sets)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// drive records a constant concurrency every second and runs the decider every 2 s, as Knative does, from
// `from` to `to` seconds; it returns the last replica count applied and whether panic mode was ever seen.
func drive(k *KPA, pods *fixedPods, from, to int, concurrency float64, follow bool) (int32, bool) {
	var last int32
	panicked := false
	for s := from; s < to; s++ {
		k.Record(at(float64(s)), concurrency, concurrency)
		if s%2 == 0 {
			if want, ok := k.Tick(at(float64(s)), int32(pods.ready), pods.ready); ok {
				last = want
				if follow {
					pods.ready = int(want)
				}
			}
			panicked = panicked || k.Panicked
		}
	}
	return last, panicked
}

// Knative documents the steady state as ceil(observed concurrency / (target × target-utilization)).
func TestSteadyConcurrencySettlesAtKnativesFormula(t *testing.T) {
	knobs := repoKnobs(t)
	svc := knobs.Services["catalogue"]
	target, ok := svc.PA.Target()
	if !ok {
		t.Fatal("catalogue sets no target annotation")
	}
	util := knobs.Autoscaler.ContainerConcurrencyTargetFraction
	if u, ok := svc.PA.TargetUtilization(); ok {
		util = u / 100
	}
	for _, load := range []float64{30, 150, 250} {
		want := int32(math.Ceil(load / (target * util)))
		pods := &fixedPods{ready: 1}
		k := NewKPA(svc, knobs.Autoscaler, pods)
		got, _ := drive(k, pods, 0, 300, load, true)
		k.Close()
		if got != want {
			t.Errorf("load %.0f, target %.0f × %.2f: settled at %d pods, want ceil(...) = %d", load, target, util, got, want)
		}
	}
}

// Knative enters panic mode when the panic window's demand reaches panic-threshold (200%) of the ready pods.
func TestTwiceTheCapacityPanicsWithinThePanicWindow(t *testing.T) {
	knobs := repoKnobs(t)
	svc := knobs.Services["catalogue"]
	// Built before its pods exist, as in the simulation: a decider built over more than one ready pod starts
	// in panic mode, timed by the wall clock.
	pods := &fixedPods{}
	k := NewKPA(svc, knobs.Autoscaler, pods)
	defer k.Close()
	pods.ready = 4
	perPod := k.Spec.TargetValue
	if _, panicked := drive(k, pods, 0, 120, 4*perPod, false); panicked {
		t.Fatal("panicked at exactly the capacity of the ready pods")
	}
	panicWindow := time.Duration(float64(k.Spec.StableWindow) * knobs.Autoscaler.PanicWindowPercentage / 100)
	end := 120 + int(panicWindow.Seconds())
	if _, panicked := drive(k, pods, 120, end+1, 8*perPod, false); !panicked {
		t.Fatalf("twice the capacity for the panic window (%v) did not panic", panicWindow)
	}
}

func TestOneAndAHalfTimesTheCapacityDoesNotPanic(t *testing.T) {
	knobs := repoKnobs(t)
	pods := &fixedPods{}
	k := NewKPA(knobs.Services["catalogue"], knobs.Autoscaler, pods)
	defer k.Close()
	pods.ready = 4
	drive(k, pods, 0, 120, 4*k.Spec.TargetValue, false)
	if _, panicked := drive(k, pods, 120, 240, 6*k.Spec.TargetValue, false); panicked {
		t.Fatal("150% of capacity panicked; the threshold is 200%")
	}
}

func TestMaxScaleCapsThePodCount(t *testing.T) {
	knobs := repoKnobs(t)
	svc := knobs.Services["transcode"]
	_, max := svc.PA.ScaleBounds(knobs.Autoscaler)
	pods := &fixedPods{ready: 1}
	k := NewKPA(svc, knobs.Autoscaler, pods)
	defer k.Close()
	if got, _ := drive(k, pods, 0, 200, 50, true); got != max {
		t.Fatalf("50 jobs in flight settled at %d pods; max-scale is %d", got, max)
	}
	if k.Desired <= max {
		t.Fatalf("the decider itself wanted %d; the cap should be what stops it, not the load", k.Desired)
	}
}
