package main

import (
	"math"
	"time"
)

// Step is the simulation's time step; the autoscaler's own clocks (1 s stats, 2 s decisions) are multiples of it.
const Step = 0.05

// Sim runs services in simulated time: arrivals from a profile, pods doing the work, Knative's KPA deciding.
type Sim struct {
	Services []*Service
	byName   map[string]*Service
	T0       time.Time
	// Source adds the profile's external arrivals in [t, end).
	Source  func(t, end float64)
	LoadEnd float64 // when the profile's external arrivals stop
	Horizon float64 // hard stop, seconds
	End     float64 // when the run stopped
}

func NewSim(k *Knobs, in *Inputs, names []string) *Sim {
	sim := &Sim{byName: map[string]*Service{}, T0: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, n := range names {
		svc := NewService(k.Services[n], k, in.PodStart+in.ColdStart[n])
		sim.Services = append(sim.Services, svc)
		sim.byName[n] = svc
	}
	return sim
}

// Warm starts a service with n ready pods, as after a steady period.
func (sim *Sim) Warm(name string, n int) {
	s := sim.byName[name]
	s.Scale(-s.ColdStart, int32(n))
	s.stats.coldStarts -= n
}

func (sim *Sim) at(t float64) time.Time { return sim.T0.Add(time.Duration(t * float64(time.Second))) }

// Send delivers a request to a service; a request for a revision at zero makes the activator poke the autoscaler.
func (sim *Sim) Send(name string, r *Request) {
	s := sim.byName[name]
	if s.Arrive(r) && s.KPA.Desired == 0 {
		s.KPA.Record(sim.at(r.Arrival), float64(s.inSystem()), 1)
		sim.tick(s, r.Arrival)
	}
}

func (sim *Sim) tick(s *Service, t float64) {
	s.now = t
	ready, _ := s.ReadyCount()
	if want, apply := s.KPA.Tick(sim.at(t), int32(s.alive()), ready); apply {
		s.Scale(t, want)
	}
	s.stats.series = append(s.stats.series, Sample{T: t, Pods: s.alive(), Ready: ready, Waiting: s.waiting(),
		Desired: s.KPA.Desired, Panic: s.KPA.Panicked})
}

// Run advances time until the load is over, all work is done and every service is back at its min-scale.
func (sim *Sim) Run() {
	for _, s := range sim.Services {
		for range s.KPA.min - int32(s.alive()) {
			sim.Warm(s.Name, 1)
		}
	}
	steps := 0
	perSecond := int(math.Round(1 / Step))
	perTick := int(math.Round(TickInterval.Seconds() / Step))
	for t := 0.0; t < sim.Horizon; t = float64(steps) * Step {
		end := float64(steps+1) * Step
		if sim.Source != nil {
			sim.Source(t, end)
		}
		for _, s := range sim.Services {
			s.Step(t, end)
		}
		steps++
		if steps%perSecond == 0 {
			for _, s := range sim.Services {
				if s.alive() > 0 || s.inSystem() > 0 || s.arrivals > 0 {
					s.KPA.Record(sim.at(end), s.concArea, s.arrivals)
				}
				s.concArea, s.arrivals = 0, 0
			}
		}
		if steps%perTick == 0 {
			for _, s := range sim.Services {
				sim.tick(s, end)
			}
			if end > sim.LoadEnd && sim.settled() {
				sim.End = end
				break
			}
		}
		sim.End = end
	}
	for _, s := range sim.Services {
		s.Close(sim.End)
	}
}

func (sim *Sim) settled() bool {
	for _, s := range sim.Services {
		if s.inSystem() > 0 || len(s.pods) > int(s.KPA.min) {
			return false
		}
	}
	return true
}
