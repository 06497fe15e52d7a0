package main

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"

	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
	"knative.dev/serving/pkg/autoscaler/metrics"
	"knative.dev/serving/pkg/autoscaler/scaling"
	kparesources "knative.dev/serving/pkg/reconciler/autoscaling/kpa/resources"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"
)

// TickInterval is how often Knative's autoscaler asks the decider (multiscaler.go's tickInterval).
const TickInterval = 2 * time.Second

// PodCounter tells the decider how many pods are ready, as the endpoints lister does in a cluster.
type PodCounter interface {
	ReadyCount() (int, error)
	NotReadyCount() (int, error)
}

// KPA is one revision's autoscaling: Knative's own metric collector (stable and panic buckets) and KPA decider,
// plus the few rules of the KPA reconciler that sit around the decider (min/max bounds and the scale-to-zero
// sequence of kpa/scaler.go), which are cluster plumbing rather than a library and so are restated here.
type KPA struct {
	key       types.NamespacedName
	pa        *autoscalingv1alpha1.PodAutoscaler
	cfg       *autoscalerconfig.Config
	collector *metrics.MetricCollector
	decider   scaling.UniScaler
	Spec      scaling.DeciderSpec
	min, max  int32
	logger    *zap.SugaredLogger
	// reader collects the decider's own gauges: its panic mode is read from there, not guessed.
	reader *sdkmetric.ManualReader

	// The PodAutoscaler's Active condition: active since a time, or inactive (pods kept) since a time.
	active        bool
	activeSince   time.Time
	inactiveSince time.Time
	// Last decision, for the activator's poke and for reports.
	Desired  int32
	Panicked bool
}

// NewKPA builds the decider from the service's annotations and the cluster config, as the KPA reconciler does.
func NewKPA(svc *ServiceKnobs, cfg *autoscalerconfig.Config, pods PodCounter) *KPA {
	logger := zap.NewNop().Sugar()
	decider := kparesources.MakeDecider(svc.PA, cfg)
	metric := aresources.MakeMetric(svc.PA, svc.Name+"-private", cfg)
	// Stats are pushed with Record (as the activator does), so the collector needs no scraper.
	collector := metrics.NewMetricCollector(func(*autoscalingv1alpha1.Metric, *zap.SugaredLogger) (metrics.StatsScraper, error) {
		return nil, nil
	}, logger)
	if err := collector.CreateOrUpdate(metric); err != nil {
		panic(err) // cannot fail with a nil scraper
	}
	reader := sdkmetric.NewManualReader()
	min, max := svc.PA.ScaleBounds(cfg)
	k := &KPA{
		key: types.NamespacedName{Namespace: svc.PA.Namespace, Name: svc.PA.Name},
		pa:  svc.PA, cfg: cfg, collector: collector, Spec: decider.Spec, min: min, max: max, logger: logger,
		reader: reader,
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	k.decider = scaling.New(attribute.NewSet(), mp, k.key.Namespace, k.key.Name, collector, pods, &decider.Spec)
	return k
}

// Close stops the collector's goroutine.
func (k *KPA) Close() { k.collector.Delete(k.key.Namespace, k.key.Name) }

// Bounds are min-scale and max-scale after annotations and cluster defaults (0 = no upper bound).
func (k *KPA) Bounds() (int32, int32) { return k.min, k.max }

// Record feeds one second's stat: mean requests in the system (queued at the activator or in pods) and arrivals.
func (k *KPA) Record(now time.Time, concurrency, requests float64) {
	k.collector.Record(k.key, now, metrics.Stat{PodName: "sim", AverageConcurrentRequests: concurrency, RequestCount: requests})
}

// Tick runs the decider and the reconciler rules. It returns the replica count to apply and whether to apply it.
func (k *KPA) Tick(now time.Time, pods int32, ready int) (int32, bool) {
	if ready > 0 && !k.active && k.inactiveSince.IsZero() {
		k.active, k.activeSince = true, now
	}
	res := k.decider.Scale(k.logger, now)
	if !res.ScaleValid {
		return 0, false // no data yet: Knative leaves the scale alone
	}
	k.Desired = res.DesiredPodCount
	k.Panicked = k.panicMode()
	want := applyBounds(k.min, k.max, res.DesiredPodCount)
	if want != 0 {
		if !k.inactiveSince.IsZero() {
			k.inactiveSince = time.Time{} // reactivating
		}
		if ready > 0 && !k.active {
			k.active, k.activeSince = true, now
		}
		return want, true
	}
	return k.scaleToZero(now, pods)
}

// scaleToZero follows kpa/scaler.go handleScaleToZero: an active PA stays at one pod until it has been active for
// the stable window, then turns inactive keeping its pods; the last pod goes after max(grace period, retention).
func (k *KPA) scaleToZero(now time.Time, pods int32) (int32, bool) {
	if !k.cfg.EnableScaleToZero {
		return 1, true
	}
	if pods == 0 {
		k.active, k.inactiveSince = false, time.Time{}
		return 0, true
	}
	if k.active {
		if now.Sub(k.activeSince) >= k.Spec.StableWindow {
			k.active, k.inactiveSince = false, now
			return 0, false
		}
		return 1, true
	}
	if k.inactiveSince.IsZero() {
		k.inactiveSince = now
	}
	retention := k.cfg.ScaleToZeroPodRetentionPeriod
	if d, ok := k.pa.ScaleToZeroPodRetention(); ok {
		retention = d
	}
	if now.Sub(k.inactiveSince) >= max(k.cfg.ScaleToZeroGracePeriod, retention) {
		return 0, true
	}
	return 0, false
}

func applyBounds(min, max, x int32) int32 {
	if x < min {
		return min
	}
	if max != 0 && x > max {
		return max
	}
	return x
}

// panicMode reads the decider's kn.revision.panic.mode gauge.
func (k *KPA) panicMode() bool {
	var rm metricdata.ResourceMetrics
	if err := k.reader.Collect(context.Background(), &rm); err != nil {
		return false
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if g, ok := m.Data.(metricdata.Gauge[int64]); ok && m.Name == "kn.revision.panic.mode" && len(g.DataPoints) > 0 {
				return g.DataPoints[0].Value > 0
			}
		}
	}
	return false
}
