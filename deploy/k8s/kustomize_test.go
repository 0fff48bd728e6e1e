// Package k8s_test renders the kustomize base and overlays of deploy/k8s with
// kustomize's own library (what `kustomize build` and `kubectl kustomize`
// run) and checks the objects they produce.
package k8s_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// object is one rendered manifest.
type object struct {
	Kind, Name string
	Body       map[string]any
}

func render(t *testing.T, dir string) []object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out []object
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatalf("%s/%s: %v", r.GetKind(), r.GetName(), err)
		}
		out = append(out, object{Kind: r.GetKind(), Name: r.GetName(), Body: m})
	}
	return out
}

func find(objs []object, kind, name string) (object, bool) {
	for _, o := range objs {
		if o.Kind == kind && (o.Name == name || strings.HasPrefix(o.Name, name+"-") && kind == "ConfigMap") {
			return o, true
		}
	}
	return object{}, false
}

// get walks a path of map keys and list indexes through a decoded object.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

var stages = []struct {
	name, stream string
}{
	{"ingest", "ARTICLES_RAW"},
	{"enrich", "ARTICLES"},
	{"index", "ARTICLES"},
}

func TestBase(t *testing.T) {
	objs := render(t, "base")
	cm, ok := find(objs, "ConfigMap", "newsflow")
	if !ok {
		t.Fatal("no newsflow ConfigMap")
	}
	if got := get(cm.Body, "data", "NEWSFLOW_STREAM_REPLICAS"); got != "3" {
		t.Errorf("NEWSFLOW_STREAM_REPLICAS = %v, want 3 (R3 streams on the NATS cluster)", got)
	}
	if got := get(cm.Body, "data", "NEWSFLOW_CREATE_STREAMS"); got != "false" {
		t.Errorf("NEWSFLOW_CREATE_STREAMS = %v, want false: the stages' users may not create streams", got)
	}
	job, ok := find(objs, "Job", "newsflow-setup")
	if !ok {
		t.Error("no newsflow-setup Job to create the streams")
	} else {
		args := fmt.Sprint(get(job.Body, "spec", "template", "spec", "containers", 0, "args"))
		for _, want := range []string{"setup", "--nats-user=admin", "--stream-replicas=$(NEWSFLOW_STREAM_REPLICAS)"} {
			if !strings.Contains(args, want) {
				t.Errorf("setup Job args %s: want %s", args, want)
			}
		}
	}
	if s, _ := get(cm.Body, "data", "NEWSFLOW_NATS_URL").(string); s == "" {
		t.Error("ConfigMap has no NEWSFLOW_NATS_URL")
	}
	// One NATS poller, not one per worker replica, finding the servers
	// through the headless Service rather than by name.
	if s := get(cm.Body, "data", "NEWSFLOW_NATS_MONITOR_URL"); s != nil {
		t.Errorf("the workers' ConfigMap sets NEWSFLOW_NATS_MONITOR_URL=%v: every replica would poll NATS", s)
	}
	mon, ok := find(objs, "Deployment", "nats-monitor")
	if !ok {
		t.Fatal("no nats-monitor Deployment")
	}
	if r := get(mon.Body, "spec", "replicas"); r != 1 && r != int64(1) && r != float64(1) {
		t.Errorf("nats-monitor replicas %v, want exactly 1", r)
	}
	if args := fmt.Sprint(get(mon.Body, "spec", "template", "spec", "containers", 0, "args")); !strings.Contains(args, "nats-monitor") ||
		!strings.Contains(args, "dns+http://nats-headless.") || strings.Contains(args, "nats-0") {
		t.Errorf("nats-monitor args %s: want the nats-monitor role reading dns+http://nats-headless...", args)
	}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			d, ok := find(objs, "Deployment", st.name)
			if !ok {
				t.Fatalf("no Deployment %s", st.name)
			}
			if ns := get(d.Body, "metadata", "namespace"); ns != "newsflow" {
				t.Errorf("namespace %v, want newsflow", ns)
			}
			sel := get(d.Body, "spec", "selector", "matchLabels", "app.kubernetes.io/name")
			if sel != st.name || get(d.Body, "spec", "template", "metadata", "labels", "app.kubernetes.io/name") != st.name {
				t.Errorf("selector %v does not match the pod labels", sel)
			}
			pod := get(d.Body, "spec", "template", "spec")
			if get(pod, "securityContext", "runAsNonRoot") != true {
				t.Error("pod may run as root")
			}
			c := get(pod, "containers", 0)
			if img, _ := get(c, "image").(string); img != "newsflow/"+st.name+":dev" {
				t.Errorf("image %q", img)
			}
			env := map[string]any{}
			for _, e := range get(c, "env").([]any) {
				env[get(e, "name").(string)] = e
			}
			if get(env["NEWSFLOW_NATS_USER"], "value") != st.name || get(env["NEWSFLOW_NATS_INBOX_PREFIX"], "value") != "_INBOX_"+st.name ||
				get(env["NEWSFLOW_NATS_PASSWORD"], "valueFrom", "secretKeyRef", "key") != st.name {
				t.Errorf("not connecting as its least-privilege user %s: env %v", st.name, get(c, "env"))
			}
			if r := get(d.Body, "spec", "replicas"); r != nil {
				t.Errorf("replicas %v: KEDA owns the count, and each apply would reset it", r)
			}
			if o := get(env["NEWSFLOW_NATS_PASSWORD"], "valueFrom", "secretKeyRef", "optional"); o == true {
				t.Error("the NATS password's Secret is optional: a missing Secret would start the stage with an empty password")
			}
			if get(c, "envFrom", 0, "configMapRef", "name") != cm.Name {
				t.Errorf("envFrom %v, want the generated ConfigMap %s", get(c, "envFrom"), cm.Name)
			}
			for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
				if get(c, probe, "httpGet", "path") != path || get(c, probe, "httpGet", "port") != "http" {
					t.Errorf("%s: %v, want GET %s on port http", probe, get(c, probe), path)
				}
			}
			for _, r := range [][]any{{"requests", "cpu"}, {"requests", "memory"}, {"limits", "memory"}} {
				if get(c, append([]any{"resources"}, r...)...) == nil {
					t.Errorf("no resources.%v", r)
				}
			}
			sc := get(c, "securityContext")
			if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false ||
				fmt.Sprint(get(sc, "capabilities", "drop")) != "[ALL]" {
				t.Errorf("container security context %v", sc)
			}
			svc, ok := find(objs, "Service", st.name)
			if !ok || get(svc.Body, "spec", "selector", "app.kubernetes.io/name") != st.name {
				t.Errorf("Service %s missing or selecting something else", st.name)
			}
			pdb, ok := find(objs, "PodDisruptionBudget", st.name)
			if !ok || get(pdb.Body, "spec", "selector", "matchLabels", "app.kubernetes.io/name") != st.name {
				t.Errorf("PodDisruptionBudget %s missing or selecting something else", st.name)
			}
		})
	}
	idx, _ := find(objs, "Deployment", "index")
	if get(idx.Body, "spec", "strategy", "type") != "Recreate" {
		t.Error("index must be replaced with Recreate: two processes must never open the embedded index")
	}
	if _, ok := find(objs, "PersistentVolumeClaim", "index-data"); !ok {
		t.Error("no PersistentVolumeClaim for the embedded index")
	}
	for _, o := range objs {
		if o.Kind == "ScaledObject" {
			t.Errorf("the base renders a ScaledObject (%s): KEDA belongs to the component", o.Name)
		}
		if o.Kind == "Deployment" || o.Kind == "Job" {
			pod := get(o.Body, "spec", "template", "spec")
			if o.Kind == "Deployment" {
				pod = get(o.Body, "spec", "template", "spec")
			}
			for _, c := range get(pod, "containers").([]any) {
				for _, e := range asList(get(c, "env")) {
					// The binaries give the heap 3/4 of the container's limit
					// themselves (telemetry.FitMemoryToContainer); all of it
					// would starve the mapped index files and the page cache
					// the limit also counts (docs/operations.md).
					if get(e, "name") == "GOMEMLIMIT" {
						t.Errorf("%s %s container %v: GOMEMLIMIT %v overrides the binary's own 3/4 of the limit", o.Kind, o.Name, get(c, "name"), e)
					}
					if get(e, "valueFrom", "secretKeyRef", "optional") == true {
						t.Errorf("%s %s: env %v takes an optional Secret: a missing one must fail the pod at once", o.Kind, o.Name, get(e, "name"))
					}
				}
				if get(c, "resources", "limits", "memory") == nil {
					t.Errorf("%s %s container %v: no memory limit for the binary to fit its heap to", o.Kind, o.Name, get(c, "name"))
				}
			}
		}
	}
	checkNetworkPolicies(t, objs)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// policy is a rendered NetworkPolicy reduced to what the checks compare.
type policy struct {
	pods          []string // app.kubernetes.io/name values it selects; nil: every pod
	ingress       bool
	egress        bool
	ingressPorts  []string
	egressTargets []string // "<namespace>:<port>" or "*:<port>"
}

func policies(t *testing.T, objs []object) map[string]policy {
	t.Helper()
	out := map[string]policy{}
	for _, o := range objs {
		if o.Kind != "NetworkPolicy" {
			continue
		}
		var p policy
		sel := get(o.Body, "spec", "podSelector")
		if v := get(sel, "matchLabels", "app.kubernetes.io/name"); v != nil {
			p.pods = []string{v.(string)}
		}
		for _, e := range asList(get(sel, "matchExpressions")) {
			for _, v := range asList(get(e, "values")) {
				p.pods = append(p.pods, v.(string))
			}
		}
		for _, ty := range asList(get(o.Body, "spec", "policyTypes")) {
			p.ingress = p.ingress || ty == "Ingress"
			p.egress = p.egress || ty == "Egress"
		}
		for _, r := range asList(get(o.Body, "spec", "ingress")) {
			for _, port := range asList(get(r, "ports")) {
				p.ingressPorts = append(p.ingressPorts, fmt.Sprint(get(port, "port")))
			}
		}
		for _, r := range asList(get(o.Body, "spec", "egress")) {
			nss := []string{"*"}
			if to := asList(get(r, "to")); len(to) > 0 {
				nss = nil
				for _, peer := range to {
					nss = append(nss, fmt.Sprint(get(peer, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name")))
				}
			}
			for _, ns := range nss {
				for _, port := range asList(get(r, "ports")) {
					p.egressTargets = append(p.egressTargets, fmt.Sprintf("%s:%v", ns, get(port, "port")))
				}
			}
		}
		out[o.Name] = p
	}
	return out
}

// allowed returns what the policies let pod app reach and be reached on.
func allowed(ps map[string]policy, app string) (egress, ingress map[string]bool, denyIn, denyOut bool) {
	egress, ingress = map[string]bool{}, map[string]bool{}
	for _, p := range ps {
		if p.pods != nil && !slices.Contains(p.pods, app) {
			continue
		}
		denyIn = denyIn || p.ingress
		denyOut = denyOut || p.egress
		for _, e := range p.egressTargets {
			egress[e] = true
		}
		for _, port := range p.ingressPorts {
			ingress[port] = true
		}
	}
	return egress, ingress, denyIn, denyOut
}

// checkNetworkPolicies: every pod is under a default deny both ways, and
// each may reach exactly what it needs.
func checkNetworkPolicies(t *testing.T, objs []object) {
	t.Helper()
	ps := policies(t, objs)
	if d, ok := ps["default-deny"]; !ok || d.pods != nil || !d.ingress || !d.egress || len(d.ingressPorts)+len(d.egressTargets) > 0 {
		t.Fatalf("no default deny of ingress and egress for every pod: %+v", ps["default-deny"])
	}
	want := map[string]struct {
		egress  []string
		ingress []string
	}{
		"ingest":         {[]string{"kube-system:53", "nats:4222"}, []string{"8080"}},
		"enrich":         {[]string{"kube-system:53", "nats:4222"}, []string{"8080"}},
		"index":          {[]string{"kube-system:53", "nats:4222"}, []string{"8080"}},
		"poller":         {[]string{"*:443", "*:80", "kube-system:53", "nats:4222"}, []string{"8080"}},
		"watch":          {[]string{"*:443", "*:80", "kube-system:53", "nats:4222"}, []string{"8080"}},
		"newsflow-setup": {[]string{"kube-system:53", "nats:4222"}, nil},
		"nats-monitor":   {[]string{"kube-system:53", "nats:8222"}, []string{"7777"}},
	}
	for app, w := range want {
		eg, in, denyIn, denyOut := allowed(ps, app)
		if !denyIn || !denyOut {
			t.Errorf("%s: not under a default deny", app)
		}
		var got []string
		for e := range eg {
			got = append(got, e)
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(w.egress) {
			t.Errorf("%s may reach %v, want %v", app, got, w.egress)
		}
		var gotIn []string
		for p := range in {
			gotIn = append(gotIn, p)
		}
		slices.Sort(gotIn)
		if fmt.Sprint(gotIn) != fmt.Sprint(w.ingress) {
			t.Errorf("%s may be reached on %v, want %v", app, gotIn, w.ingress)
		}
	}
	// enrich and the poller serve no API: only Prometheus reaches their port.
	if e := ps["enrich-metrics"]; fmt.Sprint(e.pods) != "[enrich poller]" {
		t.Errorf("enrich-metrics selects %v", e.pods)
	}
}

func scaledObjects(t *testing.T, objs []object, scaled ...string) map[string]object {
	t.Helper()
	out := map[string]object{}
	for _, o := range objs {
		if o.Kind == "ScaledObject" {
			out[o.Name] = o
		}
	}
	for _, st := range stages {
		if !slices.Contains(scaled, st.name) {
			if _, ok := out[st.name]; ok {
				t.Errorf("a ScaledObject for %s, which must not scale here", st.name)
			}
			continue
		}
		so, ok := out[st.name]
		if !ok {
			t.Errorf("no ScaledObject for %s", st.name)
			continue
		}
		if get(so.Body, "spec", "scaleTargetRef", "name") != st.name {
			t.Errorf("ScaledObject %s scales %v", st.name, get(so.Body, "spec", "scaleTargetRef", "name"))
		}
		trig := get(so.Body, "spec", "triggers", 0)
		if get(trig, "type") != "nats-jetstream" || get(trig, "metadata", "stream") != st.stream ||
			get(trig, "metadata", "consumer") != st.name || get(trig, "metadata", "account") != "$G" {
			t.Errorf("ScaledObject %s trigger %v, want nats-jetstream on %s/%s", st.name, trig, st.stream, st.name)
		}
		if lag, _ := get(trig, "metadata", "lagThreshold").(string); lag == "" {
			t.Errorf("ScaledObject %s has no lagThreshold", st.name)
		}
		if ep, _ := get(trig, "metadata", "natsServerMonitoringEndpoint").(string); strings.Contains(ep, "nats-0") {
			t.Errorf("ScaledObject %s names one NATS server (%s): use the headless Service", st.name, ep)
		}
		if get(so.Body, "metadata", "namespace") != "newsflow" {
			t.Errorf("ScaledObject %s in namespace %v, want newsflow", st.name, get(so.Body, "metadata", "namespace"))
		}
		if d, ok := find(objs, "Deployment", st.name); !ok || get(d.Body, "spec", "replicas") != nil {
			t.Errorf("Deployment %s sets replicas %v while KEDA scales it", st.name, get(d.Body, "spec", "replicas"))
		}
	}
	return out
}

func intOf(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

func TestProductionOverlay(t *testing.T) {
	objs := render(t, filepath.Join("overlays", "production"))
	// index with the embedded index is one process: no ScaledObject.
	sos := scaledObjects(t, objs, "ingest", "enrich")
	if got := intOf(get(sos["enrich"].Body, "spec", "maxReplicaCount")); got < 2 {
		t.Errorf("enrich maxReplicaCount %d: enrich must scale out", got)
	}
}

func TestPostgresOverlay(t *testing.T) {
	objs := render(t, filepath.Join("overlays", "postgres"))
	sos := scaledObjects(t, objs, "ingest", "enrich", "index")
	if eg, _, _, _ := allowed(policies(t, objs), "index"); !eg["*:5432"] {
		t.Errorf("index may not reach PostgreSQL (5432): %v", eg)
	}
	if got := intOf(get(sos["index"].Body, "spec", "maxReplicaCount")); got < 2 {
		t.Errorf("index maxReplicaCount %d on PostgreSQL, want more than 1", got)
	}
	idx, _ := find(objs, "Deployment", "index")
	if get(idx.Body, "spec", "strategy", "type") != "RollingUpdate" {
		t.Errorf("index strategy %v, want RollingUpdate on PostgreSQL", get(idx.Body, "spec", "strategy"))
	}
	c := get(idx.Body, "spec", "template", "spec", "containers", 0)
	env := fmt.Sprint(get(c, "env"))
	found := false
	for _, e := range get(c, "env").([]any) {
		if get(e, "name") != "NEWSFLOW_INDEX" {
			continue
		}
		found = true
		if get(e, "value") != nil || get(e, "valueFrom", "secretKeyRef", "name") != "newsflow-postgres" {
			t.Errorf("index NEWSFLOW_INDEX %v: want it from the newsflow-postgres Secret only", e)
		}
	}
	if !found {
		t.Errorf("index env %s: no NEWSFLOW_INDEX", env)
	}
	if strings.Contains(fmt.Sprint(get(c, "volumeMounts")), "data") || strings.Contains(fmt.Sprint(get(idx.Body, "spec", "template", "spec", "volumes")), "index-data") {
		t.Error("index still mounts the embedded index volume")
	}
	if _, ok := find(objs, "PersistentVolumeClaim", "index-data"); ok {
		t.Error("the embedded index's PersistentVolumeClaim is still rendered")
	}
}

func TestBrokenKustomizationFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - missing.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	if _, err := k.Run(filesys.MakeFsOnDisk(), dir); err == nil {
		t.Fatal("a kustomization naming a missing file rendered")
	}
}

func TestNATSHelmValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("nats", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("nats/values.yaml: %v", err)
	}
	cases := []struct {
		path []any
		want any
	}{
		{[]any{"config", "cluster", "enabled"}, true},
		{[]any{"config", "cluster", "replicas"}, float64(3)},
		{[]any{"config", "jetstream", "enabled"}, true},
		{[]any{"config", "jetstream", "fileStore", "pvc", "enabled"}, true},
		{[]any{"config", "monitor", "enabled"}, true},
		{[]any{"config", "monitor", "port"}, float64(8222)},
		{[]any{"config", "merge", "00$include"}, "auth.conf"},
	}
	for _, c := range cases {
		if got := get(v, c.path...); got != c.want {
			t.Errorf("%v = %v, want %v", c.path, got, c.want)
		}
	}
}

// The Prometheus Operator component renders a PodMonitor whose job label is
// the stage, over the stages' and nats-monitor's ports.
func TestPrometheusOperatorComponent(t *testing.T) {
	dir := filepath.Join("overlays", "test-operator")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: newsflow\nresources: [../../base]\n" +
		"components: [../../components/keda, ../../components/prometheus-operator]\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	objs := render(t, dir)
	pm, ok := find(objs, "PodMonitor", "newsflow")
	if !ok {
		t.Fatal("no PodMonitor")
	}
	if get(pm.Body, "metadata", "namespace") != "newsflow" || get(pm.Body, "spec", "jobLabel") != "app.kubernetes.io/name" {
		t.Errorf("PodMonitor namespace %v jobLabel %v", get(pm.Body, "metadata", "namespace"), get(pm.Body, "spec", "jobLabel"))
	}
	ports := map[string]bool{}
	for _, e := range asList(get(pm.Body, "spec", "podMetricsEndpoints")) {
		ports[fmt.Sprint(get(e, "port"))] = true
	}
	if !ports["http"] || !ports["metrics"] {
		t.Errorf("PodMetricsEndpoints on %v, want http (stages) and metrics (nats-monitor)", ports)
	}
	sel := fmt.Sprint(get(pm.Body, "spec", "selector"))
	for _, app := range []string{"ingest", "enrich", "index", "poller", "nats-monitor"} {
		if !strings.Contains(sel, app) {
			t.Errorf("PodMonitor selector %s misses %s", sel, app)
		}
	}
	if _, ok := find(objs, "PrometheusRule", "newsflow"); !ok {
		t.Error("no PrometheusRule with the alerts")
	}
	// The pods it selects name those ports.
	for _, app := range []string{"ingest", "enrich", "index", "nats-monitor"} {
		d, _ := find(objs, "Deployment", app)
		names := fmt.Sprint(get(d.Body, "spec", "template", "spec", "containers", 0, "ports"))
		if !strings.Contains(names, "name:http") && !strings.Contains(names, "name:metrics") {
			t.Errorf("%s ports %s: neither http nor metrics", app, names)
		}
	}
}
