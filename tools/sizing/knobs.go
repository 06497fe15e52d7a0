package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"knative.dev/serving/pkg/apis/autoscaling"
	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/config/autoscalerconfig"
)

// Knobs are the autoscaling settings of our Knative manifests, parsed and validated by Knative's own code so that
// the simulation refuses exactly what the real controller refuses.
type Knobs struct {
	Autoscaler *autoscalerconfig.Config
	Services   map[string]*ServiceKnobs
	// App is the estrena-config ConfigMap (CHUNK_PARALLELISM and friends).
	App map[string]string
}

// ServiceKnobs is one Knative Service's revision template as the autoscaler sees it.
type ServiceKnobs struct {
	Name    string
	PA      *autoscalingv1alpha1.PodAutoscaler
	Timeout time.Duration
	// CPURequest is the container's requested cores: the share a pod is guaranteed on a busy node.
	CPURequest float64
}

// ContainerConcurrency is the hard per-pod limit; 0 means unlimited.
func (s *ServiceKnobs) ContainerConcurrency() int64 { return s.PA.Spec.ContainerConcurrency }

// LoadKnobs reads knative/**.yaml under root and applies the --set overrides ("svc.key=value", "autoscaler.key=value",
// "config.KEY=value"; a service key is an autoscaling.knative.dev/ annotation name or containerConcurrency).
func LoadKnobs(root string, sets []string) (*Knobs, error) {
	asData := map[string]string{}
	app := map[string]string{}
	services := map[string]*servingv1.Service{}
	files, _ := filepath.Glob(filepath.Join(root, "knative", "*", "*.yaml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(raw), "\n---") {
			var head struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			switch {
			case head.Kind == "ConfigMap" && head.Metadata.Name == "config-autoscaler":
				var cm corev1.ConfigMap
				if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				asData = cm.Data
			case head.Kind == "ConfigMap" && head.Metadata.Name == "estrena-config":
				var cm corev1.ConfigMap
				if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				app = cm.Data
			case head.Kind == "Service" && strings.Contains(doc, "serving.knative.dev/"):
				svc := &servingv1.Service{}
				if err := yaml.UnmarshalStrict([]byte(doc), svc); err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				services[svc.Name] = svc
			}
		}
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("no Knative Service under %s/knative", root)
	}
	for _, s := range sets {
		if err := applySet(s, asData, app, services); err != nil {
			return nil, err
		}
	}
	cfg, err := asconfig.NewConfigFromMap(asData)
	if err != nil {
		return nil, fmt.Errorf("config-autoscaler: %w", err)
	}
	k := &Knobs{Autoscaler: cfg, App: app, Services: map[string]*ServiceKnobs{}}
	for name, svc := range services {
		sk, err := serviceKnobs(svc, cfg)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		k.Services[name] = sk
	}
	return k, nil
}

func applySet(s string, asData, app map[string]string, services map[string]*servingv1.Service) error {
	kv := strings.SplitN(s, "=", 2)
	path := strings.SplitN(kv[0], ".", 2)
	if len(kv) != 2 || len(path) != 2 {
		return fmt.Errorf("--set %q: expected service.key=value, autoscaler.key=value or config.KEY=value", s)
	}
	target, key, value := path[0], path[1], kv[1]
	switch target {
	case "autoscaler":
		asData[key] = value
		return nil
	case "config":
		app[key] = value
		return nil
	}
	svc, ok := services[target]
	if !ok {
		return fmt.Errorf("--set %q: no Knative Service named %q (have %s)", s, target, strings.Join(sortedKeys(services), ", "))
	}
	if key == "containerConcurrency" {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("--set %q: containerConcurrency must be a whole number >= 0", s)
		}
		svc.Spec.Template.Spec.ContainerConcurrency = &n
		return nil
	}
	if svc.Spec.Template.Annotations == nil {
		svc.Spec.Template.Annotations = map[string]string{}
	}
	svc.Spec.Template.Annotations[autoscaling.GroupName+"/"+key] = value
	return nil
}

func serviceKnobs(svc *servingv1.Service, cfg *autoscalerconfig.Config) (*ServiceKnobs, error) {
	tmpl := svc.Spec.Template
	if fe := autoscaling.ValidateAnnotations(context.Background(), cfg, tmpl.Annotations); fe != nil {
		return nil, fmt.Errorf("autoscaling annotations: %s", fe.Error())
	}
	var cc int64
	if tmpl.Spec.ContainerConcurrency != nil {
		cc = *tmpl.Spec.ContainerConcurrency
	}
	pa := &autoscalingv1alpha1.PodAutoscaler{}
	pa.Namespace, pa.Name = svc.Namespace, svc.Name
	pa.Annotations = tmpl.Annotations
	pa.Spec.ContainerConcurrency = cc
	pa.Spec.Reachability = autoscalingv1alpha1.ReachabilityReachable
	sk := &ServiceKnobs{Name: svc.Name, PA: pa, Timeout: 300 * time.Second, CPURequest: 1}
	if tmpl.Spec.TimeoutSeconds != nil {
		sk.Timeout = time.Duration(*tmpl.Spec.TimeoutSeconds) * time.Second
	}
	if len(tmpl.Spec.Containers) > 0 {
		if q, ok := tmpl.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; ok {
			sk.CPURequest = quantityCores(q)
		}
	}
	return sk, nil
}

func quantityCores(q resource.Quantity) float64 { return float64(q.MilliValue()) / 1000 }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
