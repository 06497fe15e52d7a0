package main

import (
	"math"
	"sort"
)

// Request is one HTTP request (an event delivery or a viewer's call) to a service.
type Request struct {
	Arrival float64 // simulated seconds
	Work    float64 // seconds of service once a pod's slot takes it
	Start   float64
	// Done runs when the request completes, at its completion time (the next event of a pipeline).
	Done func(t float64)
}

// Pod is one revision pod: it serves after ReadyAt (pod start + our process's cold start, then readiness).
type Pod struct {
	Created, ReadyAt float64
	Terminating      bool
	queue            []*Request // containerConcurrency 0: requests routed here, served in order
	slots            []slot
}

type slot struct {
	freeAt float64
	req    *Request
}

func (p *Pod) load() int {
	n := len(p.queue)
	for _, s := range p.slots {
		if s.req != nil {
			n++
		}
	}
	return n
}

// Service is one Knative Service: the activator's queue, its pods and the KPA that sizes them.
type Service struct {
	Name      string
	Knobs     *ServiceKnobs
	KPA       *KPA
	ColdStart float64 // pod start + process start to first 200, seconds
	servers   int     // requests a pod works on at once
	now       float64
	pods      []*Pod
	activator []*Request // requests buffered by the activator (at zero, or waiting for a free slot)
	stats     *Stats
	// per-second accumulators for the metric the autoscaler sees
	concArea float64
	arrivals float64
	// exact request-seconds within the current step (see Step): offsets of arrivals and completions inside it
	arrivedOffset, doneOffset float64
	doneInStep                int
}

// NewService wires a service to its KPA. A single server per pod for containerConcurrency 0: our Node
// functions are CPU-bound on one event loop, so a pod's throughput, not its concurrency, is the limit.
func NewService(knobs *ServiceKnobs, k *Knobs, coldStart float64) *Service {
	s := &Service{Name: knobs.Name, Knobs: knobs, ColdStart: coldStart, servers: 1, stats: newStats()}
	if cc := knobs.ContainerConcurrency(); cc > 0 {
		s.servers = int(cc)
	}
	s.KPA = NewKPA(knobs, k.Autoscaler, s)
	return s
}

// ReadyCount and NotReadyCount are what the decider's endpoints counter would report.
func (s *Service) ReadyCount() (int, error) {
	n := 0
	for _, p := range s.pods {
		if !p.Terminating && p.ReadyAt <= s.now {
			n++
		}
	}
	return n, nil
}

func (s *Service) NotReadyCount() (int, error) {
	r, _ := s.ReadyCount()
	return s.alive() - r, nil
}

func (s *Service) alive() int {
	n := 0
	for _, p := range s.pods {
		if !p.Terminating {
			n++
		}
	}
	return n
}

// Arrive takes a request at time r.Arrival. It returns true when the activator should poke the autoscaler
// (a request for a revision at zero), as Knative's activator does on the first request.
func (s *Service) Arrive(r *Request) bool {
	s.arrivals++
	s.arrivedOffset += r.Arrival - math.Floor(r.Arrival/Step)*Step
	s.stats.arrived(r.Arrival)
	if s.Knobs.ContainerConcurrency() == 0 {
		if p := s.leastLoaded(r.Arrival); p != nil {
			p.queue = append(p.queue, r)
			return false
		}
	}
	s.activator = append(s.activator, r)
	return s.alive() == 0
}

func (s *Service) leastLoaded(t float64) *Pod {
	var best *Pod
	for _, p := range s.pods {
		if p.Terminating || p.ReadyAt > t {
			continue
		}
		if best == nil || p.load() < best.load() {
			best = p
		}
	}
	return best
}

// Step advances the pods' work over [t, end).
func (s *Service) Step(t, end float64) {
	s.now = t
	if s.Knobs.ContainerConcurrency() == 0 && len(s.activator) > 0 && s.leastLoaded(t) != nil {
		buffered := s.activator
		s.activator = nil
		for _, r := range buffered {
			s.leastLoaded(t).queue = append(s.leastLoaded(t).queue, r)
		}
	}
	for _, p := range s.pods {
		s.work(p, end)
	}
	kept := s.pods[:0]
	for _, p := range s.pods {
		if p.Terminating && p.load() == 0 {
			s.stats.podSeconds += end - p.Created
			continue
		}
		kept = append(kept, p)
	}
	s.pods = kept
	// Time-weighted requests in the system over [t, end), as queue-proxy averages concurrency: every request that
	// touched the step counts the whole step, less the part before it arrived and after it completed.
	s.concArea += float64(s.inSystem()+s.doneInStep)*(end-t) - s.arrivedOffset - s.doneOffset
	s.arrivedOffset, s.doneOffset, s.doneInStep = 0, 0, 0
}

// work runs one pod's slots until end: a free slot takes the next request (its own queue, or the activator's for
// containerConcurrency > 0) and holds it for its Work seconds; completions run the request's follow-up.
func (s *Service) work(p *Pod, end float64) {
	for {
		free, busy := -1, -1
		for i, sl := range p.slots {
			if sl.req == nil && (free < 0 || sl.freeAt < p.slots[free].freeAt) {
				free = i
			}
			if sl.req != nil && sl.freeAt < end && (busy < 0 || sl.freeAt < p.slots[busy].freeAt) {
				busy = i
			}
		}
		if free >= 0 {
			if r := s.next(p, end); r != nil {
				sl := &p.slots[free]
				start := math.Max(math.Max(sl.freeAt, r.Arrival), p.ReadyAt)
				r.Start = start
				s.stats.started(r, s.Knobs.Timeout.Seconds())
				sl.req, sl.freeAt = r, start+r.Work
				continue
			}
		}
		if busy < 0 {
			return
		}
		sl := &p.slots[busy]
		done := sl.req
		sl.req = nil
		s.doneInStep++
		s.doneOffset += end - sl.freeAt
		s.stats.completed(sl.freeAt)
		if done.Done != nil {
			done.Done(sl.freeAt)
		}
	}
}

func (s *Service) next(p *Pod, end float64) *Request {
	if p.Terminating && s.Knobs.ContainerConcurrency() > 0 {
		return nil
	}
	q := &p.queue
	if s.Knobs.ContainerConcurrency() > 0 {
		q = &s.activator
	}
	if len(*q) == 0 || (*q)[0].Arrival >= end || p.ReadyAt >= end {
		return nil
	}
	r := (*q)[0]
	*q = (*q)[1:]
	return r
}

func (s *Service) inSystem() int {
	n := len(s.activator)
	for _, p := range s.pods {
		n += p.load()
	}
	return n
}

func (s *Service) waiting() int {
	n := len(s.activator)
	for _, p := range s.pods {
		n += len(p.queue)
	}
	return n
}

// Scale applies a replica count: new pods start cold; surplus pods go not-ready first, then idle, then busy
// ones, which stop taking work and drain what they hold (queue-proxy's graceful shutdown).
func (s *Service) Scale(t float64, replicas int32) {
	alive := []*Pod{}
	for _, p := range s.pods {
		if !p.Terminating {
			alive = append(alive, p)
		}
	}
	for n := len(alive); n < int(replicas); n++ {
		p := &Pod{Created: t, ReadyAt: t + s.ColdStart, slots: make([]slot, s.servers)}
		for i := range p.slots {
			p.slots[i].freeAt = p.ReadyAt
		}
		s.pods = append(s.pods, p)
		s.stats.coldStarts++
	}
	surplus := len(alive) - int(replicas)
	if surplus <= 0 {
		s.stats.pods(t, s.alive())
		return
	}
	sort.SliceStable(alive, func(i, j int) bool {
		ri, rj := alive[i].ReadyAt <= t, alive[j].ReadyAt <= t
		if ri != rj {
			return !ri
		}
		return alive[i].load() < alive[j].load()
	})
	for _, p := range alive[:surplus] {
		p.Terminating = true
		if s.Knobs.ContainerConcurrency() > 0 || p.ReadyAt > t {
			// Not yet serving, or nothing routed to it beyond its slots: give queued requests back.
			s.activator = append(p.queue, s.activator...)
			p.queue = nil
		}
	}
	s.stats.pods(t, s.alive())
}

// Close accounts the pods still running at the end of the run.
func (s *Service) Close(t float64) {
	for _, p := range s.pods {
		s.stats.podSeconds += t - p.Created
	}
	s.KPA.Close()
}
