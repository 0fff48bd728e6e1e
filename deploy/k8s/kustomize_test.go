// Package k8s_test renders the kustomize base and overlays of deploy/k8s with
// kustomize's own library (what `kustomize build` and `kubectl kustomize`
// run) and checks the objects they produce.
package k8s_test

import (
	"fmt"
	"os"
	"path/filepath"
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
	if intOf(get(idx.Body, "spec", "replicas")) != 1 {
		t.Errorf("index replicas %v: the embedded index belongs to one process", get(idx.Body, "spec", "replicas"))
	}
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
	}
}

func scaledObjects(t *testing.T, objs []object) map[string]object {
	t.Helper()
	out := map[string]object{}
	for _, o := range objs {
		if o.Kind == "ScaledObject" {
			out[o.Name] = o
		}
	}
	for _, st := range stages {
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
	sos := scaledObjects(t, objs)
	if got := intOf(get(sos["index"].Body, "spec", "maxReplicaCount")); got != 1 {
		t.Errorf("index maxReplicaCount %d with the embedded index, want 1", got)
	}
	if got := intOf(get(sos["enrich"].Body, "spec", "maxReplicaCount")); got < 2 {
		t.Errorf("enrich maxReplicaCount %d: enrich must scale out", got)
	}
}

func TestPostgresOverlay(t *testing.T) {
	objs := render(t, filepath.Join("overlays", "postgres"))
	sos := scaledObjects(t, objs)
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
